"""Entry point of the built-in commands that are not part of the core CLI."""

from engine import hookimpl


@hookimpl
def varena_register_commands(cli):
    # Each command module imports its heavy dependencies inside the command body, so that
    # `varena --help` stays fast.
    from tournaments.cli import ratings, sprt, tournament

    cli.add_command(tournament)
    cli.add_command(ratings)
    cli.add_command(sprt)


@hookimpl
def varena_register_solvers(register):
    from tournaments.external import GomocupAgent, GtpAgent

    register(GtpAgent)
    register(GomocupAgent)
