"""The ``varena`` command. Library errors reach the user as one line and exit code 2.

Only light modules are imported here; games, solvers, torch and Numba load when a command
needs them, so ``varena --help`` stays fast.
"""

from __future__ import annotations

import json
import logging
import sys

import click

from varena.engine import __version__
from varena.engine.errors import VarenaError
from varena.engine.params import SEED_MAX

log = logging.getLogger("varena")

SEED = click.IntRange(0, SEED_MAX)  # the one range of every --seed


class _Group(click.Group):
    """A click group that turns VarenaError, and any exception raised in a third-party
    plugin's code (named by its distribution), into one line on stderr and exit code 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except VarenaError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            from varena.engine.host import get_host

            culprit = get_host().blame(exc)
            if culprit is None:
                raise  # varena's own bug: the traceback is what its developers need
            log.debug("plugin failure", exc_info=True)
            click.echo(f"error: {culprit}", err=True)
            ctx.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="varena")
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """varena: games and combinatorial optimisation on inputs of variable size."""
    if verbose:
        logging.getLogger().setLevel(logging.DEBUG if verbose > 1 else logging.INFO)


def _host():
    from varena.engine.host import get_host

    return get_host()


def _param_rows(cls) -> list[dict]:
    return [
        {"name": p.name, "type": p.kind.__name__, "default": p.default, "accepted": p.accepted(),
         "help": p.help}
        for p in cls.params
    ]


def plugin_listing() -> dict:
    """Games, solvers, their parameters and which solver supports which game (JSON-ready)."""
    host = _host()
    games, defaults = [], {}
    for name, reg in sorted(host.games.items()):
        games.append({"name": name, "distribution": reg.dist, "plugin": reg.plugin,
                      "description": reg.cls.description, "params": _param_rows(reg.cls)})
        try:
            defaults[name] = host.make_game(name)
        except Exception as exc:  # a game whose defaults do not configure is reported, not fatal
            log.warning("game %r cannot be configured with its defaults: %s", name, exc)
    solvers = []
    for name, reg in sorted(host.solvers.items()):
        supported = []
        for gname, game in defaults.items():
            try:
                if reg.cls.supports(game):
                    supported.append(gname)
            except Exception as exc:
                log.warning("solver %r: supports(%r) raised %s", name, gname, exc)
        solvers.append({"name": name, "distribution": reg.dist, "plugin": reg.plugin,
                        "description": reg.cls.description, "params": _param_rows(reg.cls),
                        "games": supported})
    problems = [{"distribution": p.dist, "plugin": p.plugin, "reason": p.reason}
                for p in host.problems]
    return {"version": __version__, "games": games, "solvers": solvers, "problems": problems}


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def plugins(as_json: bool) -> None:
    """List games, solvers, their parameters and which solver plays which game."""
    listing = plugin_listing()
    if as_json:
        click.echo(json.dumps(listing, indent=2, default=str))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for kind in ("games", "solvers"):
        table = Table(title=kind.capitalize(), show_lines=False)
        for col in ("name", "from", "parameters", "description"):
            table.add_column(col)
        if kind == "solvers":
            table.add_column("plays")
        for item in listing[kind]:
            params = "\n".join(f"{p['name']}={p['default']} ({p['accepted']})" for p in item["params"])
            row = [item["name"], item["distribution"], params or "-", item["description"]]
            if kind == "solvers":
                row.append(", ".join(item["games"]) or "-")
            table.add_row(*row)
        console.print(table)
    for p in listing["problems"]:
        console.print(f"[yellow]problem:[/] plugin {p['plugin']!r} ({p['distribution']}): {p['reason']}")


@cli.command()
@click.argument("game")
@click.option("--p1", default="random", show_default=True, help="Agent spec of the first player.")
@click.option("--p2", default="random", show_default=True, help="Agent spec of the second player.")
@click.option("--seed", type=SEED, default=None, help="Seed for agents and instance sampling.")
@click.option("--max-moves", type=click.IntRange(min=1), default=None, help="Stop after N moves.")
@click.option("--quiet", is_flag=True, help="Print only the result line.")
def play(game: str, p1: str, p2: str, seed: int | None, max_moves: int | None, quiet: bool) -> None:
    """Play one GAME (a spec such as gomoku:size=9) between two agents."""
    from varena.engine.play import play_game

    host = _host()
    g = host.make_game(game)
    specs = [p1, p2][: g.num_players]
    agents = [host.make_agent(s, g, None if seed is None else seed + i) for i, s in enumerate(specs)]
    names = [f"{g.player_name(i)} ({s})" for i, s in enumerate(specs)]

    def on_move(state, action):
        if not quiet:
            ply = len(record_moves) + 1
            record_moves.append(action)
            mover = g.player_name(g.to_play(state) ^ 1) if g.num_players == 2 else ""
            click.echo(f"{ply:4d}. {mover} {g.action_name(action)}".rstrip())

    record_moves: list[int] = []
    record, state = play_game(g, agents, names=names, seed=seed, max_moves=max_moves, on_move=on_move)
    host.notify("varena_game_finished", record=record)
    if not quiet:
        click.echo(g.render(state))
    click.echo(f"{g.spec}: {record.result} ({len(record.moves)} moves; {record.reason})")


_PLUGIN_COMMANDS_ADDED = False


def full_cli() -> click.Group:
    """The ``varena`` group with every plugin's commands added (once per process)."""
    global _PLUGIN_COMMANDS_ADDED
    if not _PLUGIN_COMMANDS_ADDED:
        _host().add_commands(cli)
        _PLUGIN_COMMANDS_ADDED = True
    return cli


def main(argv: list[str] | None = None) -> None:
    """Console-script entry: logging, plugin commands, then the click group."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s", stream=sys.stderr)
    try:
        group = full_cli()
    except VarenaError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    group.main(args=argv, prog_name="varena")


if __name__ == "__main__":
    main()
