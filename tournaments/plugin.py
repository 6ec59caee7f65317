"""Entry point of the built-in commands that are not part of the core CLI."""

from engine import hookimpl


@hookimpl
def varena_register_commands(cli):
    # Each command module imports its heavy dependencies inside the command body, so that
    # `varena --help` stays fast.
    from tournaments.solve import solve

    cli.add_command(solve)
    from tournaments.cli import ratings, sprt, tournament

    cli.add_command(tournament)
    cli.add_command(ratings)
    cli.add_command(sprt)
    from tournaments.gomocup import gomocup_command

    cli.add_command(gomocup_command)
    from games.go.command import gtp_command

    cli.add_command(gtp_command)


@hookimpl
def varena_register_solvers(register):
    from tournaments.external import GomocupAgent, GtpAgent

    register(GtpAgent)
    register(GomocupAgent)
