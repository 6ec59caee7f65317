"""Labels: deterministic from a seed, cached on disk, in the paper's order, legal in the game."""

from __future__ import annotations

import numpy as np
import pytest

from varena.games.tsp_distance import TspProblem
from varena.games.tsp_reference import held_karp
from varena.solvers.ptrnet.data import labelled
from varena.solvers.ptrnet.env import ccw_tour

from .helpers import game, play


@pytest.mark.parametrize("spec", ["tsp:n=8", "convex_hull:n=12", "delaunay:n=7"])
def test_labels_are_deterministic_and_cached(spec, tmp_path):
    g = game(spec)
    a_items, a_labels = labelled(g, 20, seed=3, cache_dir=tmp_path / "one")
    b_items, b_labels = labelled(g, 20, seed=3, cache_dir=tmp_path / "two")
    assert np.array_equal(a_items, b_items) and np.array_equal(a_labels, b_labels)
    files = list((tmp_path / "one").glob("*.npz"))
    assert len(files) == 1
    assert files[0].read_bytes() == next((tmp_path / "two").glob("*.npz")).read_bytes()
    c_items, _ = labelled(g, 20, seed=4, cache_dir=tmp_path / "one")
    assert not np.array_equal(a_items, c_items)
    # a second call reads the cache (the file is not rewritten)
    mtime = files[0].stat().st_mtime_ns
    d_items, d_labels = labelled(g, 20, seed=3, cache_dir=tmp_path / "one")
    assert files[0].stat().st_mtime_ns == mtime and np.array_equal(d_labels, a_labels)


def test_a_damaged_cache_is_regenerated(tmp_path):
    g = game("convex_hull:n=10")
    items, labels = labelled(g, 5, seed=1, cache_dir=tmp_path)
    path = next(tmp_path.glob("*.npz"))
    path.write_bytes(b"not a zip")
    again_items, again_labels = labelled(g, 5, seed=1, cache_dir=tmp_path)
    assert np.array_equal(labels, again_labels) and np.array_equal(items, again_items)


@pytest.mark.parametrize("spec", ["convex_hull:n=15", "delaunay:n=9"])
def test_labels_play_the_reference_exactly(spec):
    g = game(spec)
    items, labels = labelled(g, 10, seed=0)
    for x, lab in zip(items, labels, strict=True):
        end = play(g, g.state_of(x), lab)
        assert g.outcome(end) == (True, 1.0)


def test_tsp_labels_are_optimal_and_counter_clockwise():
    g = game("tsp:n=9")
    items, labels = labelled(g, 10, seed=0)
    for x, lab in zip(items, labels, strict=True):
        tour = np.concatenate([[0], lab])
        p = x[tour]
        area = np.sum(p[:, 0] * np.roll(p[:, 1], -1) - np.roll(p[:, 0], -1) * p[:, 1])
        assert area > 0  # counter-clockwise from city 0
        prob = TspProblem.euclidean(x)
        assert prob.length(tour) == pytest.approx(prob.length(held_karp(prob)))
        end = play(g, g.state_of(x), lab)
        assert -g.outcome(end)[1] == pytest.approx(prob.length(tour))


def test_ccw_tour_turns_a_clockwise_tour():
    square = np.array([[0, 0], [0, 1], [1, 1], [1, 0]], dtype=float)  # 0-1-2-3 is clockwise
    assert ccw_tour(square, np.array([2, 3, 0, 1])).tolist() == [0, 3, 2, 1]
    assert ccw_tour(square, np.array([0, 3, 2, 1])).tolist() == [0, 3, 2, 1]


def test_the_cache_holds_labels_not_instances(tmp_path):
    g = game("convex_hull:n=30")
    items, labels = labelled(g, 50, seed=2, cache_dir=tmp_path)
    path = next(tmp_path.glob("*.npz"))
    with np.load(path) as z:
        assert set(z.files) == {"labels", "items_crc32"} and z["labels"].dtype == np.int16
        wrong = np.zeros_like(z["labels"])
    # labels recorded for other instances (a changed sampler) are not trusted
    with open(path, "wb") as f:
        np.savez(f, labels=wrong, items_crc32=np.uint32(1))
    again_items, again_labels = labelled(g, 50, seed=2, cache_dir=tmp_path)
    assert np.array_equal(again_items, items) and np.array_equal(again_labels, labels)
    assert again_labels.dtype == np.int64
