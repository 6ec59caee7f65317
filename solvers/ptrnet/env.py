"""A batch of problem-game states that a pointer network decodes, stepped by the game's kernels.

The decoder never decides legality itself: after every step the game's own ``legal_mask``
kernel (compiled once per game into one Numba loop over the batch) writes the masks the
next step samples from, so every output is valid for the game by construction.

Per problem (:class:`ProblemInfo`): how many actions a state offers (``n`` cities, or
``n`` points plus ``end``), the tokens a start state already holds (TSP: city 0), how a
reference solution becomes an action sequence (the label), and whether the objective can be
read without the referee's answer (TSP's length can; a hull's score needs the true hull, so
best-of-K and beam search choose hulls and triangulations by the model's likelihood).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
from numba import types
from numba.experimental.function_type import _get_wrapper_address

from varena.engine.api import Game
from varena.engine.errors import SpecError
from varena.games.points import DONE, HEADER, VALUE, N, T

_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class ProblemInfo:
    """What the pointer networks need to know about a problem game.

    - ``has_end``: actions are ``0..n-1`` and ``n`` = end (hull, Delaunay); else ``0..n-1``.
    - ``prefix``: tokens already in every start state (TSP's city 0).
    - ``objective_known``: the game's value of a finished state is computable from the
      instance alone (TSP), so decoders may pick the best of several candidates by it.
    - ``item_dims``: floats per item (2 for points, 1 for numbers).
    """

    name: str
    has_end: bool
    prefix: tuple[int, ...]
    objective_known: bool
    item_dims: int


PROBLEMS = {
    "tsp": ProblemInfo("tsp", False, (0,), True, 2),
    "convex_hull": ProblemInfo("convex_hull", True, (), False, 2),
    "delaunay": ProblemInfo("delaunay", True, (), False, 2),
    "sorting": ProblemInfo("sorting", False, (), False, 1),
}


def problem_info(game: Game) -> ProblemInfo:
    info = PROBLEMS.get(game.name)
    if info is None:
        raise SpecError(f"ptrnet: game {game.name!r} is not a problem it "
                        f"plays; accepted: {', '.join(PROBLEMS)}")
    return info


def _advance_py(states, actions, active, masks, done, step, legal_mask):  # pragma: no cover
    """Step every active row by its action, then refresh its mask and done flag."""
    for b in range(states.shape[0]):
        if active[b]:
            step(states[b], actions[b], states[b])
            legal_mask(states[b], masks[b])
            done[b] = states[b, DONE] != 0.0


def _refresh_py(states, masks, done, legal_mask):  # pragma: no cover - compiled by Numba
    for b in range(states.shape[0]):
        legal_mask(states[b], masks[b])
        done[b] = states[b, DONE] != 0.0


class _Address(types.WrapperAddressProtocol):
    """A compiled kernel handed to the batch loops by address (see :func:`_compiled`)."""

    def __init__(self, disp: Any, sig: Any) -> None:
        self.disp, self.sig = disp, sig  # keeps the compiled code alive
        self.address = _get_wrapper_address(disp, sig)

    def __wrapper_address__(self) -> int:
        return self.address

    def signature(self) -> Any:
        return self.sig


_ENTRIES: dict[tuple[str, str], Any] = {}


def _compiled(game: Game) -> tuple[Any, Any, _Address, _Address]:
    """The batch loops, compiled once per machine, and the game's step and mask kernels.

    The loops take the kernels as first-class function types of their signatures (not as
    the dispatchers themselves, whose type is keyed by identity and would defeat Numba's
    on-disk cache, recompiling for seconds in every process)."""
    kern = game.kernels
    if kern is None or not isinstance(kern.step, numba.core.registry.CPUDispatcher):
        raise SpecError(f"ptrnet: game {game.spec!r} has no compiled kernels")
    arr = types.float64[::1]
    mask = types.boolean[::1]
    kern.step.compile((arr, types.int64, arr))
    kern.legal_mask.compile((arr, mask))
    step_sig = kern.step.overloads[(arr, types.int64, arr)].signature
    mask_sig = kern.legal_mask.overloads[(arr, mask)].signature
    key = (str(step_sig), str(mask_sig))
    with _LOCK:
        if key not in _ENTRIES:
            s2, b1, b2 = types.float64[:, ::1], types.boolean[::1], types.boolean[:, ::1]
            ft_step, ft_mask = types.FunctionType(step_sig), types.FunctionType(mask_sig)
            _ENTRIES[key] = (
                numba.njit((s2, types.int64[::1], b1, b2, b1, ft_step, ft_mask), cache=True)(_advance_py),
                numba.njit((s2, b2, b1, ft_mask), cache=True)(_refresh_py))
    advance, refresh = _ENTRIES[key]
    return advance, refresh, _Address(kern.step, step_sig), _Address(kern.legal_mask, mask_sig)


class BatchEnv:
    """``B`` states of one configured problem game, advanced together.

    ``states`` float64 ``[B, state_len]``; ``masks`` bool ``[B, A]`` (A = ``num_actions``);
    ``done`` bool ``[B]``. Rows that are done are never stepped again.
    """

    def __init__(self, game: Game, states: np.ndarray) -> None:
        self.game = game
        self.info = problem_info(game)
        self._advance, refresh, self._step, self._legal = _compiled(game)
        self.states = np.ascontiguousarray(np.atleast_2d(states), dtype=np.float64).copy()
        b = len(self.states)
        self.masks = np.zeros((b, game.num_actions), dtype=np.bool_)
        self.done = np.zeros(b, dtype=np.bool_)
        refresh(self.states, self.masks, self.done, self._legal)

    @property
    def size(self) -> int:
        return len(self.states)

    def step(self, actions: np.ndarray) -> None:
        """Play ``actions`` (int64 ``[B]``) in the rows that are not done (others ignore theirs)."""
        actions = np.ascontiguousarray(actions, dtype=np.int64)
        active = ~self.done
        rows = np.flatnonzero(active)
        if rows.size and not self.masks[rows, actions[rows]].all():
            bad = rows[~self.masks[rows, actions[rows]]][0]
            raise ValueError(f"ptrnet: action {actions[bad]} is not legal in row {bad}")
        self._advance(self.states, actions, active, self.masks, self.done, self._step, self._legal)

    def take(self, index: np.ndarray) -> None:
        """Keep rows ``index`` (with repeats: beam search reorders and copies its beams)."""
        self.states = self.states[index]
        self.masks = self.masks[index]
        self.done = self.done[index]

    def values(self) -> np.ndarray:
        """float64 ``[B]``: the game's value of each finished row (TSP: minus the length)."""
        v = self.states[:, VALUE].copy()
        return -v if self.info.name == "tsp" else v

    def emitted_steps(self) -> np.ndarray:
        return self.states[:, T].astype(np.int64)

    @property
    def all_done(self) -> bool:
        return bool(self.done.all())


def start_states(game: Game, states: np.ndarray) -> np.ndarray:
    """The start state of each state's instance (for re-planning from the beginning)."""
    states = np.atleast_2d(states)
    return np.stack([game.state_of(game.instance(s)) for s in states])


def instances(game: Game, states: np.ndarray) -> np.ndarray:
    """float32 ``[B, n, item_dims]``: the items of each state (what the encoder reads)."""
    states = np.atleast_2d(states)
    n = int(states[0, N])
    d = problem_info(game).item_dims
    return states[:, HEADER:HEADER + d * n].reshape(len(states), n, d).astype(np.float32)


def label_actions(game: Game, reference: np.ndarray) -> np.ndarray:
    """The action sequence that plays ``reference`` (the game's reference solution).

    TSP: the tour after city 0, oriented counter-clockwise (the paper's label order);
    hull and Delaunay: the indices then ``end``; sorting: the order itself.
    """
    ref = np.asarray(reference, dtype=np.int64)
    name = problem_info(game).name
    if name == "tsp":
        return ref[1:]
    if name in ("convex_hull", "delaunay"):
        return np.append(ref.reshape(-1), game.n)
    return ref


def ccw_tour(points: np.ndarray, tour: np.ndarray) -> np.ndarray:
    """``tour`` from city 0, turned counter-clockwise (positive signed area) if it is not."""
    tour = np.roll(np.asarray(tour, dtype=np.int64), -int(np.flatnonzero(np.asarray(tour) == 0)[0]))
    p = points[tour]
    area = float(np.sum(p[:, 0] * np.roll(p[:, 1], -1) - np.roll(p[:, 0], -1) * p[:, 1]))
    if area < 0:
        tour = np.concatenate([tour[:1], tour[1:][::-1]])
    return tour


def is_done(states: np.ndarray) -> np.ndarray:
    return np.atleast_2d(states)[:, DONE] != 0.0
