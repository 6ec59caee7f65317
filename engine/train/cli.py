"""``varena train CONFIG`` and ``varena train-report DIR``.

CONFIG is a TOML file or the name of a shipped config (``varena train tictactoe``; the list:
``varena train --list``). Shipped configs are this package's (``configs/``) and those a
registered solver's package ships in its own ``configs/`` folder (``varena train sort`` is
``solvers/set2seq/configs/sort.toml``); a solver's config is also known as
``PACKAGE/NAME`` (``set2seq/sort``), the only name it has when two places ship the same
NAME. The config's ``solver`` (default ``alphavit``) is looked up in the host and its
``trainers()`` name the training algorithms; ``trainer`` picks one.
"""

from __future__ import annotations

import logging
import time
import tomllib
from importlib import resources
from pathlib import Path

import click

from varena.engine.errors import SpecError

log = logging.getLogger("varena.train")


def shipped_configs() -> dict[str, str]:
    """Name -> TOML text of the configs shipped in the package."""
    folder = resources.files("varena.engine.train") / "configs"
    return {p.name[:-5]: p.read_text(encoding="utf-8") for p in folder.iterdir()
            if p.name.endswith(".toml")}


def solver_configs() -> dict[str, str]:
    """``PACKAGE/NAME`` -> TOML text of the configs registered solvers ship: every
    ``configs/*.toml`` in the package of a solver class (``varena.solvers.set2seq`` ships
    ``set2seq/sort``). Plugins' solvers are included the same way."""
    from varena.engine.host import get_host

    out: dict[str, str] = {}
    seen: set[str] = set()
    for reg in get_host().solvers.values():
        package = reg.cls.__module__.rpartition(".")[0]
        if not package or package in seen:
            continue
        seen.add(package)
        try:
            folder = resources.files(package) / "configs"
        except (ModuleNotFoundError, TypeError):  # a module outside any package
            continue
        if not folder.is_dir():
            continue
        short = package.rpartition(".")[2]
        for p in folder.iterdir():
            if p.name.endswith(".toml"):
                out[f"{short}/{p.name[:-5]}"] = p.read_text(encoding="utf-8")
    return out


def known_configs() -> dict[str, str]:
    """Every name ``varena train NAME`` accepts -> TOML text: this package's configs, each
    solver's as ``PACKAGE/NAME``, and a solver's bare NAME where no other place ships it."""
    known = dict(shipped_configs())
    solvers = solver_configs()
    bare: dict[str, list[str]] = {}
    for qualified in solvers:
        bare.setdefault(qualified.partition("/")[2], []).append(qualified)
    for name, where in bare.items():
        if len(where) == 1 and name not in known:
            known[name] = solvers[where[0]]
    known.update(solvers)
    return known


def listed_names(known: dict[str, str]) -> list[str]:
    """Each config once: its bare name, or ``PACKAGE/NAME`` where the bare name is another's."""
    return sorted(n for n in known if "/" not in n or known.get(n.partition("/")[2]) != known[n])


def _no_such_config(name: str, known: dict[str, str]) -> SpecError:
    ambiguous = sorted(q for q in known if "/" in q and q.partition("/")[2] == name)
    if ambiguous and name not in known:
        return SpecError(f"config {name!r} is shipped by several solvers; name one of: "
                         f"{', '.join(ambiguous)}")
    return SpecError(f"config {name!r}: no such file, and no shipped config of that name; "
                     f"shipped: {', '.join(listed_names(known))}")


def read_config(name: str) -> tuple[str, str, dict]:
    """(stem, text, parsed) of a config file or a shipped config's name."""
    path = Path(name)
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SpecError(f"config {name}: cannot read it: {exc}") from None
        stem = path.stem
    else:
        known = shipped_configs()
        if name not in known:  # the solvers' configs load the host: only when needed
            known = known_configs()
        if name not in known:
            raise _no_such_config(name, known)
        text, stem = known[name], name.rpartition("/")[2]
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"config {name}: not valid TOML: {exc}") from None
    return stem, text, parsed


def pick_trainer(parsed: dict) -> type:
    from varena.engine.host import get_host

    solver = parsed.get("solver", "alphavit")
    if not isinstance(solver, str):
        raise SpecError(f"config: solver={solver!r} is not accepted; accepted: a solver name")
    cls = get_host().solver_class(solver)
    trainers = cls.trainers()
    if not trainers:
        raise SpecError(f"config: solver {solver!r} cannot be trained (it offers no trainer)")
    name = parsed.get("trainer")
    if name is None:
        if len(trainers) > 1:
            raise SpecError(f"config: solver {solver!r} offers several trainers; set trainer = one "
                            f"of: {', '.join(sorted(trainers))}")
        name = next(iter(trainers))
    if name not in trainers:
        raise SpecError(f"config: trainer={name!r} is not accepted for solver {solver!r}; "
                        f"accepted: {', '.join(sorted(trainers))}")
    return trainers[name]


