"""`varena compile`: every Numba game's kernels and the searches per state dtype, with
progress, and a broken plugin game reported without stopping the others."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from varena.engine.api import NumbaGame
from varena.engine.precompile import precompile
from varena.games.gomoku import Gomoku


class Broken(NumbaGame):
    name = "broken"

    def __init__(self) -> None:
        raise RuntimeError("no kernels here")

    def initial_state(self, rng=None):  # pragma: no cover - never reached
        raise NotImplementedError


class StubHost:
    """Just what precompile reads of the host: games, solvers, and how to make them."""

    def __init__(self, games: dict) -> None:
        self.games = games
        self.solvers: dict = {}

    def game_class(self, name: str) -> type:
        return self.games[name]

    def make_game(self, name: str):
        return self.games[name]()


def test_broken_game_is_reported_and_the_others_compile():
    seen: list[tuple[str, bool]] = []
    steps = precompile(StubHost({"broken": Broken, "gomoku": Gomoku}),
                       progress=lambda label, step: seen.append((label, step is None)))
    assert [(s.what, s.game) for s in steps] == [("kernels", "broken"), ("kernels", "gomoku")]
    assert steps[0].error == "RuntimeError: no kernels here" and steps[1].error is None
    # a line before and after each step; no solver registered: no search step
    assert seen == [("kernels of broken", True), ("kernels of broken", False),
                    ("kernels of gomoku", True), ("kernels of gomoku", False)]


@pytest.mark.slow
def test_compile_command_lists_its_steps():
    from varena.engine.cli import full_cli

    result = CliRunner().invoke(full_cli(), ["compile", "--no-search"])
    assert result.exit_code == 0, result.output
    assert "kernels of go ..." in result.output and "kernels of gomoku ..." in result.output
    assert result.output.strip().splitlines()[-1].startswith("compiled ")
