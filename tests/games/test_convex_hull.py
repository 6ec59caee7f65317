"""Convex hull game: the target, both metrics on hand-built polygons, degenerate inputs."""

from __future__ import annotations

import numpy as np
import pytest

from varena.games import convex_hull as ch
from varena.games.convex_hull import ConvexHull
from varena.games.points import InvalidSolutionError

# index 0 inside, 1-4 the corners of the unit square, 5 the middle of the bottom edge
PTS = np.array([[0.5, 0.5], [0, 0], [1, 0], [1, 1], [0, 1], [0.5, 0]], dtype=float)


def test_target_is_counter_clockwise_from_the_lowest_index_without_edge_points():
    assert ch.reference(PTS).tolist() == [1, 2, 3, 4]
    rolled = PTS[[3, 0, 5, 4, 2, 1]]  # same square, other indices: corners 0, 3, 4, 5
    assert ch.reference(rolled).tolist() == [0, 3, 5, 4]


@pytest.mark.parametrize("solution, accuracy, area, valid", [
    ([1, 2, 3, 4], 1.0, 1.0, 1.0),
    ([1, 2, 3, 4, 1], 1.0, 1.0, 1.0),  # the Pointer Network's closing repeat
    ([2, 3, 4, 1], 0.0, 1.0, 1.0),  # right polygon, wrong start
    ([1, 4, 3, 2], 0.0, 1.0, 1.0),  # clockwise
    ([1, 2, 3], 0.0, 0.5, 1.0),
    ([1, 5, 2, 3, 4], 0.0, 1.0, 1.0),  # an edge point is not a vertex of the hull
    ([1, 3, 2, 4], 0.0, 0.0, 0.0),  # self-intersecting
    ([1, 2], 0.0, 0.0, 0.0),
])
def test_metrics_on_hand_built_polygons(solution, accuracy, area, valid):
    m = ch.evaluate(PTS, solution)
    assert m == pytest.approx({"accuracy": accuracy, "area_coverage": area, "valid_polygon": valid})


@pytest.mark.parametrize("bad, message", [
    ([1, 2, 2, 3], "point 2 is repeated"), ([], "empty"), ([1, 2, 9], "out of range"),
    ([[1, 2], [3, 4]], "flat sequence"),
])
def test_invalid_solutions_are_rejected(bad, message):
    with pytest.raises(InvalidSolutionError, match=message):
        ch.evaluate(PTS, bad)


def test_degenerate_inputs():
    dup = np.array([[1, 1], [0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)
    assert ch.reference(dup).tolist() == [0, 4, 1, 2]  # 3 duplicates 0 and counts as 0
    line = np.array([[1, 1], [0, 0], [2, 2], [0.5, 0.5]], dtype=float)
    assert ch.reference(line).tolist() == [1, 2]
    assert ch.evaluate(line, [1, 2]) == {"accuracy": 1.0, "area_coverage": 1.0, "valid_polygon": 0.0}
    same = np.ones((3, 2))
    assert ch.reference(same).tolist() == [0]


def test_playing_the_target_scores_one_and_mistakes_score_less():
    game = ConvexHull(n=6)
    state = game.state_of(PTS)
    assert game.legal_mask(state).tolist() == [True] * 6 + [False]  # end needs a point first
    state = game.play(state, 1)
    assert game.legal_mask(state).tolist() == [False, False, True, True, True, True, True]
    for a in (2, 3, 4):
        state = game.play(state, a)
    done, value = game.outcome(game.play(state, game.n))
    assert done and value == 1.0
    short = game.play(game.play(state, 5), game.n)  # 1 2 3 4 5: edges 12 23 34 are right, of 4 + 5 - 3
    assert game.outcome(short) == (True, pytest.approx(3 / 6))
    assert game.solution(short).tolist() == [1, 2, 3, 4, 5]
    assert game.action_name(6) == "end" and game.parse_action("END") == 6


def test_check_game_and_tokens():
    testing = pytest.importorskip("varena.engine.testing")
    testing.check_game(ConvexHull(n=8), games=10)
    testing.check_game(ConvexHull(n=3), games=3)
    game = ConvexHull(n=8)
    s = game.initial_state(np.random.default_rng(0))
    tok = game.tokens(np.stack([s, game.next_state(s, 2)]))
    assert tok.features.shape == (2, 8, 5) and tok.action_tokens[-1] == -1
    assert tok.features[1, 2, 2:].tolist() == [1.0, 1.0, 1.0]


def test_random_instances_agree_with_a_monotone_chain():
    rng = np.random.default_rng(7)
    for n in (5, 20, 200):
        pts = rng.random((n, 2))
        hull = ch.reference(pts)
        assert ch.evaluate(pts, hull)["accuracy"] == 1.0
        # every other point is inside or on the left of each counter-clockwise edge
        for a, b in zip(hull, np.roll(hull, -1), strict=True):
            cross = (pts[b, 0] - pts[a, 0]) * (pts[:, 1] - pts[a, 1]) - (pts[b, 1] - pts[a, 1]) * (pts[:, 0] - pts[a, 0])
            assert (cross >= -1e-12).all()
