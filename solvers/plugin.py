"""Entry point of the built-in solvers; imports each solver module only when needed."""

from engine import hookimpl


@hookimpl
def varena_register_solvers(register):
    from solvers.baselines import RandomSolver

    register(RandomSolver)
