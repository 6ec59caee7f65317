"""The problems declare the Problem contract: their reference solution, emitted through
``solution_actions``, replays to the end and is what ``history`` and ``metrics`` report."""

import numpy as np
import pytest

from varena.engine.api import Problem
from varena.engine.errors import SpecError
from varena.engine.host import get_host


@pytest.mark.parametrize("spec", ["tsp:n=7", "convex_hull:n=8", "delaunay:n=6", "sorting:n=6"])
def test_reference_solution_replays_through_the_declared_methods(spec):
    game = get_host().make_game(spec)
    assert isinstance(game, Problem)
    state = game.initial_state(np.random.default_rng(4))
    instance = game.instance(state)
    assert np.array_equal(game.state_of(instance), state)
    actions = game.solution_actions(game.reference(instance))
    for a in actions:
        state = game.play(state, int(a))
    assert game.outcome(state)[0], f"{spec}: the reference's actions do not finish the game"
    assert np.array_equal(game.history(state), actions)
    metrics = game.metrics(state)
    assert metrics and all(np.isfinite(v) for v in metrics.values())
    if "gap" in metrics:
        assert metrics["gap"] == pytest.approx(0.0, abs=1e-9)


def test_a_tour_in_any_rotation_gives_the_actions_from_city_0():
    game = get_host().make_game("tsp:n=5")
    assert game.solution_actions([3, 4, 0, 1, 2]).tolist() == [1, 2, 3, 4]


def test_board_games_are_not_problems_and_solve_says_so():
    from varena.tournaments.solve import _solve_random

    assert not isinstance(get_host().make_game("gomoku:size=5"), Problem)
    with pytest.raises(SpecError, match="is not a problem"):
        _solve_random("gomoku:size=5", "random", 0, 1, False)
