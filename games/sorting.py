"""Sorting as a one-player game: emit the indices of n numbers in ascending order of value.

``sorting:n=10`` samples 10 numbers uniform in [0,1] (the task of Vinyals et al., "Order
Matters"). Each action emits an index not yet emitted; the game ends when all n are
emitted. The value of a finished game is the share of positions holding the right value
(1.0 exactly when the order is ascending; equal values may come in either order).

State (float64, ``HEADER + 4n``): header, the numbers, the emitted indices (n slots), the
target order (``argsort``, n slots), an emitted flag per index.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from varena.engine.api import Kernels
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
    as_numbers,
    first_repeat,
    one_player as to_play,
    size_param,
    stored_outcome as outcome,
)

MAX_N = 10_000


@numba.njit(cache=True)
def step(state: np.ndarray, action: int, out: np.ndarray) -> None:
    """Emit index ``action``; after the n-th, score the order."""
    if out is not state:
        out[:] = state
    n = int(state[N])
    t = int(state[T])
    seq = HEADER + n
    out[seq + t] = action
    out[HEADER + 3 * n + action] = 1.0
    t += 1
    out[T] = t
    if t == n:
        tgt = HEADER + 2 * n
        right = 0
        for i in range(n):
            if state[HEADER + int(out[seq + i])] == state[HEADER + int(state[tgt + i])]:
                right += 1
        out[DONE] = 1.0
        out[VALUE] = right / n


@numba.njit(cache=True)
def legal_mask(state: np.ndarray, out: np.ndarray) -> None:
    n = int(state[N])
    done = state[DONE] != 0.0
    for i in range(n):
        out[i] = not done and state[HEADER + 3 * n + i] == 0.0


def sample(n: int, rng: np.random.Generator) -> np.ndarray:
    """float64 ``[n]``: n numbers uniform in [0, 1)."""
    return rng.random(n)


def reference(values: np.ndarray) -> np.ndarray:
    """int64 ``[n]``: indices in ascending order of value (stable ``numpy.argsort``)."""
    return np.argsort(as_numbers(values), kind="stable").astype(np.int64)


def check_order(solution: Any, n: int) -> np.ndarray:
    s = as_indices(solution, n, "order")
    rep = first_repeat(s)
    if rep >= 0:
        raise InvalidSolutionError(f"order: index {s[rep]} is repeated at position {rep}")
    if len(s) != n:
        raise InvalidSolutionError(f"order: {len(s)} indices given; expected all {n}")
    return s


def evaluate(values: np.ndarray, solution: Any, ref: Any = None) -> dict[str, float]:
    """Metrics: ``accuracy`` (1.0 iff the values come out ascending) and ``positions`` (share
    of positions holding the value the sorted order has there)."""
    v = as_numbers(values)
    s = check_order(solution, len(v))
    target = reference(v) if ref is None else check_order(ref, len(v))
    return {"accuracy": float(np.all(np.diff(v[s]) >= 0)),
            "positions": float(np.mean(v[s] == v[target]))}


class Sorting(PointGame):
    """Emit indices in ascending order of value; see the module doc."""

    name = "sorting"
    description = "sorting: emit the indices of n numbers in ascending order of value"
    params = (size_param(10, 2, MAX_N),)
    kernels = Kernels(step, legal_mask, outcome, to_play)
    item_dims = 1

    sample = staticmethod(sample)
    reference = staticmethod(reference)
    evaluate = staticmethod(evaluate)

    def __init__(self, n: int = 10) -> None:
        super().__init__(n=n)
        self.num_actions = self.n
        self.state_len = HEADER + 4 * self.n
        self.max_moves = self.n

    def state_of(self, instance: np.ndarray) -> np.ndarray:
        v = as_numbers(instance, low=2)
        self._check_n(v)
        s = self._new_state(v)
        n = self.n
        s[HEADER + n:HEADER + 2 * n] = -1.0
        s[HEADER + 2 * n:HEADER + 3 * n] = reference(v)
        s[TARGET_LEN] = n
        return s

    def emitted(self, state: np.ndarray) -> np.ndarray:
        return state[HEADER + self.n:HEADER + self.n + int(state[T])].astype(np.int64)

    def target(self, state: np.ndarray) -> np.ndarray:
        return state[HEADER + 2 * self.n:HEADER + 3 * self.n].astype(np.int64)

    def solution(self, state: np.ndarray) -> np.ndarray:
        """The order emitted, as :func:`evaluate` takes it."""
        return self.emitted(state)

    def history(self, state: np.ndarray) -> np.ndarray:
        return self.emitted(state)

    def solution_actions(self, solution: Any) -> np.ndarray:
        return check_order(solution, self.n)

    def _features(self, states: np.ndarray) -> np.ndarray:
        """[value, emitted, is the last emitted]."""
        b, n = len(states), self.n
        emitted = states[:, HEADER + 3 * n:HEADER + 4 * n]
        last = np.zeros((b, n))
        t = states[:, T].astype(np.int64)
        has = np.flatnonzero(t > 0)
        last[has, states[has, HEADER + n + t[has] - 1].astype(np.int64)] = 1.0
        return np.concatenate([self._items(states), emitted[..., None], last[..., None]], axis=2)

    def render(self, state: np.ndarray) -> str:
        seq = " ".join(str(i) for i in self.emitted(state))
        tail = f"\nscore {state[VALUE]:.4f}" if state[DONE] else ""
        return f"sorting n={self.n}: {seq or '(nothing emitted)'}{tail}"
