"""Hook specifications: the whole API a varena plugin implements.

A plugin is a module named by an entry point in the ``varena`` group; it implements any of
these functions, marked with ``@varena.engine.hookimpl``, and the host calls them through
pluggy. Registration hooks receive a ``register`` callback, so the host validates each item
at the moment it is registered and can name the plugin at fault.
"""

import pluggy

hookspec = pluggy.HookspecMarker("varena")


@hookspec
def varena_register_games(register):
    """Call ``register(GameClass)`` for each :class:`varena.engine.api.Game` subclass provided."""


@hookspec
def varena_register_solvers(register):
    """Call ``register(SolverClass)`` for each :class:`varena.engine.api.Solver` subclass provided."""


@hookspec
def varena_register_commands(cli):
    """Add click commands to the ``varena`` click group ``cli`` (``cli.add_command(cmd)``)."""


@hookspec
def varena_game_finished(record):
    """Observe a finished game (:class:`varena.engine.play.GameRecord`): fired by ``varena play``,
    tournaments (in the parent, as each result is committed), ``sprt``, ``gtp`` and ``gomocup``."""


@hookspec
def varena_train_metrics(step, metrics):
    """Observe training metrics: ``step`` (int) and ``metrics`` (dict of name -> float); fired
    by ``varena train`` each time the trainer reports."""
