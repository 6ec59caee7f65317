"""TSP construction heuristics in Numba: nearest neighbour and insertion (nearest, farthest,
random). All work on any :class:`varena.games.tsp_distance.TspProblem` (float or TSPLIB distances)
in O(n^2) time and O(n) memory, so n = 10,000 takes well under a second or two.
"""

from __future__ import annotations

import numba
import numpy as np

from varena.games.tsp_distance import TspProblem, dist

NEAREST, FARTHEST, RANDOM = 0, 1, 2
RULES = ("farthest", "nearest", "random")


@numba.njit(cache=True)
def nearest_neighbour_kernel(kind: int, xy: np.ndarray, mat: np.ndarray, n: int, start: int) -> np.ndarray:
    """int64 ``[n]``: from ``start``, always go to the nearest unvisited city."""
    tour = np.empty(n, dtype=np.int64)
    visited = np.zeros(n, dtype=np.bool_)
    cur = start
    tour[0] = cur
    visited[cur] = True
    for k in range(1, n):
        best, best_d = -1, np.inf
        for j in range(n):
            if not visited[j]:
                d = dist(kind, xy, mat, cur, j)
                if d < best_d:
                    best, best_d = j, d
        tour[k] = best
        visited[best] = True
        cur = best
    return tour


@numba.njit(cache=True)
def insertion_kernel(kind: int, xy: np.ndarray, mat: np.ndarray, n: int, rule: int, seed: int) -> np.ndarray:
    """int64 ``[n]`` from city 0: insert cities one by one where the tour grows least.

    ``rule`` picks the next city: NEAREST (closest to the tour), FARTHEST (farthest from
    it) or RANDOM (a random order drawn from ``seed``). The tour is a linked list
    (``nxt``); each insertion scans every tour edge for the cheapest place.
    """
    nxt = np.empty(n, dtype=np.int64)
    in_tour = np.zeros(n, dtype=np.bool_)
    gap = np.empty(n)  # distance from each city to the tour
    order = np.arange(n)
    if rule == RANDOM:
        np.random.seed(seed)
        for k in range(n - 1, 1, -1):  # shuffle positions 1..n-1; city 0 starts the tour
            r = 1 + np.random.randint(0, k)
            order[k], order[r] = order[r], order[k]
    nxt[0] = 0
    in_tour[0] = True
    for j in range(n):
        gap[j] = dist(kind, xy, mat, 0, j)
    for step in range(1, n):
        if rule == RANDOM:
            c = order[step]
        else:
            c, key = -1, np.inf if rule == NEAREST else -1.0
            for j in range(n):
                if not in_tour[j]:
                    if (rule == NEAREST and gap[j] < key) or (rule == FARTHEST and gap[j] > key):
                        c, key = j, gap[j]
        best_a, best_cost = 0, np.inf
        a = 0
        for _ in range(step):
            b = nxt[a]
            cost = dist(kind, xy, mat, a, c) + dist(kind, xy, mat, c, b) - dist(kind, xy, mat, a, b)
            if cost < best_cost:
                best_a, best_cost = a, cost
            a = b
        nxt[c] = nxt[best_a]
        nxt[best_a] = c
        in_tour[c] = True
        if rule != RANDOM:
            for j in range(n):
                if not in_tour[j]:
                    d = dist(kind, xy, mat, c, j)
                    if d < gap[j]:
                        gap[j] = d
    tour = np.empty(n, dtype=np.int64)
    a = 0
    for k in range(n):
        tour[k] = a
        a = nxt[a]
    return tour


def nearest_neighbour(problem: TspProblem, start: int = 0) -> np.ndarray:
    """A nearest-neighbour tour (int64 ``[n]``) from ``start``."""
    return nearest_neighbour_kernel(problem.kind, problem.xy, problem.matrix, problem.n, int(start))


def insertion(problem: TspProblem, rule: str = "farthest", seed: int = 0) -> np.ndarray:
    """An insertion tour (int64 ``[n]``, from city 0); ``rule`` in RULES."""
    code = {"nearest": NEAREST, "farthest": FARTHEST, "random": RANDOM}[rule]
    return insertion_kernel(problem.kind, problem.xy, problem.matrix, problem.n, code, int(seed))
