"""The travelling salesman problem as a one-player game: each action appends a city.

``tsp:n=50`` samples 50 cities uniform in [0,1]^2; distances are float Euclidean. The tour
starts at city 0 (already in the start state, as the Pointer Network's tours start at city
1), so the player chooses the other n-1 cities; the last choice is forced. The game ends
when every city is placed; its value is minus the closed tour's length.

State (float64, ``HEADER + 4n``): the common header (:mod:`varena.games.points`; ``VALUE`` holds the
length so far, closed at the end), the coordinates ``x0 y0 x1 y1 ...``, the tour (city
per position, -1 not yet placed), then a visited flag per city.

Module functions: :func:`sample`, :func:`reference` (Held-Karp up to n=13, else LKH via
elkai), :func:`evaluate` (length, reference length, gap), :func:`tour_length`.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

from varena.engine.api import Kernels
from varena.games.points import (
    DONE,
    HEADER,
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
)
from varena.games.tsp_distance import TspProblem
from varena.games.tsp_reference import reference_tour

MAX_N = 10_000


@numba.njit(cache=True)
def _d(state: np.ndarray, i: int, j: int) -> float:
    dx = state[HEADER + 2 * i] - state[HEADER + 2 * j]
    dy = state[HEADER + 2 * i + 1] - state[HEADER + 2 * j + 1]
    return math.sqrt(dx * dx + dy * dy)


@numba.njit(cache=True)
def step(state: np.ndarray, action: int, out: np.ndarray) -> None:
    """Append city ``action``; closes the tour after the n-th city. O(1) when out is state."""
    if out is not state:
        out[:] = state
    n = int(state[N])
    t = int(state[T])
    tour = HEADER + 2 * n
    prev = int(state[tour + t - 1])
    length = state[VALUE] + _d(state, prev, action)
    out[tour + t] = action
    out[tour + n + action] = 1.0
    t += 1
    if t == n:
        length += _d(state, action, int(state[tour]))
        out[DONE] = 1.0
    out[T] = t
    out[VALUE] = length


@numba.njit(cache=True)
def legal_mask(state: np.ndarray, out: np.ndarray) -> None:
    n = int(state[N])
    visited = HEADER + 3 * n
    done = state[DONE] != 0.0
    for i in range(n):
        out[i] = not done and state[visited + i] == 0.0


@numba.njit(cache=True)
def outcome(state: np.ndarray) -> tuple[bool, float]:
    if state[DONE] != 0.0:
        return True, -state[VALUE]
    return False, 0.0


@numba.njit(cache=True)
def playout(state: np.ndarray, seed: int) -> float:
    """Append the unvisited cities in random order; returns minus the tour length."""
    np.random.seed(seed)
    n = int(state[N])
    visited = HEADER + 3 * n
    rest = np.empty(n, dtype=np.int64)
    m = 0
    for i in range(n):
        if state[visited + i] == 0.0:
            rest[m] = i
            m += 1
    for k in range(m - 1, 0, -1):
        r = np.random.randint(0, k + 1)
        rest[k], rest[r] = rest[r], rest[k]
    for k in range(m):
        step(state, rest[k], state)
    return -state[VALUE]


def sample(n: int, rng: np.random.Generator) -> np.ndarray:
    """float64 ``[n, 2]``: n cities uniform in the unit square."""
    return sample_points(n, rng)


def tour_length(points: np.ndarray, tour: np.ndarray) -> float:
    """Length of the closed tour ``tour`` through ``points`` (float Euclidean)."""
    return TspProblem.euclidean(as_points(points)).length(np.asarray(tour, dtype=np.int64))


def check_tour(tour: Any, n: int) -> np.ndarray:
    """``tour`` as int64 ``[n]`` (a closing repeat of the first city is dropped) or a clear error."""
    t = as_indices(tour, n, "tour")
    if len(t) == n + 1 and t[0] == t[-1]:
        t = t[:-1]
    rep = first_repeat(t)
    if rep >= 0:
        raise InvalidSolutionError(f"tour: city {t[rep]} is visited twice (positions "
                                   f"{int(np.flatnonzero(t == t[rep])[0])} and {rep})")
    if len(t) != n:
        missing = sorted(set(range(n)) - set(t.tolist()))[:5]
        raise InvalidSolutionError(f"tour: visits {len(t)} of {n} cities; not a tour "
                                   f"(missing e.g. {missing})")
    return t


def reference(points: np.ndarray, runs: int = 1, seed: int = 1) -> np.ndarray:
    """A reference tour (int64 ``[n]``, from city 0): exact Held-Karp for n <= 13, else LKH-3.

    LKH needs the optional package elkai; without it this raises MissingDependencyError.
    """
    pts = as_points(points, low=3)
    return reference_tour(TspProblem.euclidean(pts), runs=runs, seed=seed)


def evaluate(points: np.ndarray, tour: Any, ref: Any = None) -> dict[str, float]:
    """Metrics of ``tour``: ``length``, ``reference_length`` and ``gap`` (length / ref - 1).

    ``ref`` is a reference tour, a reference length, or None to compute one (:func:`reference`).
    """
    pts = as_points(points, low=3)
    t = check_tour(tour, len(pts))
    length = tour_length(pts, t)
    if ref is None:
        ref = reference(pts)
    ref = float(ref) if np.ndim(ref) == 0 else tour_length(pts, check_tour(ref, len(pts)))
    return {"length": length, "reference_length": ref, "gap": length / ref - 1.0 if ref > 0 else 0.0}


class Tsp(PointGame):
    """Travelling salesman on n random cities; see the module doc for the state layout."""

    name = "tsp"
    description = "travelling salesman: append cities to a tour from city 0; value = -length"
    params = (size_param(20, 3, MAX_N),)
    kernels = Kernels(step, legal_mask, outcome, to_play, playout)
    square_symmetries = 8  # lengths and city indices survive every symmetry of the square

    sample = staticmethod(sample)
    reference = staticmethod(reference)
    evaluate = staticmethod(evaluate)

    def __init__(self, n: int = 20) -> None:
        super().__init__(n=n)
        self.num_actions = self.n
        self.state_len = HEADER + 4 * self.n
        self.max_moves = self.n - 1

    def state_of(self, instance: np.ndarray) -> np.ndarray:
        pts = as_points(instance, low=3)
        self._check_n(pts)
        s = self._new_state(pts)
        tour = HEADER + 2 * self.n
        s[tour:tour + self.n] = -1.0
        s[tour] = 0.0
        s[tour + self.n] = 1.0  # city 0 visited
        s[T] = 1.0
        return s

    def tour(self, state: np.ndarray) -> np.ndarray:
        """int64: the cities placed so far, in order (all n once the game is over)."""
        t = int(state[T])
        base = HEADER + 2 * self.n
        return state[base:base + t].astype(np.int64)

    def solution(self, state: np.ndarray) -> np.ndarray:
        """The tour of a finished game, as :func:`evaluate` takes it."""
        return self.tour(state)

    def history(self, state: np.ndarray) -> np.ndarray:
        return self.tour(state)[1:]

    def solution_actions(self, solution: Any) -> np.ndarray:
        """A tour (any rotation) as actions: the cities after city 0, where every game starts."""
        tour = check_tour(solution, self.n)
        return np.roll(tour, -int(np.flatnonzero(tour == 0)[0]))[1:]

    def _features(self, states: np.ndarray) -> np.ndarray:
        """[x, y, visited, is city 0, is the current (last placed) city]."""
        b, n = len(states), self.n
        xy = self._items(states)
        visited = states[:, HEADER + 3 * n:HEADER + 4 * n]
        start = np.zeros((b, n))
        start[:, 0] = 1.0
        current = np.zeros((b, n))
        last = states[np.arange(b), (HEADER + 2 * n + states[:, T] - 1).astype(np.int64)].astype(np.int64)
        current[np.arange(b), last] = 1.0
        return np.concatenate([xy, visited[..., None], start[..., None], current[..., None]], axis=2)

    def render(self, state: np.ndarray) -> str:
        tour = " ".join(str(c) for c in self.tour(state))
        done = bool(state[DONE])
        what = "tour length" if done else "length so far"
        return f"tsp n={self.n}: {tour}{' (closed)' if done else ''}\n{what}: {state[VALUE]:.6f}"

    def result_text(self, state: np.ndarray) -> str:
        return f"tour length {state[VALUE]:.6f}" if state[DONE] else "unfinished tour"
