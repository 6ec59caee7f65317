"""Built-in plugin of the training commands (``varena train``, ``varena train-report``)."""

from varena.engine import hookimpl
from varena.engine.host import register_each

COMMANDS = (
    ("varena.engine.train.cli", "train_command"),
    ("varena.engine.train.cli", "train_report_command"),
)


@hookimpl
def varena_register_commands(cli):
    register_each(cli.add_command, COMMANDS)
