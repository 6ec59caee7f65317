"""Delaunay triangulation as a one-player game: emit triangles index by index, then ``end``.

``delaunay:n=10`` samples 10 points uniform in [0,1]^2. The target (as in the Pointer
Network paper) lists the triangles as increasing index triples in lexicographic order.
Actions ``0..n-1`` emit an index (three per triangle) and action ``n`` (``end``) finishes.
Legal moves keep every triple increasing and the triples strictly increasing
lexicographically (so each set of triangles has one spelling and none repeats); ``end`` is
legal between triangles. The value of a finished game is the Jaccard similarity between the
emitted and the target triangle sets: 1.0 exactly when the answer is right.

Degenerate inputs, handled explicitly:
- duplicate points count once, by their lowest index (Qhull would drop one arbitrarily);
- all points collinear (or fewer than three distinct): no triangle, the target is empty;
- cocircular points (a grid): the triangulation is not unique. The reference is Qhull's;
  :func:`evaluate` scores ``accuracy`` 1.0 for ANY Delaunay triangulation (checked by
  :func:`varena.games.geometry.delaunay_problem`), while ``coverage``/``precision`` and the game's
  value compare with the reference (random instances are never cocircular).

State (float64, ``HEADER + 2n + 2C`` with ``C = 3 (2n - 5)``, the most triangles of n
points): header (``TARGET_LEN`` = 3 x target triangles), coordinates, emitted indices (C
slots), target indices (C slots).
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from varena.engine.api import Kernels
from varena.games.geometry import EPS, delaunay_problem, orient, scale2
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
    one_player as to_play,
    sample_points,
    size_param,
    stored_outcome as outcome,
    unique_representatives,
)

MAX_N = 1000


def capacity(n: int) -> int:
    """Index slots for the largest triangulation of n points (2n - 5 triangles)."""
    return 3 * max(1, 2 * n - 5)


@numba.njit(cache=True)
def _score(state: np.ndarray, n: int, t: int) -> float:
    """Jaccard similarity of two lexicographically sorted triangle lists (a merge)."""
    cap = 3 * max(1, 2 * n - 5)
    seq = HEADER + 2 * n
    tgt = seq + cap
    k = int(state[TARGET_LEN])
    if t == 0 and k == 0:
        return 1.0
    i = j = common = 0
    while i < t and j < k:
        a = (int(state[seq + i]) * n + int(state[seq + i + 1])) * n + int(state[seq + i + 2])
        b = (int(state[tgt + j]) * n + int(state[tgt + j + 1])) * n + int(state[tgt + j + 2])
        if a == b:
            common += 1
            i += 3
            j += 3
        elif a < b:
            i += 3
        else:
            j += 3
    return common / (t // 3 + k // 3 - common)


@numba.njit(cache=True)
def step(state: np.ndarray, action: int, out: np.ndarray) -> None:
    """Emit index ``action``, or finish when ``action == n``."""
    if out is not state:
        out[:] = state
    n = int(state[N])
    t = int(state[T])
    if action == n:
        out[DONE] = 1.0
        out[VALUE] = _score(state, n, t)
        return
    out[HEADER + 2 * n + t] = action
    out[T] = t + 1


@numba.njit(cache=True)
def legal_mask(state: np.ndarray, out: np.ndarray) -> None:
    n = int(state[N])
    t = int(state[T])
    if state[DONE] != 0.0:
        out[:] = False
        return
    seq = HEADER + 2 * n
    p = t % 3
    start = t - p
    prev = start >= 3
    q0 = q1 = q2 = -1
    if prev:
        q0, q1, q2 = int(state[seq + start - 3]), int(state[seq + start - 2]), int(state[seq + start - 1])
    if p == 0:
        room = t < 3 * max(1, 2 * n - 5)
        for i in range(n):
            ok = room and i <= n - 3
            if ok and prev:
                if i < q0:
                    ok = False
                elif i == q0:
                    ok = q1 < n - 2 or q2 < n - 1  # some (j, k) > (q1, q2) remains
            out[i] = ok
        out[n] = True
    elif p == 1:
        a = int(state[seq + start])
        tied = prev and a == q0
        for j in range(n):
            ok = a < j <= n - 2
            if ok and tied:
                ok = j > q1 or (j == q1 and q2 < n - 1)
            out[j] = ok
        out[n] = False
    else:
        a, b = int(state[seq + start]), int(state[seq + start + 1])
        tied = prev and a == q0 and b == q1
        for k in range(n):
            out[k] = b < k <= n - 1 and (not tied or k > q2)
        out[n] = False


def sample(n: int, rng: np.random.Generator) -> np.ndarray:
    """float64 ``[n, 2]``: n points uniform in the unit square."""
    return sample_points(n, rng)


def _sorted_triples(tris: np.ndarray) -> np.ndarray:
    tris = np.sort(np.asarray(tris, dtype=np.int64).reshape(-1, 3), axis=1)
    return tris[np.lexsort((tris[:, 2], tris[:, 1], tris[:, 0]))]


def reference(points: np.ndarray) -> np.ndarray:
    """int64 ``[m, 3]``: the Delaunay triangles (Qhull) as increasing triples, sorted."""
    from scipy.spatial import Delaunay, QhullError

    pts = as_points(points)
    rep = unique_representatives(pts)
    uniq = np.unique(rep)
    if len(uniq) < 3:
        return np.zeros((0, 3), dtype=np.int64)
    try:
        tri = Delaunay(pts[uniq])
    except QhullError:  # every point on one line: no triangle at all
        return np.zeros((0, 3), dtype=np.int64)
    simplices = uniq[tri.simplices]
    tol = EPS * scale2(pts[uniq])
    # Qhull's triangulated output ('Qt') may hold flat triangles in degenerate input.
    keep = [abs(orient(pts[a], pts[b], pts[c])) > tol for a, b, c in simplices]
    return _sorted_triples(simplices[np.asarray(keep, dtype=bool)])


def check_triangles(points: np.ndarray, solution: Any) -> np.ndarray:
    """``solution`` ([m, 3] triples, or a flat index sequence optionally ending with the end
    action n) as sorted int64 ``[m, 3]`` over the points' representatives, or a clear error."""
    n = len(points)
    flat = np.asarray(solution).reshape(-1) if np.ndim(solution) == 2 else solution
    flat = np.asarray(flat)
    if flat.ndim == 1 and flat.size % 3 == 1 and flat.size and flat[-1] == n:
        flat = flat[:-1]  # the game's end action
    idx = as_indices(flat, n, "triangulation")
    if idx.size % 3:
        raise InvalidSolutionError(f"triangulation: {idx.size} indices is not a whole number of "
                                   "triangles (three indices each)")
    tris = idx.reshape(-1, 3)
    rep = unique_representatives(points)
    tol = EPS * scale2(points)
    for i, j, k in tris.tolist():
        if len({i, j, k}) < 3:
            raise InvalidSolutionError(f"triangulation: ({i}, {j}, {k}) is not a triangle (repeated index)")
        if len({rep[i], rep[j], rep[k]}) < 3:
            raise InvalidSolutionError(f"triangulation: ({i}, {j}, {k}) is not a triangle "
                                       "(two of its points coincide)")
        if abs(orient(points[i], points[j], points[k])) <= tol:
            raise InvalidSolutionError(f"triangulation: ({i}, {j}, {k}) is not a triangle "
                                       "(its points are collinear)")
    out = _sorted_triples(rep[tris])
    dup = np.flatnonzero(np.all(out[1:] == out[:-1], axis=1))
    if dup.size:
        raise InvalidSolutionError(f"triangulation: triangle {tuple(out[dup[0]].tolist())} is given twice")
    return out


