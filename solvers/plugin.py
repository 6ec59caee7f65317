"""Entry point of the built-in solvers; each solver module is imported only when needed."""

from engine import hookimpl
from engine.host import register_each

SOLVERS = (
    ("solvers.baselines", "RandomSolver"),
    ("solvers.classical", "NearestNeighbour"),
    ("solvers.classical", "Insertion"),
    ("solvers.classical", "TwoOpt"),
    ("solvers.classical", "HeldKarp"),
    ("solvers.classical", "Lkh"),
    ("solvers.classical", "Reference"),
    ("solvers.baselines", "MCTSSolver"),
    ("solvers.baselines", "AlphaBetaSolver"),
    ("solvers.alphavit.agent", "AlphaViTSolver"),
)


@hookimpl
def varena_register_solvers(register):
    register_each(register, SOLVERS)
