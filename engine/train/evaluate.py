"""Evaluation while training: short gauntlets of the current checkpoint against fixed
baselines and the previous evaluated checkpoint, through the tournament runner, rated with
the tournament ratings (Bradley-Terry Elo) over every evaluation so far.

Each evaluation is a tournament folder ``DIR/eval/step-00000400/`` (its ``results.sqlite``
is resumable like any tournament), so the Elo-over-steps curve can be recomputed from the
run directory alone. Player names in the joint rating: ``step-00000400`` for checkpoints,
the config's names for the baselines; the first baseline is the anchor (0 Elo).
"""

from __future__ import annotations

import logging
from pathlib import Path

from varena.engine.params import Spec

log = logging.getLogger("varena.train")


def net_spec(path: Path, sims: int, selfplay: dict) -> str:
    """The ``alphavit`` agent spec of a checkpoint: greedy search, no root noise."""
    args = [("checkpoint", str(path)), ("sims", str(sims)), ("device", "cpu")]
    if sims:
        args += [("rule", selfplay["rule"]), ("c", str(selfplay["c"])), ("root", "plain")]
    return str(Spec("alphavit", tuple(args)))


def step_name(step: int) -> str:
    return f"step-{int(step):08d}"


def previous_evaluation(run_path: Path, step: int) -> tuple[int, Path] | None:
    """(step, network copy) of the newest evaluation before ``step``, or None."""
    best = None
    for folder in (run_path / "eval").glob("step-*"):
        try:
            s = int(folder.name[5:])
        except ValueError:
            continue
        net = folder / "net.safetensors"
        if s < step and net.is_file() and (best is None or s > best[0]):
            best = (s, net)
    return best


def evaluate(run_path: Path, step: int, checkpoint: Path, previous: tuple[int, Path] | None,
             games: list[str], opponents: list[tuple[str, str]], options: dict, selfplay: dict,
             seed: int) -> dict[str, float]:
    """Play the gauntlet of ``step`` and return metrics: ``elo`` (joint rating of this
    checkpoint), ``score_<name>`` per opponent (this checkpoint's mean score)."""
    from varena.engine.atomic import write_atomic
    from varena.tournaments import runner
    from varena.tournaments.config import Config

    out = run_path / "eval" / step_name(step)
    # a copy: the checkpoint itself may be pruned before the next evaluation needs it
    mine = out / "net.safetensors"
    if not mine.is_file():
        write_atomic(mine, Path(checkpoint).read_bytes())
    agents = {"net": net_spec(mine, options["sims"], selfplay)}
    if previous is not None and options["previous"]:
        agents["prev"] = net_spec(previous[1], options["sims"], selfplay)
    agents.update(dict(opponents))
    playable = [g for g in games if _two_player(g)]
    if not playable or len(agents) < 2:
        return {}
    cfg = Config(games=playable, agents=agents, format="gauntlet",
                 games_per_pairing=options["games"], concurrency=1, seed=seed + step,
                 max_moves=options["max_moves"] or None, opening_moves=options["opening_moves"],
                 anchor=None).validate()
    store = runner.run(cfg, out, resume=True)
    try:
        rows = store.rows()
    finally:
        store.close()
    metrics: dict[str, float] = {}
    for name in agents:
        if name == "net":
            continue
        mine = [r.score if r.first == "net" else 1.0 - r.score for r in rows
                if "net" in (r.first, r.second) and name in (r.first, r.second)]
        if mine:
            metrics[f"score_{name}"] = sum(mine) / len(mine)
    elo = joint_elo(run_path, [n for n, _ in opponents])
    if step_name(step) in elo:
        metrics["elo"] = elo[step_name(step)]
    return metrics


def _two_player(spec: str) -> bool:
    from varena.engine.host import get_host

    return get_host().make_game(spec).num_players == 2


def evaluation_results(run_path: Path) -> list:
    """Every evaluation game so far as ratings Results, with checkpoint names made global."""
    from varena.tournaments.ratings import Result
    from varena.tournaments.store import Store

    out = []
    for folder in sorted((run_path / "eval").glob("step-*")):
        db = folder / "results.sqlite"
        if not db.is_file():
            continue
        store = Store(db)
        try:
            rows, meta = store.rows(), store.get_meta("config") or {}
        finally:
            store.close()
        names = {"net": folder.name}
        prev = _previous_name(meta, run_path)
        if prev:
            names["prev"] = prev
        for r in rows:
            if r.second is None:
                continue
            out.append(Result(names.get(r.first, r.first), names.get(r.second, r.second), r.score))
    return out


def _previous_name(meta: dict, run_path: Path) -> str | None:
    spec = (meta.get("agents") or {}).get("prev")
    if not spec:
        return None
    marker = "step-"
    at = spec.rfind(marker)
    return spec[at: at + len(marker) + 8] if at >= 0 else None


def joint_elo(run_path: Path, baselines: list[str]) -> dict[str, float]:
    """Elo of every player of every evaluation so far, anchored at the first baseline."""
    from varena.engine.errors import VarenaError
    from varena.tournaments.ratings import ratings

    results = evaluation_results(run_path)
    if not results:
        return {}
    try:
        rated = ratings(results, anchor=baselines[0] if baselines else None, bootstrap=0)
    except VarenaError as exc:  # e.g. players not connected by any game
        log.warning("evaluation: cannot rate the checkpoints yet: %s", exc)
        return {}
    return {r.name: r.elo for r in rated}


def gate(spec: str, base: Path, test: Path, options: dict, selfplay: dict, seed: int) -> tuple[bool, str]:
    """SPRT of ``test`` against ``base`` (network files) on game ``spec``: (accepted, verdict)."""
    from varena.tournaments.sprt_run import run_sprt

    verdict = run_sprt(spec, net_spec(base, options["sims"], selfplay),
                       net_spec(test, options["sims"], selfplay), elo0=0.0,
                       elo1=options["gating_elo1"], alpha=0.05, beta=0.05, model="pentanomial",
                       max_pairs=options["gating_pairs"], concurrency=1, seed=seed,
                       opening_moves=options["opening_moves"],
                       max_moves=options["max_moves"] or None, echo=log.debug)
    return verdict.startswith("H1"), verdict
