"""TSP distances in Numba: float Euclidean for the game, TSPLIB's own functions for files.

A :class:`TspProblem` is what every TSP solver works on: a distance ``kind``, coordinates
and (for explicit instances) a matrix. ``dist(kind, xy, mat, i, j)`` is one jitted function
with a branch per kind, so each solver kernel compiles once and serves every kind.

TSPLIB's functions (Reinelt 1995, section 2): ``nint(x) = int(x + 0.5)``;
EUC_2D = nint(Euclidean); CEIL_2D = ceil(Euclidean); ATT = pseudo-Euclidean
(``r = sqrt((dx^2 + dy^2) / 10)``, ``t = nint(r)``, ``t + 1`` if ``t < r`` else ``t``);
GEO = great-circle distance on an idealised sphere, coordinates DDD.MM (degrees and minutes),
``int(6378.388 * acos(...) + 1)``; MAN_2D and MAX_2D are nint of the L1 and L-infinity
distances.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

EUCLID, EUC_2D, CEIL_2D, ATT, GEO, MAN_2D, MAX_2D, EXPLICIT = range(8)
KIND_NAMES = ("EUCLID", "EUC_2D", "CEIL_2D", "ATT", "GEO", "MAN_2D", "MAX_2D", "EXPLICIT")
_RRR = 6378.388
_PI = 3.141592  # TSPLIB's own value of pi for GEO, not math.pi


@numba.njit(cache=True)
def dist(kind: int, xy: np.ndarray, mat: np.ndarray, i: int, j: int) -> float:
    """Distance between cities ``i`` and ``j`` (float64; integral for TSPLIB kinds)."""
    if kind == EXPLICIT:
        return mat[i, j]
    if kind == GEO:
        if i == j:
            return 0.0
        q1 = math.cos(xy[i, 1] - xy[j, 1])
        q2 = math.cos(xy[i, 0] - xy[j, 0])
        q3 = math.cos(xy[i, 0] + xy[j, 0])
        c = 0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3)
        c = min(1.0, max(-1.0, c))
        return float(int(_RRR * math.acos(c) + 1.0))
    dx = xy[i, 0] - xy[j, 0]
    dy = xy[i, 1] - xy[j, 1]
    if kind == EUCLID:
        return math.sqrt(dx * dx + dy * dy)
    if kind == EUC_2D:
        return math.floor(math.sqrt(dx * dx + dy * dy) + 0.5)
    if kind == CEIL_2D:
        return math.ceil(math.sqrt(dx * dx + dy * dy))
    if kind == ATT:
        r = math.sqrt((dx * dx + dy * dy) / 10.0)
        t = math.floor(r + 0.5)
        return t + 1.0 if t < r else t
    if kind == MAN_2D:
        return math.floor(abs(dx) + abs(dy) + 0.5)
    return math.floor(max(abs(dx), abs(dy)) + 0.5)  # MAX_2D


@numba.njit(cache=True)
def tour_length_kernel(kind: int, xy: np.ndarray, mat: np.ndarray, tour: np.ndarray) -> float:
    """Length of the closed tour ``tour`` (int64 ``[n]``)."""
    n = tour.shape[0]
    total = 0.0
    for k in range(n):
        total += dist(kind, xy, mat, tour[k], tour[(k + 1) % n])
    return total


@numba.njit(cache=True)
def matrix_kernel(kind: int, xy: np.ndarray, mat: np.ndarray, n: int) -> np.ndarray:
    """float64 ``[n, n]``: every distance."""
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            d = dist(kind, xy, mat, i, j)
            out[i, j] = d
            out[j, i] = d
    return out


@numba.njit(cache=True)
def _neighbours_by_scan(kind: int, xy: np.ndarray, mat: np.ndarray, n: int, k: int) -> np.ndarray:
    out = np.empty((n, k), dtype=np.int64)
    row = np.empty(n)
    for i in range(n):
        for j in range(n):
            row[j] = dist(kind, xy, mat, i, j)
        row[i] = np.inf
        order = np.argsort(row, kind="mergesort")
        out[i, :] = order[:k]
    return out


def geo_radians(coords: np.ndarray) -> np.ndarray:
    """TSPLIB GEO: DDD.MM (degrees.minutes) latitude/longitude to radians, TSPLIB's way."""
    deg = np.trunc(coords)  # (int) in TSPLIB's C code: truncation toward zero
    minutes = coords - deg
    return _PI * (deg + 5.0 * minutes / 3.0) / 180.0


@dataclass(frozen=True, slots=True, eq=False)
class TspProblem:
    """A symmetric TSP instance as the solvers see it.

    ``xy``: float64 ``[n, 2]`` (radians for GEO; ``[0, 2]`` for EXPLICIT); ``matrix``: float64
    ``[n, n]`` for EXPLICIT, ``[0, 0]`` otherwise. Cities are 0-based. ``origin`` is the
    TSPLIB instance it came from, if any (LKH then gets the file's own data).
    """

    kind: int
    xy: np.ndarray
    matrix: np.ndarray
    name: str = ""
    origin: object = None

    @property
    def n(self) -> int:
        return int(self.matrix.shape[0] if self.kind == EXPLICIT else self.xy.shape[0])

    @classmethod
    def euclidean(cls, points: np.ndarray, name: str = "") -> TspProblem:
        """Float Euclidean distances between ``points`` (``[n, 2]``): the game's metric."""
        return cls(EUCLID, np.ascontiguousarray(points, dtype=np.float64), np.zeros((0, 0)), name)

    @classmethod
    def explicit(cls, matrix: np.ndarray, name: str = "") -> TspProblem:
        m = np.ascontiguousarray(matrix, dtype=np.float64)
        return cls(EXPLICIT, np.zeros((0, 2)), m, name)

    @property
    def integral(self) -> bool:
        """Whether every distance is an integer (TSPLIB kinds)."""
        return self.kind != EUCLID and (self.kind != EXPLICIT or bool(np.all(self.matrix == np.round(self.matrix))))

    def d(self, i: int, j: int) -> float:
        return float(dist(self.kind, self.xy, self.matrix, int(i), int(j)))

    def length(self, tour: np.ndarray) -> float:
        """Length of a closed tour (a permutation of 0..n-1, unchecked)."""
        t = np.ascontiguousarray(tour, dtype=np.int64)
        return float(tour_length_kernel(self.kind, self.xy, self.matrix, t))

    def full_matrix(self) -> np.ndarray:
        """float64 ``[n, n]`` (memory n^2: meant for small n)."""
        if self.kind == EXPLICIT:
            return self.matrix
        return matrix_kernel(self.kind, self.xy, self.matrix, self.n)

    def neighbours(self, k: int) -> np.ndarray:
        """int64 ``[n, min(k, n-1)]``: each city's nearest cities, nearest first."""
        n = self.n
        if n < 2:  # one city (a TSPLIB file may say DIMENSION: 1) has no neighbour
            return np.zeros((n, 0), dtype=np.int64)
        k = max(1, min(k, n - 1))
        if self.kind in (EUCLID, EUC_2D, CEIL_2D, ATT):
            # These kinds are monotone in the Euclidean distance, so a k-d tree finds them.
            from scipy.spatial import cKDTree

            _, idx = cKDTree(self.xy).query(self.xy, k=min(n, k + 1))
            idx = np.atleast_2d(idx).astype(np.int64)
            out = np.empty((n, k), dtype=np.int64)
            for i in range(n):
                row = idx[i][idx[i] != i]  # duplicates may push i itself out of first place
                out[i] = row[:k]
            return out
        return _neighbours_by_scan(self.kind, self.xy, self.matrix, n, k)
