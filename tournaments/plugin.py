"""Entry point of the built-in commands that are not part of the core CLI, and of the
external-engine agents."""

from varena.engine import hookimpl
from varena.engine.host import register_each

# Each command module imports its heavy dependencies inside the command body, so that
# `varena --help` stays fast.
COMMANDS = (
    ("varena.tournaments.cli", "tournament"),
    ("varena.tournaments.cli", "ratings"),
    ("varena.tournaments.cli", "sprt"),
    ("varena.tournaments.solve", "solve"),
    ("varena.tournaments.gomocup", "gomocup_command"),
    ("varena.games.go.command", "gtp_command"),
    ("varena.engine.precompile", "compile_command"),
)

SOLVERS = (
    ("varena.tournaments.external", "GtpAgent"),
    ("varena.tournaments.external", "GomocupAgent"),
)


@hookimpl
def varena_register_commands(cli):
    register_each(cli.add_command, COMMANDS)


@hookimpl
def varena_register_solvers(register):
    register_each(register, SOLVERS)
