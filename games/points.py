"""What the one-player problems on a set of items (TSP, convex hull, Delaunay, sorting) share.

Each problem is a game whose instance is ``n`` items (points uniform in [0,1]^2, or numbers
uniform in [0,1]) and whose actions emit a solution one index at a time. Every state is a flat
float64 vector that starts with the same header:

- ``state[N]``: n; ``state[T]``: number of actions emitted so far;
- ``state[DONE]``: 1.0 once the game is over; ``state[VALUE]``: the final objective
  (TSP: the tour length so far, for the others the score of the finished solution);
- ``state[TARGET_LEN]``: length of the referee's answer (hull, Delaunay, sorting);
- then the instance (x0, y0, x1, y1, ... or the numbers), then per-game sections.

Hull, Delaunay and sorting store the referee's answer (computed once when the instance
enters a state) in a section of the state, so that their kernels score a finished solution
in O(n) without a geometry library. Networks never see it: :meth:`PointGame.tokens` encodes
only the instance and the partial solution.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numba
import numpy as np

from varena.engine.api import NumbaGame, Problem, Tokens
from varena.engine.errors import VarenaError
from varena.engine.params import Param

HEADER = 8
N, T, DONE, VALUE, TARGET_LEN = 0, 1, 2, 3, 4


@numba.njit(cache=True)
def stored_outcome(state: np.ndarray) -> tuple[bool, float]:
    """The ``outcome`` kernel of problems whose step writes the final score in the header."""
    if state[DONE] != 0.0:
        return True, state[VALUE]
    return False, 0.0


@numba.njit(cache=True)
def one_player(state: np.ndarray) -> int:
    """The ``to_play`` kernel of every one-player problem."""
    return 0


class InvalidInstanceError(VarenaError, ValueError):
    """A problem instance has the wrong shape, type or values."""


class InvalidSolutionError(VarenaError, ValueError):
    """A solution is not of the required form (a non-tour, a repeated index, a non-triangle)."""


def sample_points(n: int, rng: np.random.Generator) -> np.ndarray:
    """float64 ``[n, 2]``: points uniform in the unit square."""
    return rng.random((n, 2))


def as_points(points: Any, low: int = 1) -> np.ndarray:
    """``points`` as float64 ``[n, 2]`` with n >= ``low`` and finite values, or a clear error."""
    a = np.asarray(points, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 2:
        raise InvalidInstanceError(f"points must be an array [n, 2]; got shape {a.shape}")
    if a.shape[0] < low:
        raise InvalidInstanceError(f"need at least {low} points; got {a.shape[0]}")
    if not np.isfinite(a).all():
        raise InvalidInstanceError("points must be finite numbers")
    return a


def as_numbers(values: Any, low: int = 1) -> np.ndarray:
    """``values`` as a float64 vector of at least ``low`` finite numbers, or a clear error."""
    a = np.asarray(values, dtype=np.float64)
    if a.ndim != 1 or a.size < low:
        raise InvalidInstanceError(f"need a vector of at least {low} numbers; got shape {a.shape}")
    if not np.isfinite(a).all():
        raise InvalidInstanceError("numbers must be finite")
    return a


def as_indices(solution: Any, n: int, what: str) -> np.ndarray:
    """``solution`` as an int64 vector of indices in 0..n-1, or InvalidSolutionError."""
    try:
        a = np.asarray(solution)
    except Exception as exc:  # ragged lists and other non-arrays
        raise InvalidSolutionError(f"{what}: not a sequence of indices ({exc})") from None
    if a.ndim != 1:
        raise InvalidSolutionError(f"{what}: expected a flat sequence of indices; got shape {a.shape}")
    if a.size and not (np.issubdtype(a.dtype, np.integer)
                       or (np.issubdtype(a.dtype, np.floating) and np.all(a == np.round(a)))):
        raise InvalidSolutionError(f"{what}: indices must be integers; got {a.dtype}")
    a = a.astype(np.int64)
    bad = np.flatnonzero((a < 0) | (a >= n))
    if bad.size:
        raise InvalidSolutionError(
            f"{what}: index {a[bad[0]]} at position {bad[0]} is out of range; accepted: 0..{n - 1}")
    return a


def first_repeat(a: np.ndarray) -> int:
    """Position of the first index that occurs earlier in ``a``, or -1."""
    seen: set[int] = set()
    for i, x in enumerate(a.tolist()):
        if x in seen:
            return i
        seen.add(x)
    return -1


def unique_representatives(points: np.ndarray) -> np.ndarray:
    """int64 ``[n]``: for each point the lowest index of a point at the same coordinates."""
    _, first, inverse = np.unique(points, axis=0, return_index=True, return_inverse=True)
    return first[inverse.reshape(-1)].astype(np.int64)


def dihedral(xy: np.ndarray, k: int) -> np.ndarray:
    """Symmetry ``k`` (0..7) of the unit square applied to coordinates ``[..., 2]``.

    ``k >= 4`` first mirrors x; then ``k % 4`` quarter turns about the centre (0.5, 0.5).
    """
    if not 0 <= k < 8:
        raise ValueError(f"symmetry {k} out of range 0..7")
    x, y = xy[..., 0].copy(), xy[..., 1].copy()
    if k >= 4:
        x = 1.0 - x
    for _ in range(k % 4):
        x, y = 1.0 - y, x
    return np.stack([x, y], axis=-1)


def size_param(default: int, low: int, high: int) -> Param:
    """The ``n`` parameter every problem declares."""
    return Param("n", int, default, "number of items (points, numbers) of an instance", low, high)


class PointGame(Problem, NumbaGame):
    """Base of the problems: the size parameter, sampling, the instance codec and tokens.

    A subclass sets ``name``, ``kernels``, ``params`` (with :func:`size_param`) and implements
    the rest of :class:`varena.engine.api.Problem` (``state_of``, ``solution``, ``history``,
    ``solution_actions``) and :meth:`_features` (per-item token features). ``sample``,
    ``reference`` and ``evaluate`` are the module functions of the problem, attached as
    static methods.
    """

    num_players = 1
    state_dtype = np.dtype(np.float64)
    #: Bounds of every token feature (instances are sampled in the unit square / interval).
    feature_range = (0.0, 1.0)
    #: Floats per item in the state: 2 for points, 1 for numbers.
    item_dims: ClassVar[int] = 2
    #: Symmetries of the unit square that keep every action's meaning (see ``dihedral``).
    square_symmetries: ClassVar[int] = 1

    def __init__(self, n: int | None = None, **config: Any) -> None:
        size = next(p for p in self.params if p.name == "n")
        n = size.convert(size.default if n is None else n, f"game {self.name!r}")
        super().__init__(n=n, **config)
        self.n = n
        self.num_symmetries = self.square_symmetries

    # -- instances and states ---------------------------------------------------------------
    def initial_state(self, rng: np.random.Generator | None = None) -> np.ndarray:
        rng = np.random.default_rng() if rng is None else rng
        return self.state_of(self.sample(self.n, rng))

    def instance(self, state: np.ndarray) -> np.ndarray:
        """The instance held by ``state``: float64 ``[n, 2]`` points or ``[n]`` numbers."""
        n = int(state[N])
        data = np.asarray(state[HEADER:HEADER + self.item_dims * n], dtype=np.float64)
        return data.reshape(n, 2).copy() if self.item_dims == 2 else data.copy()

    def _check_n(self, instance: np.ndarray) -> None:
        if len(instance) != self.n:
            raise InvalidInstanceError(f"{self.spec}: the instance has {len(instance)} items, "
                                       f"this game is configured for n={self.n}")

    def _new_state(self, data: np.ndarray) -> np.ndarray:
        s = np.zeros(self.state_len, dtype=np.float64)
        s[N] = self.n
        flat = np.asarray(data, dtype=np.float64).reshape(-1)
        s[HEADER:HEADER + flat.size] = flat
        return s

    # -- presentation -----------------------------------------------------------------------
    def player_name(self, player: int) -> str:
        return "Solver"

    def result_text(self, state: np.ndarray) -> str:
        done, value = self.outcome(state)
        return f"score {value:.6g}" if done else "unfinished"

    # -- network encoding and symmetries ----------------------------------------------------
    def tokens(self, states: np.ndarray) -> Tokens:
        """One token per item; features = the item's data then per-game solution flags.

        ``positions`` is None (coordinates are features); action ``i < n`` points at token
        ``i``, an end action has no token (-1). ``globals`` = [n / 100, fraction emitted].
        """
        states = np.atleast_2d(np.asarray(states, dtype=np.float64))
        feats = self._features(states).astype(np.float32)
        action_tokens = np.full(self.num_actions, -1, dtype=np.int64)
        action_tokens[: self.n] = np.arange(self.n)
        frac = states[:, T] / max(1, self.max_moves)
        glob = np.stack([np.full(len(states), self.n / 100.0), frac], axis=1).astype(np.float32)
        return Tokens(feats, None, action_tokens, glob)

    def _features(self, states: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _items(self, states: np.ndarray) -> np.ndarray:
        """float64 ``[B, n, item_dims]``: the instance part of a batch of states."""
        return states[:, HEADER:HEADER + self.item_dims * self.n].reshape(len(states), self.n, self.item_dims)

    def transform_states(self, states: np.ndarray, k: int) -> np.ndarray:
        if not 0 <= k < self.num_symmetries:
            raise ValueError(f"symmetry {k} out of range 0..{self.num_symmetries - 1}")
        out = np.array(states, dtype=np.float64, copy=True)
        if k:
            flat = out.reshape(-1, self.state_len)
            xy = flat[:, HEADER:HEADER + 2 * self.n].reshape(len(flat), self.n, 2)
            flat[:, HEADER:HEADER + 2 * self.n] = dihedral(xy, k).reshape(len(flat), -1)
        return out

    def action_permutation(self, k: int) -> np.ndarray:
        if not 0 <= k < self.num_symmetries:
            raise ValueError(f"symmetry {k} out of range 0..{self.num_symmetries - 1}")
        return np.arange(self.num_actions)
