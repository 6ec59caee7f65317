"""Planar convex hull as a one-player game: emit the hull's vertices, then ``end``.

``convex_hull:n=50`` samples 50 points uniform in [0,1]^2. The target (as in the Pointer
Network paper) lists the hull's vertices counter-clockwise starting from the lowest index;
points on a hull edge but not corners are not vertices. Actions ``0..n-1`` emit a point and
action ``n`` (``end``) closes the polygon. Legal: an index not yet emitted and greater than
the first one emitted (a sequence always starts at its lowest index, so each polygon has one
spelling); ``end`` once something was emitted.

The value of a finished game is the Jaccard similarity between the directed edges of the
emitted polygon and the target's: 1.0 exactly when the answer is right.

Degenerate inputs: duplicate points count once, by their lowest index; when all points are
collinear the hull is the two extreme points (one point when all coincide).

State (float64, ``HEADER + 5n``): header (``TARGET_LEN`` = hull size), coordinates, emitted
sequence (n slots), target sequence (n slots), an emitted flag per point.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from varena.engine.api import Kernels
from varena.games.geometry import is_simple_polygon, polygon_area
from varena.games.points import (
    DONE,
    HEADER,
    TARGET_LEN,
    VALUE,
    InvalidSolutionError,
    N,
    PointGame,
    T,
    as_indices,
    as_points,
    first_repeat,
    one_player as to_play,
    sample_points,
    size_param,
    stored_outcome as outcome,
    unique_representatives,
)

MAX_N = 10_000


@numba.njit(cache=True)
def _score(state: np.ndarray, n: int, t: int) -> float:
    """Jaccard similarity of the directed edges of the emitted and target polygons."""
    seq = HEADER + 2 * n
    tgt = HEADER + 3 * n
    k = int(state[TARGET_LEN])
    succ = np.full(n, -1, dtype=np.int64)
    for i in range(k):
        succ[int(state[tgt + i])] = int(state[tgt + (i + 1) % k])
    common = 0
    for i in range(t):
        if succ[int(state[seq + i])] == int(state[seq + (i + 1) % t]):
            common += 1
    return common / (t + k - common)


@numba.njit(cache=True)
def step(state: np.ndarray, action: int, out: np.ndarray) -> None:
    """Emit point ``action``, or end the polygon when ``action == n``."""
    if out is not state:
        out[:] = state
    n = int(state[N])
    t = int(state[T])
    if action == n:
        out[DONE] = 1.0
        out[VALUE] = _score(state, n, t)
        return
    out[HEADER + 2 * n + t] = action
    out[HEADER + 4 * n + action] = 1.0
    out[T] = t + 1


@numba.njit(cache=True)
def legal_mask(state: np.ndarray, out: np.ndarray) -> None:
    n = int(state[N])
    t = int(state[T])
    done = state[DONE] != 0.0
    first = int(state[HEADER + 2 * n]) if t > 0 else -1
    for i in range(n):
        out[i] = not done and state[HEADER + 4 * n + i] == 0.0 and i > first
    out[n] = not done and t > 0


def sample(n: int, rng: np.random.Generator) -> np.ndarray:
    """float64 ``[n, 2]``: n points uniform in the unit square."""
    return sample_points(n, rng)


def reference(points: np.ndarray) -> np.ndarray:
    """int64 ``[k]``: hull vertices counter-clockwise from the lowest index (Qhull)."""
    from scipy.spatial import ConvexHull as Qhull, QhullError

    pts = as_points(points)
    rep = unique_representatives(pts)
    uniq = np.unique(rep)
    if len(uniq) == 1:
        return uniq.copy()
    try:
        verts = uniq[Qhull(pts[uniq]).vertices]  # counter-clockwise in 2-d
    except QhullError:
        # Every point on one line (Qhull finds no 2-d simplex): the two extreme points.
        order = np.lexsort((pts[uniq, 1], pts[uniq, 0]))
        return np.sort(uniq[[order[0], order[-1]]]).astype(np.int64)
    start = int(np.argmin(verts))
    return np.roll(verts, -start).astype(np.int64)


def check_polygon(solution: Any, n: int) -> np.ndarray:
    """``solution`` as int64 indices (a closing repeat of the first is dropped) or a clear error."""
    s = as_indices(solution, n, "hull")
    if len(s) > 1 and s[0] == s[-1]:
        s = s[:-1]
    if len(s) == 0:
        raise InvalidSolutionError("hull: empty; expected the hull's vertices")
    rep = first_repeat(s)
    if rep >= 0:
        raise InvalidSolutionError(f"hull: point {s[rep]} is repeated at position {rep}")
    return s


def evaluate(points: np.ndarray, solution: Any, ref: Any = None) -> dict[str, float]:
    """Metrics: ``accuracy`` (1.0 iff exactly the target), ``area_coverage`` (area of the
    solution polygon over the hull's, 0 when the polygon is not simple) and ``valid_polygon``.

    ``solution`` may repeat its first index at the end (the Pointer Network's convention).
    """
    pts = as_points(points)
    s = check_polygon(solution, len(pts))
    target = reference(pts) if ref is None else np.asarray(ref, dtype=np.int64)
    exact = len(s) == len(target) and bool(np.array_equal(s, target))
    simple = len(s) >= 3 and is_simple_polygon(pts, s)
    hull_area = polygon_area(pts, target)
    if hull_area <= 0:
        coverage = 1.0 if exact else 0.0
    else:
        coverage = abs(polygon_area(pts, s)) / hull_area if simple else 0.0
    return {"accuracy": float(exact), "area_coverage": coverage, "valid_polygon": float(simple)}


class ConvexHull(PointGame):
    """Emit the convex hull's vertices; see the module doc."""

    name = "convex_hull"
    description = "convex hull: emit the hull's vertices counter-clockwise from the lowest index"
    params = (size_param(20, 3, MAX_N),)
    kernels = Kernels(step, legal_mask, outcome, to_play)
    square_symmetries = 4  # quarter turns keep counter-clockwise order; mirrors would not

    sample = staticmethod(sample)
    reference = staticmethod(reference)
    evaluate = staticmethod(evaluate)

    def __init__(self, n: int = 20) -> None:
        super().__init__(n=n)
        self.num_actions = self.n + 1
        self.state_len = HEADER + 5 * self.n
        self.max_moves = self.n + 1

    def state_of(self, instance: np.ndarray) -> np.ndarray:
        pts = as_points(instance, low=3)
        self._check_n(pts)
        s = self._new_state(pts)
        target = reference(pts)
        n = self.n
        s[HEADER + 2 * n:HEADER + 4 * n] = -1.0
        s[HEADER + 3 * n:HEADER + 3 * n + len(target)] = target
        s[TARGET_LEN] = len(target)
        return s

    def emitted(self, state: np.ndarray) -> np.ndarray:
        """int64: the points emitted so far."""
        base = HEADER + 2 * self.n
        return state[base:base + int(state[T])].astype(np.int64)

    def target(self, state: np.ndarray) -> np.ndarray:
        base = HEADER + 3 * self.n
        return state[base:base + int(state[TARGET_LEN])].astype(np.int64)

    def solution(self, state: np.ndarray) -> np.ndarray:
        """The polygon emitted, as :func:`evaluate` takes it."""
        return self.emitted(state)

    def history(self, state: np.ndarray) -> np.ndarray:
        h = self.emitted(state)
        return np.append(h, self.n) if state[DONE] else h

    def solution_actions(self, solution: Any) -> np.ndarray:
        """The indices of ``solution`` in order, then the end action."""
        return np.append(np.asarray(solution, dtype=np.int64).reshape(-1), self.n)

    def action_name(self, action: int) -> str:
        return "end" if int(action) == self.n else str(int(action))

    def _features(self, states: np.ndarray) -> np.ndarray:
        """[x, y, emitted, is the first emitted, is the last emitted]."""
        b, n = len(states), self.n
        rows = np.arange(b)
        emitted = states[:, HEADER + 4 * n:HEADER + 5 * n]
        t = states[:, T].astype(np.int64)
        first = np.zeros((b, n))
        last = np.zeros((b, n))
        has = t > 0
        seq = HEADER + 2 * n
        first[rows[has], states[has, seq].astype(np.int64)] = 1.0
        last[rows[has], states[rows[has], seq + t[has] - 1].astype(np.int64)] = 1.0
        return np.concatenate([self._items(states), emitted[..., None], first[..., None],
                               last[..., None]], axis=2)

    def render(self, state: np.ndarray) -> str:
        seq = " ".join(str(i) for i in self.emitted(state))
        tail = f"\nscore {state[VALUE]:.4f}" if state[DONE] else ""
        return f"convex_hull n={self.n}: {seq or '(nothing emitted)'}{' end' if state[DONE] else ''}{tail}"
