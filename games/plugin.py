"""Entry point of the built-in games; imports each game module only when games are needed."""

from engine import hookimpl


@hookimpl
def varena_register_games(register):
    from games.gomoku import Gomoku

    register(Gomoku)