def evaluate(points: np.ndarray, solution: Any, ref: Any = None) -> dict[str, float]:
    """Metrics: ``accuracy`` (1.0 iff a Delaunay triangulation), ``coverage`` (share of the
    reference's triangles found), ``precision`` (share of the triangles given that are in
    the reference), ``triangles`` and ``reference_triangles`` (counts)."""
    from varena.games.convex_hull import reference as hull

    pts = as_points(points)
    got = check_triangles(pts, solution)
    want = reference(pts) if ref is None else _sorted_triples(ref)
    s = {tuple(t) for t in got.tolist()}
    r = {tuple(t) for t in want.tolist()}
    common = len(s & r)
    exact = s == r
    if not exact and len(got):
        uniq = np.unique(unique_representatives(pts))
        exact = delaunay_problem(pts, got, hull(pts), uniq) == ""
    return {"accuracy": float(exact),
            "coverage": common / len(r) if r else 1.0,
            "precision": common / len(s) if s else float(not r),
            "triangles": float(len(s)), "reference_triangles": float(len(r))}


class Delaunay(PointGame):
    """Emit the Delaunay triangles; see the module doc."""

    name = "delaunay"
    description = "Delaunay triangulation: emit increasing index triples in lexicographic order"
    params = (size_param(10, 3, MAX_N),)
    kernels = Kernels(step, legal_mask, outcome, to_play)
    square_symmetries = 8  # the triangle set is invariant under every symmetry of the square

    sample = staticmethod(sample)
    reference = staticmethod(reference)
    evaluate = staticmethod(evaluate)

    def __init__(self, n: int = 10) -> None:
        super().__init__(n=n)
        self.capacity = capacity(self.n)
        self.num_actions = self.n + 1
        self.state_len = HEADER + 2 * self.n + 2 * self.capacity
        self.max_moves = self.capacity + 1

    def state_of(self, instance: np.ndarray) -> np.ndarray:
        pts = as_points(instance, low=3)
        self._check_n(pts)
        s = self._new_state(pts)
        target = reference(pts).reshape(-1)
        base = HEADER + 2 * self.n
        s[base:base + 2 * self.capacity] = -1.0
        s[base + self.capacity:base + self.capacity + target.size] = target
        s[TARGET_LEN] = target.size
        return s

    def emitted(self, state: np.ndarray) -> np.ndarray:
        """int64: the indices emitted so far (three per triangle)."""
        base = HEADER + 2 * self.n
        return state[base:base + int(state[T])].astype(np.int64)

    def triangles(self, state: np.ndarray) -> np.ndarray:
        """int64 ``[m, 3]``: the complete triangles emitted so far."""
        e = self.emitted(state)
        return e[: len(e) - len(e) % 3].reshape(-1, 3)

    def target(self, state: np.ndarray) -> np.ndarray:
        base = HEADER + 2 * self.n + self.capacity
        return state[base:base + int(state[TARGET_LEN])].astype(np.int64).reshape(-1, 3)

    def solution(self, state: np.ndarray) -> np.ndarray:
        """The triangles emitted, as :func:`evaluate` takes them."""
        return self.triangles(state)

    def history(self, state: np.ndarray) -> np.ndarray:
        h = self.emitted(state)
        return np.append(h, self.n) if state[DONE] else h

    def solution_actions(self, solution: Any) -> np.ndarray:
        """The indices of ``solution`` in order, then the end action."""
        return np.append(np.asarray(solution, dtype=np.int64).reshape(-1), self.n)

    def action_name(self, action: int) -> str:
        return "end" if int(action) == self.n else str(int(action))

    def _features(self, states: np.ndarray) -> np.ndarray:
        """[x, y, in the triangle being written, in the last complete triangle,
        min(triangles at the point, 12) / 12]."""
        b, n = len(states), self.n
        partial = np.zeros((b, n))
        last = np.zeros((b, n))
        count = np.zeros((b, n))
        for r, s in enumerate(states):
            e = s[HEADER + 2 * n:HEADER + 2 * n + int(s[T])].astype(np.int64)
            full = len(e) - len(e) % 3
            partial[r, e[full:]] = 1.0
            if full:
                last[r, e[full - 3:full]] = 1.0
                np.add.at(count[r], e[:full], 1.0)
        return np.concatenate([self._items(states), partial[..., None], last[..., None],
                               np.minimum(count, 12.0)[..., None] / 12.0], axis=2)

    def render(self, state: np.ndarray) -> str:
        tris = " ".join(f"({a},{b},{c})" for a, b, c in self.triangles(state).tolist())
        rest = self.emitted(state)[3 * len(self.triangles(state)):]
        part = f" [{','.join(map(str, rest))}" if len(rest) else ""
        tail = f" end\nscore {state[VALUE]:.4f}" if state[DONE] else ""
        return f"delaunay n={self.n}: {tris or '(no triangle)'}{part}{tail}"
