"""Entry point of the built-in solvers; each solver module is imported only when needed."""

from varena.engine import hookimpl
from varena.engine.host import register_each

SOLVERS = (
    ("varena.solvers.baselines", "RandomSolver"),
    ("varena.solvers.classical", "NearestNeighbour"),
    ("varena.solvers.classical", "Insertion"),
    ("varena.solvers.classical", "TwoOpt"),
    ("varena.solvers.classical", "HeldKarp"),
    ("varena.solvers.classical", "Lkh"),
    ("varena.solvers.classical", "Reference"),
    ("varena.solvers.baselines", "MCTSSolver"),
    ("varena.solvers.baselines", "AlphaBetaSolver"),
    ("varena.solvers.alphavit.agent", "AlphaViTSolver"),
    ("varena.solvers.ptrnet.agent", "PtrNetSolver"),
    ("varena.solvers.set2seq.agent", "Set2SeqSolver"),
)


@hookimpl
def varena_register_solvers(register):
    register_each(register, SOLVERS)


COMMANDS = (("varena.solvers.alphavit.models", "models_command"),
            ("varena.solvers.alphavit.warmstart", "warmstart_command"))


@hookimpl
def varena_register_commands(cli):
    register_each(cli.add_command, COMMANDS)
