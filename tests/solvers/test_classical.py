"""Classical solvers: tour moves, local optimality, exactness, the Solver contract, elkai."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from varena.engine.host import get_host
from varena.games import tsplib
from varena.games.tsp_distance import TspProblem
from varena.games.tsp_reference import MissingDependencyError, elkai_available, held_karp, lkh
from varena.solvers.tsp_construct import insertion, nearest_neighbour
from varena.solvers.tsp_local import _move_segment, _reverse, local_search

DATA = tsplib.DATA  # shipped as package data
needs_elkai = pytest.mark.skipif(not elkai_available(), reason="elkai is not installed (pip install elkai)")


def undirected(tour) -> set:
    t = list(tour)
    return {frozenset((a, b)) for a, b in zip(t, t[1:] + t[:1], strict=True)}


def rotate_to(t: list, c: int) -> list:
    i = t.index(c)
    return t[i:] + t[:i]


@settings(max_examples=200, deadline=None)
@given(st.integers(5, 30).flatmap(lambda n: st.tuples(
    st.permutations(range(n)), st.integers(0, n - 1), st.integers(0, n - 1))))
def test_reverse_makes_the_2opt_move(args):
    tour, i, j = args
    n = len(tour)
    t = np.array(tour, dtype=np.int64)
    pos = np.argsort(t)
    _reverse(t, pos, n, i, j)
    seq = list(tour[i:]) + list(tour[:i])
    inner = (j - i) % n + 1
    expected = seq[:inner][::-1] + seq[inner:]
    assert undirected(t.tolist()) == undirected(expected)
    assert np.array_equal(pos[t], np.arange(n))


@settings(max_examples=200, deadline=None)
@given(st.integers(6, 30).flatmap(lambda n: st.tuples(
    st.permutations(range(n)), st.integers(0, n - 1), st.integers(1, 3), st.integers(0, n - 5),
    st.booleans())))
def test_move_segment_makes_the_or_opt_move(args):
    tour, i, length, offset, rev = args
    n = len(tour)
    j = (i + length + offset) % n  # a position outside the segment
    t = np.array(tour, dtype=np.int64)
    pos = np.argsort(t)
    seg = np.empty(3, dtype=np.int64)
    after = tour[j]
    _move_segment(t, pos, n, i, length, j, rev, seg)
    seq = list(tour[i:]) + list(tour[:i])
    segment, rest = seq[:length], seq[length:]
    k = rest.index(after) + 1
    expected = rest[:k] + (segment[::-1] if rev else segment) + rest[k:]
    assert rotate_to(t.tolist(), after) == rotate_to(expected, after)
    assert np.array_equal(pos[t], np.arange(n))


def test_nearest_neighbour_on_a_line():
    pts = np.array([[0, 0], [0.1, 0], [0.3, 0], [0.6, 0], [1.0, 0]])
    assert nearest_neighbour(TspProblem.euclidean(pts)).tolist() == [0, 1, 2, 3, 4]
    assert nearest_neighbour(TspProblem.euclidean(pts), start=2).tolist() == [2, 1, 0, 3, 4]


def test_constructions_give_tours():
    problem = TspProblem.euclidean(np.random.default_rng(0).random((40, 2)))
    for tour in (nearest_neighbour(problem), insertion(problem, "farthest"),
                 insertion(problem, "nearest"), insertion(problem, "random", 3)):
        assert sorted(tour.tolist()) == list(range(40)) and tour[0] == 0


def test_two_opt_reaches_a_local_optimum():
    problem = TspProblem.euclidean(np.random.default_rng(1).random((60, 2)))
    start = nearest_neighbour(problem)
    tour = local_search(problem, start, neighbours=59, oropt=False)
    assert sorted(tour.tolist()) == list(range(60))
    assert problem.length(tour) < problem.length(start)
    d = problem.full_matrix()
    n = len(tour)
    for i in range(n):
        for j in range(i + 2, n - (i == 0)):
            a, b, c, e = tour[i], tour[i + 1], tour[j], tour[(j + 1) % n]
            assert d[a, c] + d[b, e] >= d[a, b] + d[c, e] - 1e-9


def test_local_search_on_tsplib_distances():
    if not DATA.is_dir():
        pytest.skip(f"TSPLIB data not found at {DATA}")
    for name, opt in (("gr24", 1272), ("att48", 10628), ("ulysses22", 7013)):
        problem = tsplib.read(DATA / f"{name}.tsp").problem()
        tour = local_search(problem, nearest_neighbour(problem))
        assert sorted(tour.tolist()) == list(range(problem.n))
        assert opt <= problem.length(tour) <= 1.1 * opt


def test_held_karp_is_optimal_on_a_tsplib_instance():
    if not DATA.is_dir():
        pytest.skip(f"TSPLIB data not found at {DATA}")
    inst = tsplib.read(DATA / "ulysses16.tsp")
    assert inst.tour_length(held_karp(inst.problem())) == 6859


def play(game, agent, rng, deviate: int | None = None):
    state = game.initial_state(rng)
    moves = 0
    while not game.outcome(state)[0]:
        if moves == deviate:
            legal = np.flatnonzero(game.legal_mask(state))
            action = int(legal[-1])
        else:
            action = int(agent.select_actions(state[None])[0])
        state = game.play(state, action)  # raises on an illegal move
        moves += 1
    return state


@pytest.mark.parametrize("spec", ["nearest_neighbour", "insertion", "insertion:rule=random",
                                  "2opt", "2opt:init=farthest,oropt=false", "held_karp", "reference"])
def test_tsp_solvers_play_the_game(spec):
    host = get_host()
    game = host.make_game("tsp:n=12")
    agent = host.make_agent(spec, game, seed=1)
    rng = np.random.default_rng(0)
    state = play(game, agent, rng)
    m = game.evaluate(game.instance(state), game.solution(state))
    assert m["gap"] >= -1e-12
    if spec in ("held_karp", "reference"):
        assert m["gap"] == pytest.approx(0.0, abs=1e-12)
    play(game, agent, rng, deviate=3)  # leaves the plan: the fallback keeps moves legal


@pytest.mark.parametrize("spec", ["convex_hull:n=30", "delaunay:n=12", "sorting:n=15"])
def test_reference_solver_is_exact_on_the_other_problems(spec):
    host = get_host()
    game = host.make_game(spec)
    agent = host.make_agent("reference", game, seed=0)
    rng = np.random.default_rng(4)
    for _ in range(3):
        state = play(game, agent, rng)
        assert game.outcome(state) == (True, 1.0)
        assert game.evaluate(game.instance(state), game.solution(state))["accuracy"] == 1.0
    play(game, agent, rng, deviate=2)


def test_solvers_are_restricted_to_their_games():
    host = get_host()
    hull = host.make_game("convex_hull")
    for name in ("nearest_neighbour", "insertion", "2opt", "held_karp", "lkh"):
        assert not host.solver_class(name).supports(hull)
    assert not host.solver_class("held_karp").supports(host.make_game("tsp:n=21"))
    assert host.solver_class("reference").supports(hull)


def test_lkh_is_unavailable_without_elkai(monkeypatch):
    import varena.games.tsp_reference as ref

    monkeypatch.setattr(ref, "elkai_available", lambda: False)
    host = get_host()
    with pytest.raises(MissingDependencyError, match="pip install elkai"):
        host.make_agent("lkh", host.make_game("tsp:n=20"))


@needs_elkai
def test_elkai_with_scaled_costs_equals_held_karp():
    rng = np.random.default_rng(11)
    for n in range(5, 13):
        for _ in range(4):
            problem = TspProblem.euclidean(rng.random((n, 2)))
            assert problem.length(lkh(problem)) == pytest.approx(problem.length(held_karp(problem)),
                                                                 rel=1e-6)


@needs_elkai
def test_lkh_solver_on_random_and_tsplib_instances():
    host = get_host()
    game = host.make_game("tsp:n=30")
    state = play(game, host.make_agent("lkh", game, seed=0), np.random.default_rng(0))
    assert game.evaluate(game.instance(state), game.solution(state))["gap"] < 1e-3
    if DATA.is_dir():
        inst = tsplib.read(DATA / "eil51.tsp")
        assert inst.tour_length(lkh(inst.problem())) == 426


@needs_elkai
def test_heuristics_rank_as_expected_on_tsp50():
    rng = np.random.default_rng(2)
    gaps = {"nn": [], "fi": [], "2opt": []}
    for _ in range(10):
        problem = TspProblem.euclidean(rng.random((50, 2)))
        best = problem.length(lkh(problem))
        nn = nearest_neighbour(problem)
        gaps["nn"].append(problem.length(nn) / best - 1)
        gaps["fi"].append(problem.length(insertion(problem)) / best - 1)
        gaps["2opt"].append(problem.length(local_search(problem, nn)) / best - 1)
    mean = {k: float(np.mean(v)) for k, v in gaps.items()}
    assert 0 <= mean["2opt"] < mean["fi"] < mean["nn"] < 0.4
