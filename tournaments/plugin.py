"""Entry point of the built-in commands that are not part of the core CLI, and of the
external-engine agents."""

from engine import hookimpl
from engine.host import register_each

# Each command module imports its heavy dependencies inside the command body, so that
# `varena --help` stays fast.
COMMANDS = (
    ("tournaments.cli", "tournament"),
    ("tournaments.cli", "ratings"),
    ("tournaments.cli", "sprt"),
    ("tournaments.solve", "solve"),
    ("tournaments.gomocup", "gomocup_command"),
    ("games.go.command", "gtp_command"),
)

SOLVERS = (
    ("tournaments.external", "GtpAgent"),
    ("tournaments.external", "GomocupAgent"),
)


@hookimpl
def varena_register_commands(cli):
    register_each(cli.add_command, COMMANDS)


@hookimpl
def varena_register_solvers(register):
    register_each(register, SOLVERS)