def _discard_fresh(path: Path, existed: bool) -> None:
    """Undo a run directory this command just made when nothing but the copied config is in
    it, so a config that fails its checks claims no folder."""
    ckpts = path / "checkpoints"
    inside = {p.name for p in path.iterdir()} if path.is_dir() else set()
    if not inside <= {"config.toml", "checkpoints"} or (ckpts.is_dir() and any(ckpts.iterdir())):
        return
    (path / "config.toml").unlink(missing_ok=True)
    if ckpts.is_dir():
        ckpts.rmdir()
    if not existed:
        path.rmdir()


@click.command("train")
@click.argument("config", required=False)
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Run directory (default: runs/<config name>).")
@click.option("--resume", is_flag=True, help="Go on with the run in --out.")
@click.option("--max-steps", type=click.IntRange(min=0), default=None,
              help="Stop after N learner steps in all (earlier sittings included).")
@click.option("--max-minutes", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Stop after M minutes of this sitting.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto",
              show_default=True, help="Where the network runs.")
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=None,
              help="Seed (default: the config's seed).")
@click.option("--list", "list_", is_flag=True, help="List the shipped configs and exit.")
@click.option("--quiet", is_flag=True, help="No progress lines.")
def train_command(config: str | None, out: str | None, resume: bool, max_steps: int | None,
                  max_minutes: float | None, device: str, seed: int | None, list_: bool,
                  quiet: bool) -> None:
    """Train a solver's network from CONFIG (a TOML file or a shipped config's name)."""
    if list_:
        known = known_configs()
        for name in listed_names(known):
            text = known[name]
            first = next((ln.lstrip("# ").strip() for ln in text.splitlines() if ln.startswith("#")), "")
            click.echo(f"{name:20s} {first}")
        return
    if config is None:
        raise SpecError("train: give a CONFIG (a TOML file, or one of: "
                        f"{', '.join(listed_names(known_configs()))})")
    from varena.engine.host import get_host
    from varena.engine.train.metrics import progress_text, writers
    from varena.engine.train.rundir import RunDir
    from varena.engine.train.trainer import Budget

    stem, text, parsed = read_config(config)
    trainer_cls = pick_trainer(parsed)
    path = Path(out) if out else Path("runs") / stem
    host = get_host()
    outputs: list = []
    started = time.monotonic()

    def on_metrics(step: int, metrics: dict) -> None:
        for w in outputs:
            w(step, metrics)
        host.notify("varena_train_metrics", step=step, metrics=metrics)
        if not quiet:
            eta = None
            if max_steps and step:
                done = time.monotonic() - started
                eta = done / max(step - first_step[0], 1) * (max_steps - step) if step > first_step[0] else None
            if max_minutes:
                left = 60 * max_minutes - (time.monotonic() - started)
                eta = left if eta is None else min(eta, left)
            click.echo(progress_text(step, metrics, max_steps, eta), err=True)

    existed = path.exists()
    run = RunDir(path, text, resume=resume, on_metrics=on_metrics)
    try:
        trainer = trainer_cls(parsed, run, device, seed)
    except BaseException:
        if not resume:
            _discard_fresh(path, existed)
        raise
    latest = run.latest_checkpoint()
    first_step = [latest[0] if latest else 0]
    section = parsed.get("metrics") if isinstance(parsed.get("metrics"), dict) else {}
    outputs.extend(writers(path, section))
    budget = Budget(max_steps=max_steps, max_minutes=max_minutes)
    try:
        final = trainer.train(budget)
    except KeyboardInterrupt:
        click.echo(f"interrupted; the run in {path} goes on with: varena train {config} "
                   f"--out {path} --resume", err=True)
        raise SystemExit(130) from None
    finally:
        for w in outputs:
            w.close()
    ckpt = final.get("checkpoint")
    counts = "".join(f", {int(final[k])} {k}" for k in ("positions", "games") if k in final)
    click.echo(f"{path}: step {final.get('step')}{counts}, "
               f"{final.get('cpu_minutes', 0):.1f} CPU minutes")
    if ckpt:
        solver = parsed.get("solver", "alphavit")
        click.echo(f"checkpoint: {ckpt}  (play it: {solver}:checkpoint={ckpt})")


@click.command("train-report")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="PNG to write (default: RUN_DIR/report.png).")
def train_report_command(run_dir: str, out: str | None) -> None:
    """Render a run's curves (losses, Elo, positions/s) to a PNG."""
    from varena.engine.train.report import render

    target = render(Path(run_dir), Path(out) if out else None)
    click.echo(str(target))
