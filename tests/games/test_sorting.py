"""Sorting game: accuracy on hand-built orders, ties, invalid orders, the game contract."""

from __future__ import annotations

import numpy as np
import pytest

from varena.games import sorting
from varena.games.points import InvalidSolutionError
from varena.games.sorting import Sorting

V = np.array([0.3, 0.1, 0.2])


def test_metrics():
    assert sorting.reference(V).tolist() == [1, 2, 0]
    assert sorting.evaluate(V, [1, 2, 0]) == {"accuracy": 1.0, "positions": 1.0}
    assert sorting.evaluate(V, [1, 0, 2]) == pytest.approx({"accuracy": 0.0, "positions": 1 / 3})
    ties = np.array([0.5, 0.5, 0.1])
    assert sorting.evaluate(ties, [2, 1, 0])["accuracy"] == sorting.evaluate(ties, [2, 0, 1])["accuracy"] == 1.0


@pytest.mark.parametrize("bad, message", [
    ([1, 1, 0], "repeated"), ([1, 2], "2 indices given; expected all 3"), ([0, 1, 3], "out of range"),
])
def test_invalid_orders_are_rejected(bad, message):
    with pytest.raises(InvalidSolutionError, match=message):
        sorting.evaluate(V, bad)


def test_game():
    game = Sorting(n=3)
    state = game.state_of(V)
    for a in (1, 2, 0):
        assert not game.outcome(state)[0]
        state = game.play(state, a)
    assert game.outcome(state) == (True, 1.0) and not game.legal_mask(state).any()
    wrong = game.state_of(V)
    for a in (1, 0, 2):
        wrong = game.play(wrong, a)
    assert game.outcome(wrong) == (True, pytest.approx(1 / 3))  # only the first value is right
    tok = game.tokens(state)
    assert tok.features.shape == (1, 3, 3) and tok.features[0, :, 0].tolist() == pytest.approx(V.tolist())


def test_check_game():
    testing = pytest.importorskip("varena.engine.testing")
    testing.check_game(Sorting(n=6), games=10)
    testing.check_game(Sorting(n=2), games=3)
