"""The ``varena gtp`` command (click only at import time; the engine loads when run)."""

from __future__ import annotations

import click

from varena.engine.cli import SEED


@click.command("gtp")
@click.option("--agent", "agent_spec", default="random", show_default=True,
              help="solver spec of the agent that plays, e.g. 'random' or 'mcts:sims=400'")
@click.option("--game", "game_spec", default="go", show_default=True,
              help="Go rules as a game spec, e.g. 'go:superko=situational,suicide=true' "
                   "(size and komi come from the GTP controller)")
@click.option("--seed", type=SEED, default=None, help="seed of the agent")
@click.option("--name", default="varena", show_default=True, help="engine name answered to 'name'")
def gtp_command(agent_spec: str, game_spec: str, seed: int | None, name: str) -> None:
    """Serve a varena agent as a GTP v2 Go engine on standard input and output."""
    import logging
    import sys

    from varena.engine.host import get_host
    from varena.engine.params import parse_spec
    from varena.games.go.gtp import GtpEngine

    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    host = get_host()
    spec = parse_spec(game_spec)
    if spec.name != "go":
        raise click.UsageError(f"--game must be a Go spec (go:...), got {game_spec!r}")
    # A bad game or agent spec fails now, as varena's one-line error (exit code 2).
    game = host.make_game(game_spec)
    params = {k: game.config[k] for k, _ in spec.args}
    engine = GtpEngine(agent_spec, seed, params, host=host, name=name)
    engine.agent  # noqa: B018
    engine.serve(sys.stdin, sys.stdout)
