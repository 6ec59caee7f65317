"""``varena train CONFIG`` and ``varena train-report DIR``.

CONFIG is a TOML file or the name of a shipped config (``varena train tictactoe``; the list:
``varena train --list``). The config's ``solver`` (default ``alphavit``) is looked up in the
host and its ``trainers()`` name the training algorithms; ``trainer`` picks one.
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
        shipped = shipped_configs()
        if name not in shipped:
            raise SpecError(f"config {name!r}: no such file, and no shipped config of that name; "
                            f"shipped: {', '.join(sorted(shipped))}")
        text, stem = shipped[name], name
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
        for name, text in sorted(shipped_configs().items()):
            first = next((ln.lstrip("# ").strip() for ln in text.splitlines() if ln.startswith("#")), "")
            click.echo(f"{name:12s} {first}")
        return
    if config is None:
        raise SpecError("train: give a CONFIG (a TOML file, or one of: "
                        f"{', '.join(sorted(shipped_configs()))})")
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
