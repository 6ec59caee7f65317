"""varena-connect4: Connect Four on any board from 4x4 to 15x15 with k in a row, as a
third-party varena plugin.

The entry point (group ``varena``) names this module; it only holds the hooks, so that a
``varena`` start stays light: the game and its Numba kernels are imported when the host
first needs games.
"""

from varena.engine import hookimpl

__all__ = ["varena_register_games"]


@hookimpl
def varena_register_games(register):
    from varena_connect4.game import ConnectFour

    register(ConnectFour)
