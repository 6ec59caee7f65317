"""Delaunay game: target order, metrics, invalid triangles, degenerate inputs, legal moves."""

from __future__ import annotations

import numpy as np
import pytest

from varena.games import delaunay as dl
from varena.games.delaunay import Delaunay
from varena.games.geometry import delaunay_problem
from varena.games.points import InvalidSolutionError

# the unit square's corners 0-3 and its centre 4
SQ = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0.5, 0.5]], dtype=float)
SQ_TRIS = [[0, 1, 4], [0, 3, 4], [1, 2, 4], [2, 3, 4]]


def test_target_is_sorted_increasing_triples():
    assert dl.reference(SQ).tolist() == SQ_TRIS


def test_metrics_on_hand_built_cases():
    exact = dl.evaluate(SQ, [[4, 1, 0], [2, 4, 1], [0, 3, 4], [3, 2, 4]])  # any order, any rotation
    assert exact == {"accuracy": 1.0, "coverage": 1.0, "precision": 1.0, "triangles": 4.0,
                     "reference_triangles": 4.0}
    half = dl.evaluate(SQ, [0, 1, 4, 0, 3, 4])  # a flat index sequence
    assert (half["accuracy"], half["coverage"], half["precision"]) == (0.0, 0.5, 1.0)
    wrong = dl.evaluate(SQ, [[0, 1, 2], [0, 1, 4]])
    assert (wrong["accuracy"], wrong["coverage"], wrong["precision"]) == (0.0, 0.25, 0.5)
    assert dl.evaluate(SQ, [0, 1, 4, 0, 3, 4, 1, 2, 4, 2, 3, 4, 5])["accuracy"] == 1.0  # + end action
    assert dl.evaluate(SQ, [])["coverage"] == 0.0


@pytest.mark.parametrize("bad, message", [
    ([[0, 0, 1]], "repeated index"),
    ([[0, 2, 4]], "collinear"),
    ([0, 1, 4, 0], "not a whole number of triangles"),
    ([[0, 1, 4], [4, 1, 0]], "given twice"),
    ([[0, 1, 7]], "out of range"),
])
def test_invalid_triangles_are_rejected(bad, message):
    with pytest.raises(InvalidSolutionError, match=message):
        dl.evaluate(SQ, bad)


def test_cocircular_input_accepts_every_delaunay_triangulation():
    square = SQ[:4]
    ref = dl.reference(square)
    assert len(ref) == 2
    for tris in ([[0, 1, 2], [0, 2, 3]], [[0, 1, 3], [1, 2, 3]]):
        m = dl.evaluate(square, tris)
        assert m["accuracy"] == 1.0
    overlap = dl.evaluate(square, [[0, 1, 2], [0, 1, 3]])
    assert overlap["accuracy"] == 0.0
    grid = np.array([(x, y) for y in range(4) for x in range(4)], dtype=float)
    ref = dl.reference(grid)
    assert len(ref) == 2 * 16 - 2 - 12
    flipped = [t for t in ref.tolist() if 0 not in t]
    a, b = [t for t in ref.tolist() if 0 in t][0], [t for t in ref.tolist() if 0 in t][-1]
    assert dl.evaluate(grid, ref)["accuracy"] == 1.0
    # flip the diagonal of the square at the origin: still Delaunay, not Qhull's choice
    if {tuple(a), tuple(b)} == {(0, 1, 4), (1, 4, 5)}:
        alt = flipped + [[0, 1, 5], [0, 4, 5]]
    else:
        alt = flipped + [[0, 1, 4], [1, 4, 5]]
    m = dl.evaluate(grid, alt)
    assert m["accuracy"] == 1.0 and m["coverage"] < 1.0


def test_non_delaunay_triangulation_scores_zero():
    kite = np.array([[0, 0], [1, -0.1], [2, 0], [1, 0.1]])  # the short diagonal 1-3 is Delaunay
    assert dl.reference(kite).tolist() == [[0, 1, 3], [1, 2, 3]]
    long_diagonal = np.array([[0, 1, 2], [0, 2, 3]])
    assert dl.evaluate(kite, long_diagonal)["accuracy"] == 0.0
    assert "not Delaunay" in delaunay_problem(kite, long_diagonal, np.array([0, 1, 2, 3]), np.arange(4))


def test_degenerate_inputs():
    line = np.array([[0, 0], [1, 1], [2, 2], [3, 3]], dtype=float)
    assert dl.reference(line).shape == (0, 3)
    assert dl.evaluate(line, [])["accuracy"] == 1.0
    with pytest.raises(InvalidSolutionError, match="collinear"):
        dl.evaluate(line, [[0, 1, 2]])
    dup = np.array([[0, 0], [1, 0], [0, 1], [1, 0]], dtype=float)  # 3 duplicates 1
    assert dl.reference(dup).tolist() == [[0, 1, 2]]
    assert dl.evaluate(dup, [[0, 2, 3]])["accuracy"] == 1.0  # 3 stands for 1
    with pytest.raises(InvalidSolutionError, match="coincide"):
        dl.evaluate(dup, [[1, 2, 3]])
    edge = np.array([[0, 0], [1, 0], [2, 0], [1, 1]], dtype=float)  # 1 on the hull edge 0-2
    assert dl.reference(edge).tolist() == [[0, 1, 3], [1, 2, 3]]
    assert dl.evaluate(edge, [[0, 1, 3], [1, 2, 3]])["accuracy"] == 1.0


def test_legal_moves_keep_triples_increasing_and_sorted():
    game = Delaunay(n=5)
    state = game.state_of(SQ)
    assert game.legal_mask(state).tolist() == [True, True, True, False, False, True]
    for a in (0, 1, 4):
        state = game.play(state, a)
    assert game.legal_mask(state).tolist() == [True, True, True, False, False, True]
    state = game.play(state, 0)  # (0, 1, 4) is the last triple with 0, 1: next must be (0, 2..3, .)
    assert game.legal_mask(state).tolist() == [False, False, True, True, False, False]
    state = game.play(state, 3)
    assert game.legal_mask(state).tolist() == [False, False, False, False, True, False]
    for a in (4, 1, 2, 4, 2, 3, 4):
        state = game.play(state, a)
    done, value = game.outcome(game.play(state, 5))
    assert done and value == 1.0
    part = game.state_of(SQ)
    for a in (0, 1, 4, 1, 2, 4):
        part = game.play(part, a)
    part = game.play(part, 5)
    assert game.outcome(part) == (True, 0.5) and game.solution(part).tolist() == [[0, 1, 4], [1, 2, 4]]


def test_random_instances_and_check_game():
    rng = np.random.default_rng(1)
    for n in (3, 10, 60):
        pts = rng.random((n, 2))
        ref = dl.reference(pts)
        assert dl.evaluate(pts, ref)["accuracy"] == 1.0
        from varena.games.convex_hull import reference as hull_of

        assert delaunay_problem(pts, ref, hull_of(pts), np.arange(n)) == ""
        assert len(ref) == 2 * n - 2 - len(hull_of(pts))
    testing = pytest.importorskip("varena.engine.testing")
    testing.check_game(Delaunay(n=6), games=10)
    testing.check_game(Delaunay(n=3), games=3)
    game = Delaunay(n=6)
    s = game.initial_state(np.random.default_rng(0))
    tok = game.tokens(np.stack([s, game.next_state(s, 1)]))
    assert tok.features.shape == (2, 6, 5) and tok.features[1, 1, 2] == 1.0
