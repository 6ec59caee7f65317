"""The self-play (``alphazero``) training config: every key checked like a spec.

```toml
solver = "alphavit"            # varena train looks the solver up; its trainers() offers "alphazero"
trainer = "alphazero"
seed = 0

[games]                        # game spec = weight (share of the games in flight)
"gomoku:size=7" = 1.0
"gomoku:size=9" = 1.0

[network]                      # arch, preset, position mode, size overrides, or init to fine-tune
arch = "vit"
preset = "small"
# init = "runs/small/checkpoints/step-00002000.safetensors"

[selfplay]                     # see SELFPLAY for every key
[buffer]
[learner]
[checkpoint]
[evaluation]
[evaluation.opponents]         # name = agent spec
ab2 = "alphabeta:depth=2"
[metrics]
[backend]                      # kind = "local" | "ray"
```

A bad key or value raises :class:`SpecError` naming the section, the key, the value and what
is accepted. Nothing here imports torch.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from varena.engine.errors import SpecError
from varena.engine.params import SEED_MAX, Param

NAME_CHARS = "_-.+"

SELFPLAY = (
    Param("games_in_flight", int, 128, "games played at once, over all games (split by weight)",
          1, 65536),
    Param("sims", int, 64, "simulations of a full search (the recorded moves)", 1, 100_000),
    Param("cheap_sims", int, 0, "playout-cap randomisation (KataGo): simulations of a cheap "
          "search, whose moves are played but not recorded (0: off, every move is full)",
          0, 100_000),
    Param("full_fraction", float, 0.25, "with cheap_sims > 0: share of moves searched fully",
          0.0, 1.0),
    Param("root", str, "gumbel", "root policy: gumbel (targets = improved policy), dirichlet "
          "or plain (targets = visit distribution)", choices=("gumbel", "dirichlet", "plain")),
    Param("rule", str, "puct", "child selection", choices=("puct", "uct")),
    Param("c", float, 1.25, "PUCT exploration constant", 0.0, 100.0),
    Param("gumbel_m", int, 16, "Gumbel: root actions sampled at first", 1, 100_000),
    Param("dirichlet_alpha", float, 10.0, "Dirichlet: total concentration", 1e-6, 1e6),
    Param("dirichlet_eps", float, 0.25, "Dirichlet: weight of the noise", 0.0, 1.0),
    Param("temperature", float, 1.0, "temperature of the opening moves (sampled from the "
          "search policy ** (1/T))", 0.01, 100.0),
    Param("temperature_moves", int, 4, "moves of each game sampled with the temperature; "
          "the rest are the search's choice", 0, 100_000),
    Param("max_moves", int, 0, "stop a game after this many moves, scored as a draw "
          "(0: the game's own bound)", 0, 1_000_000),
    Param("leaves", int, 1, "leaves per tree per network call (virtual loss between)", 1, 256),
    Param("threads", int, 1, "threads of the tree search (Numba prange)", 1, 256),
)

BUFFER = (
    Param("window", int, 100_000, "positions kept per game spec (the newest)", 1, 100_000_000),
    Param("shard_positions", int, 1024, "finished positions gathered before a shard is written "
          "(every shard is one atomic file)", 1, 10_000_000),
    Param("min_positions", int, 1000, "positions committed before the learner starts",
          1, 100_000_000),
    Param("augment", bool, True, "sample each position under a random symmetry of its game"),
)

LEARNER = (
    Param("batch_size", int, 256, "positions per minibatch (one game spec each)", 1, 65536),
    Param("lr", float, 1e-3, "peak learning rate (AdamW)", 1e-8, 10.0),
    Param("weight_decay", float, 1e-4, "AdamW weight decay (not on biases and norms)", 0.0, 10.0),
    Param("warmup_steps", int, 100, "linear warm-up steps", 0, 100_000_000),
    Param("schedule", str, "cosine", "after warm-up: constant, or cosine down to "
          "lr * final_lr_fraction at decay_steps", choices=("constant", "cosine")),
    Param("decay_steps", int, 100_000, "cosine: the step the decay ends", 1, 1_000_000_000),
    Param("final_lr_fraction", float, 0.1, "cosine: final lr as a fraction of lr", 0.0, 1.0),
    Param("clip", float, 1.0, "gradient norm clipping (0: off)", 0.0, 1e6),
    Param("value_weight", float, 1.0, "weight of the value MSE against the policy "
          "cross-entropy", 0.0, 1e3),
    Param("samples_per_position", float, 4.0, "KataGo's bound on training per new data: at "
          "most this many sampled positions per committed self-play position", 0.01, 1e4),
    Param("amp", bool, True, "bf16 autocast on CUDA (ignored on CPU)"),
)

CHECKPOINT = (
    Param("every", int, 200, "learner steps between checkpoints", 1, 100_000_000),
    Param("keep", int, 3, "checkpoints kept (older ones are deleted)", 1, 100_000),
)

EVALUATION = (
    Param("every", int, 0, "learner steps between evaluations (0: off); each writes a "
          "checkpoint", 0, 100_000_000),
    Param("games", int, 10, "games per opponent (colours alternate)", 1, 100_000),
    Param("sims", int, 32, "simulations per move of the network's agent (0: its policy)",
          0, 100_000),
    Param("previous", bool, True, "also play the previous evaluated checkpoint"),
    Param("max_moves", int, 0, "move limit of an evaluation game (0: none)", 0, 1_000_000),
    Param("opening_moves", int, 2, "random opening moves, each opening played with both "
          "colours", 0, 1000),
    Param("gating", bool, False, "self-play keeps its network until an SPRT (on the first "
          "two-player game) says an evaluated checkpoint is stronger"),
    Param("gating_elo1", float, 20.0, "gating: the SPRT's H1 (elo0 = 0)", 0.1, 2000.0),
    Param("gating_pairs", int, 50, "gating: most game pairs of one SPRT (undecided: keep)",
          1, 100_000),
)

METRICS = (
    Param("every", int, 20, "learner steps between metric lines", 1, 100_000_000),
    Param("csv", bool, True, "also write metrics.csv (step,name,value rows)"),
    Param("tensorboard", bool, False, "write TensorBoard events to DIR/tensorboard (needs the "
          "tensorboard package; skipped with a note without it)"),
)

BACKEND = (
    Param("kind", str, "local", "local (one process) or ray (self-play actors)",
          choices=("local", "ray")),
    Param("actors", int, 2, "ray: self-play actors", 1, 10_000),
    Param("address", str, "", "ray: cluster address (empty: start a local Ray; 'auto': the "
          "running cluster; 'ray://HOST:10001': a remote one)"),
    Param("cpus_per_actor", float, 1.0, "ray: CPUs reserved per actor", 0.01, 1024.0),
    Param("weights_every", int, 20, "ray: learner steps between weight broadcasts", 1, 1_000_000),
)

NETWORK = (
    Param("arch", str, "vit", "vit, vid or vda", choices=("vit", "vid", "vda")),
    Param("preset", str, "small", "small (CPU) or paper (d=512)", choices=("small", "paper")),
    Param("positions", str, "grid", "grid or relative position encoding",
          choices=("grid", "relative")),
    Param("init", str, "", "checkpoint to start from (fine-tuning); empty: random weights"),
    Param("d_model", int, None, "override of the preset's width", 1, 8192),
    Param("heads", int, None, "override of the preset's heads", 1, 256),
    Param("ff", int, None, "override of the preset's feed-forward width", 1, 65536),
    Param("enc_layers", int, None, "override of the preset's encoder layers", 0, 256),
    Param("dec_layers", int, None, "override of the preset's decoder layers", 0, 256),
    Param("dropout", float, None, "override of the preset's dropout", 0.0, 0.99),
)

SECTIONS: dict[str, tuple[Param, ...]] = {
    "selfplay": SELFPLAY, "buffer": BUFFER, "learner": LEARNER, "checkpoint": CHECKPOINT,
    "evaluation": EVALUATION, "metrics": METRICS, "backend": BACKEND, "network": NETWORK,
}
TOP = ("solver", "trainer", "seed", "games", *SECTIONS)


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """A checked config. ``games``: (spec, weight) in the order given; sections: dicts of
    every key of their table (defaults filled in); ``opponents``: name -> agent spec."""

    solver: str
    trainer: str
    seed: int
    games: tuple[tuple[str, float], ...]
    sections: MappingProxyType
    opponents: tuple[tuple[str, str], ...]

    def __getattr__(self, name: str) -> Any:  # cfg.selfplay["sims"] etc.
        try:
            return object.__getattribute__(self, "sections")[name]
        except KeyError:
            raise AttributeError(name) from None

    def to_json(self) -> dict[str, Any]:
        return {"solver": self.solver, "trainer": self.trainer, "seed": self.seed,
                "games": [list(g) for g in self.games], "opponents": [list(o) for o in self.opponents],
                **{k: dict(v) for k, v in self.sections.items()}}

    def hash(self) -> str:
        """A digest of what fixes the training path (budget and evaluation left out, so a
        resume may change how it is watched but not what it trains)."""
        keep = {k: v for k, v in self.to_json().items()
                if k not in ("evaluation", "metrics", "opponents", "checkpoint")}
        keep["backend"] = {k: v for k, v in keep["backend"].items() if k == "kind"}
        return hashlib.sha256(json.dumps(keep, sort_keys=True).encode()).hexdigest()[:16]


def check_section(table: Any, params: tuple[Param, ...], where: str) -> dict[str, Any]:
    """Every key of ``table`` known and converted; defaults for the rest."""
    if table is None:
        table = {}
    if not isinstance(table, dict):
        raise SpecError(f"config: [{where}] must be a table, got {type(table).__name__}")
    known = {p.name: p for p in params}
    for key in table:
        if key not in known:
            raise SpecError(f"config: unknown key {where}.{key}; accepted: {', '.join(known)}")
    out = {}
    for p in params:
        if p.name in table:
            raw = table[p.name]
            if p.kind is str and not isinstance(raw, str):
                raise SpecError(f"config: {where}.{p.name}={raw!r} is not accepted; accepted: "
                                f"{p.accepted()} (a quoted string)")
            if p.kind in (int, float) and isinstance(raw, str):
                raise SpecError(f"config: {where}.{p.name}={raw!r} is not accepted; accepted: "
                                f"{p.accepted()} (a number, not a string)")
            if p.kind is int and isinstance(raw, float):
                raise SpecError(f"config: {where}.{p.name}={raw!r} is not accepted; accepted: "
                                f"{p.accepted()}")
            try:
                out[p.name] = p.convert(raw, "config")
            except SpecError as exc:
                raise SpecError(str(exc).replace(f"parameter {p.name}=", f"{where}.{p.name}=")) from None
        if p.name not in out:
            out[p.name] = p.default
    return out


def _name_ok(name: str) -> bool:
    return bool(name) and all(c.isalnum() or c in NAME_CHARS for c in name)


def check_config(raw: dict[str, Any]) -> TrainConfig:
    """Check a parsed TOML config (games are only parsed as text here; the trainer
    configures them, and the network, with the host)."""
    if not isinstance(raw, dict):
        raise SpecError("config: the file must be a TOML table")
    for key in raw:
        if key not in TOP:
            raise SpecError(f"config: unknown key {key!r}; accepted: {', '.join(TOP)}")
    solver = raw.get("solver", "alphavit")
    trainer = raw.get("trainer", "alphazero")
    for what, value in (("solver", solver), ("trainer", trainer)):
        if not isinstance(value, str) or not _name_ok(value):
            raise SpecError(f"config: {what}={value!r} is not accepted; accepted: a name")
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= SEED_MAX:
        raise SpecError(f"config: seed={seed!r} is not accepted; accepted: integer 0..{SEED_MAX}")
    games = raw.get("games")
    if isinstance(games, list):  # a plain list of specs: equal weights
        games = {g: 1.0 for g in games} if all(isinstance(g, str) for g in games) else games
    if not isinstance(games, dict) or not games:
        raise SpecError('config: games must be a table of game spec = weight, e.g. '
                        '[games] "gomoku:size=9" = 1.0 (or a list of specs)')
    checked_games = []
    for spec, weight in games.items():
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 1e6:
            raise SpecError(f"config: games.{spec!r} = {weight!r} is not accepted; accepted: a "
                            "weight in (0, 1e6]")
        checked_games.append((spec, float(weight)))
    sections = {}
    for name, params in SECTIONS.items():
        table = raw.get(name)
        if name == "evaluation" and isinstance(table, dict):
            table = {k: v for k, v in table.items() if k != "opponents"}
        sections[name] = MappingProxyType(check_section(table, params, name))
    opponents_raw = (raw.get("evaluation") or {}).get("opponents", {}) if isinstance(
        raw.get("evaluation"), dict) else {}
    if not isinstance(opponents_raw, dict):
        raise SpecError("config: evaluation.opponents must be a table of name = agent spec")
    opponents = []
    for name, spec in opponents_raw.items():
        if not _name_ok(name) or name in ("net", "prev"):
            raise SpecError(f"config: evaluation.opponents name {name!r} is not accepted; use "
                            f"letters, digits, {NAME_CHARS} (not 'net' or 'prev')")
        if not isinstance(spec, str) or not spec.strip():
            raise SpecError(f"config: evaluation.opponents.{name}={spec!r} is not accepted; "
                            "accepted: an agent spec such as 'alphabeta:depth=2'")
        opponents.append((name, spec))
    ev = sections["evaluation"]
    if ev["every"] and not opponents and not ev["previous"]:
        raise SpecError("config: evaluation.every > 0 needs evaluation.opponents or "
                        "evaluation.previous = true")
    if ev["gating"] and not ev["every"]:
        raise SpecError("config: evaluation.gating = true needs evaluation.every > 0")
    sp = sections["selfplay"]
    if sp["games_in_flight"] < len(checked_games):
        raise SpecError(f"config: selfplay.games_in_flight={sp['games_in_flight']} is fewer than "
                        f"the {len(checked_games)} games; accepted: integer >= {len(checked_games)}")
    if sp["root"] == "dirichlet" and sp["rule"] == "uct":
        raise SpecError("config: selfplay.root=dirichlet needs selfplay.rule=puct")
    if sections["buffer"]["min_positions"] > sections["buffer"]["window"] * len(checked_games):
        raise SpecError(f"config: buffer.min_positions={sections['buffer']['min_positions']} can "
                        "never be reached with buffer.window positions per game; accepted: "
                        f"<= {sections['buffer']['window'] * len(checked_games)}")
    return TrainConfig(solver, trainer, int(seed), tuple(checked_games),
                       MappingProxyType(sections), tuple(opponents))


def split_slots(total: int, weights: list[float]) -> list[int]:
    """``total`` games in flight split by ``weights`` (largest remainders; at least 1 each)."""
    w = [x / sum(weights) for x in weights]
    base = [max(1, int(total * x)) for x in w]
    while sum(base) > total:
        base[base.index(max(base))] -= 1
    rest = sorted(range(len(w)), key=lambda i: -(total * w[i] - int(total * w[i])))
    i = 0
    while sum(base) < total:
        base[rest[i % len(rest)]] += 1
        i += 1
    return base


def check_memory(cfg: TrainConfig, games: list[Any]) -> None:
    """Refuse in one line (naming the key, its value, the bytes and the accepted maximum) a
    ``buffer.window`` or ``selfplay.games_in_flight`` the memory there is cannot hold:
    the window of every game (its shards and their joined copy), and per game in flight its
    search trees and the positions it records until it ends. Called once the ``games``
    are configured, before anything is allocated."""
    import numpy as np

    from varena.engine import memory
    from varena.engine.mcts import MCTS
    from varena.engine.train.selfplay import search_options

    room = memory.allowance()
    sp = cfg.selfplay
    slots = split_slots(sp["games_in_flight"], [w for _, w in cfg.games])
    window = per_window = flight = 0
    for g, n in zip(games, slots, strict=True):
        position = g.state_len * np.dtype(g.state_dtype).itemsize + 4 * g.num_actions + 4
        per_window += 2 * position
        sims = max(sp["sims"], sp["cheap_sims"])
        search = MCTS(g, search_options(sp, sims), lambda s: s, owner="config: selfplay")
        moves = min(sp["max_moves"] or g.max_moves, g.max_moves)
        flight += search.memory_bytes(n)[0] * (2 if sp["cheap_sims"] else 1) + n * moves * position
    window = per_window * cfg.buffer["window"]
    need = window + flight
    if need <= room:
        return
    if window >= flight:
        key, value, most = "buffer.window", cfg.buffer["window"], max(0, room - flight) // per_window
    else:
        total = sp["games_in_flight"]
        key, value, most = "selfplay.games_in_flight", total, max(0, room - window) * total // flight
    raise SpecError(f"config: {key}={value} would take {need} bytes ({memory.human(need)}); "
                    f"accepted: {key} <= {most} here ({memory.FRACTION:.0%} of the "
                    f"{memory.human(room / memory.FRACTION)} of memory available)")
