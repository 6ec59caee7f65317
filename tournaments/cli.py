"""`varena tournament`, `varena ratings` and `varena sprt`."""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path

import click

from varena.engine.cli import SEED
from varena.engine.errors import SpecError


def _agents(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in pairs:
        name, sep, spec = item.partition("=")
        if not sep or not name.strip() or not spec.strip():
            raise SpecError(f"--agent {item!r}: expected NAME=SPEC, e.g. mcts400=mcts:sims=400")
        if name.strip() in out:
            raise SpecError(f"--agent: name {name.strip()!r} given twice")
        out[name.strip()] = spec.strip()
    return out


@click.command()
@click.argument("config_file", required=False, type=click.Path(dir_okay=False))
@click.option("--game", "games", multiple=True, help="Game spec; repeat for several games/sizes.")
@click.option("--agent", "agents", multiple=True, help="NAME=SPEC; repeat for each agent.")
@click.option("--format", "fmt", type=click.Choice(["round-robin", "gauntlet", "leaderboard"]))
@click.option("--games", "games_per_pairing", type=click.IntRange(min=1), help="Games per pairing.")
@click.option("--instances", type=click.IntRange(min=1), help="Leaderboard: instances per game.")
@click.option("--concurrency", type=click.IntRange(min=1), help="Games in parallel (default: cores).")
@click.option("--out", type=click.Path(file_okay=False), help="Result folder (default runs/NAME).")
@click.option("--resume", is_flag=True, help="Continue the tournament stored in --out.")
@click.option("--seed", type=SEED)
@click.option("--max-moves", type=click.IntRange(min=1))
@click.option("--opening-moves", type=click.IntRange(min=0), help="Random opening moves.")
@click.option("--sims", type=click.IntRange(min=1), help="Per-move limit: simulations of every agent with a sims parameter.")
@click.option("--move-time", type=click.FloatRange(0, 3600, min_open=True), help="Per-move limit in seconds (agents that honour one).")
@click.option("--openings", "openings_file", type=click.Path(dir_okay=False), help="Opening file.")
@click.option("--anchor", help="Agent rated 0 Elo (default 'random').")
@click.option("--json", "as_json", is_flag=True, help="No progress; print the report as JSON.")
def tournament(config_file, games, agents, fmt, games_per_pairing, instances, concurrency, out,
               resume, seed, max_moves, opening_moves, sims, move_time, openings_file, anchor, as_json):
    """Play a tournament from CONFIG_FILE (TOML; or 'quick'/'standard', the shipped ones)
    and/or flags; flags override the file.

    Results go to OUT/results.sqlite (one row per finished game, committed at once) and
    OUT/games/*.sgf; a killed tournament continues with --resume.
    """
    from varena.tournaments.config import Config, load_config

    if config_file and not Path(config_file).exists():
        shipped = Path(__file__).with_name(f"{Path(config_file).stem}.toml")
        if shipped.is_file() and not Path(config_file).suffix:
            config_file = str(shipped)  # `varena tournament quick` uses the shipped quick.toml
    config = load_config(config_file) if config_file else Config()
    if games:
        config.games = list(games)
    if agents:
        config.agents, config.optional = _agents(agents), []
    for attr, value in (("format", fmt), ("games_per_pairing", games_per_pairing),
                        ("instances", instances), ("concurrency", concurrency), ("seed", seed),
                        ("max_moves", max_moves), ("opening_moves", opening_moves),
                        ("sims", sims), ("move_time", move_time),
                        ("openings_file", openings_file), ("anchor", anchor), ("out", out)):
        if value is not None:
            setattr(config, attr, value)
    config.validate()
    default_name = Path(config_file).stem if config_file else "tournament"
    folder = _out_folder(config.out or str(Path("runs") / default_name))
    _play_and_report(config, folder, resume, as_json)


def _out_folder(out: str) -> Path:
    """The result folder, created (one line if it cannot be: a file, /dev/null, /proc/...)."""
    if "\x00" in out:
        raise SpecError(f"--out {out!r}: the path holds a NUL character")
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise SpecError(f"--out {folder}: exists and is not a folder; give a folder") from None
    except OSError as exc:
        raise SpecError(f"--out {folder}: cannot create the folder ({exc.strerror})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise SpecError(f"--out {folder}: the folder is not writable")
    return folder


def _standings(rows) -> object:
    """The running table: per agent games, W/D/L and score so far (two-player) or finished
    instances and mean objective (problems)."""
    from rich.table import Table

    stats: dict[str, list[float]] = {}
    for r in rows:
        sides = [(r.first, r.score), (r.second, 1.0 - r.score)] if r.second else [(r.first, r.score)]
        for name, score in sides:
            st = stats.setdefault(name, [0, 0, 0, 0, 0.0])  # games, wins, draws, losses, total
            st[0] += 1
            st[4] += score
            if r.second:
                st[1 if score == 1.0 else 2 if score == 0.5 else 3] += 1
    table = Table(title="standings so far", title_justify="left")
    problems = any(r.second is None for r in rows)
    for col in ("name", "games", "mean objective" if problems else "W/D/L", "" if problems else "score %"):
        if col:
            table.add_column(col, justify="left" if col == "name" else "right")
    for name, st in sorted(stats.items(), key=lambda kv: -kv[1][4] / max(kv[1][0], 1)):
        if problems:
            table.add_row(name, str(st[0]), f"{st[4] / st[0]:.4g}")
        else:
            table.add_row(name, str(st[0]), f"{st[1]}/{st[2]}/{st[3]}", f"{100 * st[4] / st[0]:.1f}")
    return table


def _play_and_report(config, folder: Path, resume: bool, as_json: bool) -> None:
    from rich.console import Console, Group
    from rich.live import Live
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from varena.tournaments.runner import run
    from varena.tournaments.store import Store

    console = Console(stderr=as_json)
    seen = []
    db = folder / "results.sqlite"
    if resume and db.is_file():
        old = Store(db)
        seen = old.rows()
        old.close()
    progress = Progress(TextColumn("{task.description}"), BarColumn(),
                        TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                        TextColumn("ETA"), TimeRemainingColumn(), console=console)
    live = None if as_json else Live(Group(progress, _standings(seen)), console=console,
                                     refresh_per_second=4, transient=True)
    bar = [None]

    def on_result(row, done, total):
        seen.append(row)
        if live is None:
            return
        if bar[0] is None:
            bar[0] = progress.add_task("games", total=total, completed=done - 1)
        last = f"{row.first} vs {row.second}: {row.result}" if row.second else f"{row.first}: {row.result}"
        progress.update(bar[0], completed=done, description=last[:60])
        live.update(Group(progress, _standings(seen)))

    failed = []
    try:
        if live is not None:
            live.start()
        store = run(config, folder, resume=resume, on_result=on_result, on_failure=failed.append)
    except KeyboardInterrupt:
        if live is not None:
            live.stop()
        click.echo(f"interrupted; continue with: varena tournament ... --out {folder} --resume",
                   err=True)
        sys.exit(130)
    finally:
        if live is not None:
            live.stop()
    rows = store.rows()
    store.close()
    _report(rows, config.format, config.anchor, as_json, "json" if as_json else "table", folder)
    if failed:
        click.echo(f"warning: {len(failed)} game(s) failed and were not stored (the first, "
                   f"{failed[0].key}: {failed[0].error}); --resume plays them again", err=True)


def _report(rows, fmt: str, anchor, as_json: bool, style: str, folder: Path) -> None:
    from rich.console import Console

    from varena.tournaments.report import (
        leaderboard_report,
        print_leaderboard,
        print_report,
        rating_report,
        to_csv,
    )

    if fmt == "leaderboard" or all(r.second is None for r in rows):
        board = leaderboard_report(rows)
        if style == "json":
            click.echo(json.dumps({"folder": str(folder), "leaderboard": board}, indent=2))
        else:
            print_leaderboard(board, Console())
        return
    report = rating_report(rows, anchor=anchor)
    if style == "json":
        click.echo(json.dumps({"folder": str(folder), "games_played": len(rows), **report}, indent=2))
    elif style == "csv":
        click.echo(to_csv(report), nl=False)
    else:
        console = Console()
        print_report(report, console)
        console.print(f"{len(rows)} games in {folder}/results.sqlite")


@click.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--json", "style", flag_value="json", help="Print JSON.")
@click.option("--csv", "style", flag_value="csv", help="Print CSV.")
@click.option("--anchor", default="random", show_default=True, help="Agent rated 0 Elo.")
def ratings(folder, style, anchor):
    """Recompute the ratings (or leaderboard) of the tournament stored in FOLDER."""
    from varena.tournaments.store import Store

    db = Path(folder) / "results.sqlite"
    if not db.is_file():
        raise SpecError(f"{folder}: no results.sqlite here (is it a tournament --out folder?)")
    store = Store(db)
    try:
        rows = store.rows()
        fmt = store.stored_config().get("format", "round-robin")
    finally:
        store.close()
    if not rows:
        raise SpecError(f"{folder}: no finished game yet")
    _report(rows, fmt, anchor, style == "json", style or "table", Path(folder))


# The test needs scores strictly between 0 and 1: nan, inf or a huge Elo failed after the games.
ELO = click.FloatRange(-1000, 1000)


@click.command()
@click.option("--game", required=True, help="Game spec, e.g. gomoku:size=9.")
@click.option("--base", required=True, help="Agent spec of the baseline.")
@click.option("--test", "test_spec", required=True, help="Agent spec being tested.")
@click.option("--elo0", type=ELO, default=0.0, show_default=True, help="Elo difference under H0.")
@click.option("--elo1", type=ELO, default=10.0, show_default=True, help="Elo difference under H1.")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05, show_default=True)
@click.option("--beta", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05, show_default=True)
@click.option("--model", type=click.Choice(["pentanomial", "trinomial"]), default="pentanomial", show_default=True)
@click.option("--max-pairs", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--concurrency", type=click.IntRange(min=1), default=None, help="Games in parallel.")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--opening-moves", type=click.IntRange(min=0), default=2, show_default=True)
@click.option("--max-moves", type=click.IntRange(min=1), default=None)
def sprt(game, base, test_spec, elo0, elo1, alpha, beta, model, max_pairs, concurrency, seed,
         opening_moves, max_moves):
    """Play pairs of games (same opening, colours swapped) until the SPRT decides."""
    from varena.tournaments.sprt_run import run_sprt

    for flag, value, accepted in (("--elo0", elo0, "-1000..1000"), ("--elo1", elo1, "-1000..1000"),
                                  ("--alpha", alpha, "(0, 1)"), ("--beta", beta, "(0, 1)")):
        if math.isnan(value):  # click's ranges let nan through
            raise SpecError(f"sprt: {flag} nan is not accepted; accepted: {accepted}")
    if elo1 <= elo0:
        raise SpecError(f"sprt: --elo1 ({elo1:g}) must be greater than --elo0 ({elo0:g})")
    result = run_sprt(game, base, test_spec, elo0=elo0, elo1=elo1, alpha=alpha, beta=beta,
                      model=model, max_pairs=max_pairs, concurrency=concurrency or os.cpu_count() or 1,
                      seed=seed, opening_moves=opening_moves, max_moves=max_moves,
                      echo=lambda line: click.echo(line))
    click.echo(result)
