"""TSP game: metrics on hand-built tours, Held-Karp against brute force, the game contract."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from varena.engine.errors import IllegalMoveError, SpecError
from varena.games import tsp
from varena.games.points import InvalidSolutionError
from varena.games.tsp import Tsp
from varena.games.tsp_distance import TspProblem
from varena.games.tsp_reference import held_karp

SQUARE = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])


def brute_force(points: np.ndarray) -> float:
    n = len(points)
    p = TspProblem.euclidean(points)
    return min(p.length(np.array((0,) + rest)) for rest in itertools.permutations(range(1, n)))


def test_tour_length_and_gap_on_the_unit_square():
    assert tsp.tour_length(SQUARE, [0, 1, 2, 3]) == pytest.approx(4.0)
    crossed = [0, 2, 1, 3]
    m = tsp.evaluate(SQUARE, crossed, ref=[0, 1, 2, 3])
    assert m["length"] == pytest.approx(2 + 2 * np.sqrt(2))
    assert m["reference_length"] == pytest.approx(4.0)
    assert m["gap"] == pytest.approx((2 + 2 * np.sqrt(2)) / 4 - 1)
    # the reference is computed when not given (Held-Karp at this size); a closing repeat is fine
    assert tsp.evaluate(SQUARE, [3, 2, 1, 0, 3])["gap"] == pytest.approx(0.0)
    assert tsp.evaluate(SQUARE, [0, 1, 2, 3], ref=5.0)["gap"] == pytest.approx(-0.2)


@pytest.mark.parametrize("bad, message", [
    ([0, 1, 1, 3], "city 1 is visited twice"),
    ([0, 1, 2], "visits 3 of 4 cities"),
    ([0, 1, 2, 7], "out of range"),
    ([0, 1, 2, -1], "out of range"),
    ([0, 1.5, 2, 3], "must be integers"),
    ([[0, 1], [2, 3]], "flat sequence"),
])
def test_invalid_tours_are_rejected_with_a_clear_error(bad, message):
    with pytest.raises(InvalidSolutionError, match=message):
        tsp.evaluate(SQUARE, bad, ref=4.0)


def test_held_karp_equals_brute_force():
    rng = np.random.default_rng(3)
    for n in range(3, 9):
        for _ in range(3):
            pts = rng.random((n, 2))
            tour = held_karp(TspProblem.euclidean(pts))
            assert sorted(tour.tolist()) == list(range(n)) and tour[0] == 0
            assert tsp.tour_length(pts, tour) == pytest.approx(brute_force(pts), abs=1e-12)


def test_reference_is_exact_for_small_n():
    pts = np.random.default_rng(5).random((9, 2))
    assert tsp.tour_length(pts, tsp.reference(pts)) == pytest.approx(brute_force(pts))


def test_check_game():
    testing = pytest.importorskip("varena.engine.testing")
    for n in (3, 4, 12):
        testing.check_game(Tsp(n=n), games=8)


def test_spec_range():
    from varena.engine.host import get_host

    assert get_host().make_game("tsp:n=50").n == 50
    with pytest.raises(SpecError, match="3..10000"):
        get_host().make_game("tsp:n=2")


def test_playing_a_tour_gives_minus_its_length():
    game = Tsp(n=6)
    pts = game.sample(6, np.random.default_rng(0))
    state = game.state_of(pts)
    assert game.legal_mask(state).tolist() == [False] + [True] * 5  # the tour starts at city 0
    for city in (4, 2, 5, 1, 3):
        assert not game.outcome(state)[0]
        state = game.play(state, city)
    done, value = game.outcome(state)
    assert done and value == pytest.approx(-tsp.tour_length(pts, [0, 4, 2, 5, 1, 3]))
    assert not game.legal_mask(state).any()
    assert game.solution(state).tolist() == [0, 4, 2, 5, 1, 3]
    assert game.history(state).tolist() == [4, 2, 5, 1, 3]
    assert "tour length" in game.result_text(state)
    with pytest.raises(IllegalMoveError):
        game.play(state, 0)


def test_step_in_place_and_playout():
    game = Tsp(n=30)
    state = game.initial_state(np.random.default_rng(1))
    inplace = state.copy()
    game.kernels.step(inplace, 7, inplace)
    assert np.array_equal(inplace, game.next_state(state, 7))
    value = game.kernels.playout(state, 42)
    assert game.outcome(state) == (True, value)
    assert sorted(game.tour(state).tolist()) == list(range(30))
    assert value == pytest.approx(-tsp.tour_length(game.instance(state), game.tour(state)))


def test_symmetries_keep_lengths_and_tokens_have_the_documented_shape():
    game = Tsp(n=10)
    state = game.initial_state(np.random.default_rng(2))
    for a in (3, 1, 4):
        state = game.next_state(state, a)
    for k in range(game.num_symmetries):
        moved = game.transform_states(state[None], k)[0]
        for a in (2, 5):
            assert game.next_state(moved, a)[3] == pytest.approx(game.next_state(state, a)[3])
    tok = game.tokens(np.stack([state, game.initial_state(np.random.default_rng(3))]))
    assert tok.features.shape == (2, 10, 5) and tok.features.dtype == np.float32
    assert tok.positions is None
    assert tok.action_tokens.tolist() == list(range(10))
    assert tok.features[0, 4, 4] == 1.0 and tok.features[0, :, 2].sum() == 4  # current city, visited
