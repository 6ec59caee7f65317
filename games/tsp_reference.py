"""Reference TSP tours: exact Held-Karp dynamic programming (Numba) and LKH-3 through elkai.

Held-Karp is O(2^n n^2) time and O(2^n n) memory: exact and instant up to n = 13, about a
second at n = 20 (the largest accepted here). Above that the reference is LKH-3 (Helsgaun)
as shipped in the ``elkai`` wheel (optional dependency; LKH's licence is non-commercial).
LKH works on integer costs: float coordinates are scaled by ``SCALE`` and written as
EUC_2D, so rounding costs at most 0.5e-6 per edge.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numba
import numpy as np

from varena.engine.errors import VarenaError
from varena.games.tsp_distance import EUCLID, EXPLICIT, TspProblem

log = logging.getLogger("varena.tsp")

HELD_KARP_MAX = 20
EXACT_UP_TO = 13
SCALE = 1e6


class MissingDependencyError(VarenaError):
    """An optional package that a feature needs is not installed."""


@numba.njit(cache=True)
def held_karp_kernel(d: np.ndarray) -> np.ndarray:
    """int64 ``[n]``: an optimal tour for the distance matrix ``d`` (float64 ``[n, n]``), from 0.

    ``cost[S, j]`` is the shortest path from city 0 through the set ``S`` of cities 1..n-1
    (bit j-1 for city j) ending at city j+1.
    """
    n = d.shape[0]
    m = n - 1
    full = 1 << m
    cost = np.full((full, m), np.inf)
    parent = np.full((full, m), -1, dtype=np.int8)
    for j in range(m):
        cost[1 << j, j] = d[0, j + 1]
    for s in range(1, full):
        for j in range(m):
            c = cost[s, j]
            if c == np.inf or not (s >> j) & 1:
                continue
            for k in range(m):
                if (s >> k) & 1:
                    continue
                s2 = s | (1 << k)
                v = c + d[j + 1, k + 1]
                if v < cost[s2, k]:
                    cost[s2, k] = v
                    parent[s2, k] = j
    best, last = np.inf, 0
    for j in range(m):
        v = cost[full - 1, j] + d[j + 1, 0]
        if v < best:
            best, last = v, j
    tour = np.zeros(n, dtype=np.int64)
    s = full - 1
    for pos in range(n - 1, 0, -1):
        tour[pos] = last + 1
        prev = parent[s, last]
        s ^= 1 << last
        last = prev
    return tour


def held_karp(problem: TspProblem) -> np.ndarray:
    """An optimal tour (int64 ``[n]``, starting at 0) by dynamic programming; n <= 20."""
    n = problem.n
    if n > HELD_KARP_MAX:
        raise VarenaError(f"Held-Karp needs n <= {HELD_KARP_MAX} (memory 2^n); got n={n}")
    if n <= 3:
        return np.arange(n, dtype=np.int64)
    return held_karp_kernel(np.ascontiguousarray(problem.full_matrix()))


def elkai_available() -> bool:
    try:
        import elkai  # noqa: F401
    except ImportError:
        return False
    return True


def _lkh_text(problem: TspProblem) -> str:
    """The problem in TSPLIB text, integer costs (floats scaled by SCALE)."""
    from varena.games import tsplib

    if isinstance(problem.origin, tsplib.TsplibInstance) and problem.kind != EXPLICIT:
        # LKH's parser is strict: a plain name, no comments (a file's own can trip it)
        return tsplib.dumps(replace(problem.origin, name="varena", comments=(), display=None))
    if problem.kind == EUCLID:
        inst = tsplib.TsplibInstance(name="varena", dimension=problem.n,
                                     edge_weight_type="EUC_2D", coords=problem.xy * SCALE)
    elif problem.kind == EXPLICIT:
        m = problem.matrix if problem.integral else np.rint(problem.matrix * SCALE)
        inst = tsplib.TsplibInstance(name="varena", dimension=problem.n,
                                     edge_weight_type="EXPLICIT", edge_weight_format="FULL_MATRIX",
                                     matrix=m)
    else:  # a TSPLIB kind without its file: hand LKH the integer matrix
        inst = tsplib.TsplibInstance(name="varena", dimension=problem.n,
                                     edge_weight_type="EXPLICIT", edge_weight_format="FULL_MATRIX",
                                     matrix=problem.full_matrix())
    return tsplib.dumps(inst, coord_format="{:.3f}" if problem.kind == EUCLID else None)


def lkh(problem: TspProblem, runs: int = 1, seed: int = 1, max_trials: int | None = None) -> np.ndarray:
    """A tour by LKH-3 (elkai), int64 ``[n]`` starting at 0. Needs ``pip install elkai``."""
    try:
        from elkai import _elkai
    except ImportError:
        raise MissingDependencyError(
            "LKH needs the optional package elkai (pip install elkai)") from None
    n = problem.n
    if n <= 3:
        return np.arange(n, dtype=np.int64)
    params = f"RUNS = {int(runs)}\nSEED = {int(seed)}\nPROBLEM_FILE = :stdin:\n"
    if max_trials is not None:
        params += f"MAX_TRIALS = {int(max_trials)}\n"
    tour = np.asarray(_elkai.solve_problem(params, _lkh_text(problem)), dtype=np.int64) - 1
    if tour.shape != (n,) or not np.array_equal(np.sort(tour), np.arange(n)):
        raise VarenaError(f"elkai returned a tour that is not a permutation of {n} cities")
    start = int(np.flatnonzero(tour == 0)[0])
    return np.roll(tour, -start)


def reference_tour(problem: TspProblem, runs: int = 1, seed: int = 1) -> np.ndarray:
    """The reference tour: Held-Karp up to n = EXACT_UP_TO, LKH (elkai) above."""
    if problem.n <= EXACT_UP_TO:
        return held_karp(problem)
    return lkh(problem, runs=runs, seed=seed)
