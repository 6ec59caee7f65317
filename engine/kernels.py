"""A game's kernels as the compiled searches take them, and calling those searches.

Shared by the tree search (:mod:`varena.engine.mcts`) and alpha-beta
(:mod:`varena.solvers.negamax`), so neither reaches into the other's package.

A search entry point is a plain Python function whose last seven arguments are an abort
flag and the game's six kernels (``abort, step, legal_mask, outcome, to_play, playout,
heuristic``). For a game with compiled kernels it is compiled with an explicit signature
in which each kernel is a Numba first-class function type (``FunctionType``) of the
kernel's exact signature, not the ``Dispatcher`` type of that particular function. Why: a
``Dispatcher`` type is keyed by the object's identity, so Numba's cache never hits across
processes (and its index grows on every run); a ``FunctionType`` is keyed by the
signature, so the search compiles once per machine and per state dtype and later
processes load it from the cache in well under a second. A game of a dtype the built-in
games do not use is searched in one they do (:mod:`varena.engine.compiling`), so it does
not compile a search of its own. The price is an indirect call
per kernel call, which measured no slower here.

Errors inside kernels: a kernel called through its address cannot propagate an exception;
Numba reports it through ``sys.unraisablehook`` and returns garbage. :func:`call` installs
a hook for the duration of the call that records the error and sets ``abort[0]``, which
the entry points' loops check once per simulation (or search node), then raises
:class:`KernelError` naming the game, the kernel and the message.

A game without kernels (plain Python) gets Python adapters of its methods and the entry
point runs as its pure-Python twin (:mod:`varena.engine.interpreted`): the same code, slower.

Missing optional kernels (``playout``, ``heuristic``) are replaced by typed stubs and a
flag, so the signature stays the same for every game of a dtype.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np
from numba import types
from numba.core.typing.typeof import typeof_impl
from numba.experimental.function_type import _get_wrapper_address

from varena.engine.api import Game
from varena.engine.compiling import notice, search_dtype
from varena.engine.errors import KernelError, VarenaError

log = logging.getLogger("varena.kernels")

ROLES = ("step", "legal_mask", "outcome", "to_play", "playout", "heuristic")

_LOCK = threading.Lock()
_ENTRY_CACHE: dict[tuple, Any] = {}
#: How a compile notice names the search an entry point belongs to, by module.
_WHAT = {"varena.engine.mcts.batched": "the tree search",
         "varena.solvers.negamax": "alpha-beta"}


@numba.njit(cache=True)
def _no_playout(state, seed):  # pragma: no cover - stub, never called when flagged absent
    return 0.0


@numba.njit(cache=True)
def _no_heuristic(state):  # pragma: no cover - stub, never called when flagged absent
    return 0.0


@dataclass(frozen=True, slots=True)
class GameFunctions:
    """A game's kernels ready to pass to specialised searches.

    - ``fns``: (step, legal_mask, outcome, to_play, playout, heuristic) as
      :class:`KernelAddress` objects (Python adapters for a plain-Python game), stubs
      standing in for the missing optional ones.
    - ``fn_types``: the matching Numba ``FunctionType`` of each (empty when ``python``).
    - ``has_playout`` / ``has_heuristic``: whether the game gave those kernels.
    - ``python``: the game has no compiled kernels; entry points run interpreted.
    - ``abort``: int8 ``[1]``, set when a kernel raised during a call (one per user).
    - ``spec`` and ``names``: the game's spec and, per kernel, its Python function's
      (file, name), to say which kernel raised.
    - ``state_dtype``: the dtype the searches hold states in and the kernels were compiled
      for (:func:`varena.engine.compiling.search_dtype`); ``game_dtype`` the game's own
      (they differ for a game of a dtype the built-in games do not use: states are
      converted at the search's boundary, so no search is compiled for it).
    """

    fns: tuple
    fn_types: tuple
    has_playout: bool
    has_heuristic: bool
    state_dtype: np.dtype
    python: bool = False
    spec: str = ""
    names: dict = field(default_factory=dict)
    abort: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int8))
    game_dtype: np.dtype | None = None

    def for_game(self, states: np.ndarray) -> np.ndarray:
        """``states`` (in :attr:`state_dtype`) in the game's own dtype."""
        if self.game_dtype is None or self.game_dtype == states.dtype:
            return states
        return states.astype(self.game_dtype)


class KernelAddress(types.WrapperAddressProtocol):
    """A compiled kernel as Numba's wrapper-address protocol: its address is looked up once.

    Passing the dispatcher itself would make Numba look the address up on every call of a
    search entry point (~0.1 ms per kernel), which would dominate a simulation step.
    """

    def __init__(self, disp: Any, sig: Any) -> None:
        self.disp = disp  # keeps the compiled code alive
        self.sig = sig
        self.address = _get_wrapper_address(disp, sig)
        self.fn_type = types.FunctionType(sig)

    def __wrapper_address__(self) -> int:
        return self.address

    def signature(self) -> Any:
        return self.sig


@typeof_impl.register(KernelAddress)
def _typeof_kernel(val: KernelAddress, c: Any) -> types.FunctionType:
    # Numba's generic typing of a wrapper-address object builds a new FunctionType at every
    # call of an entry point (~0.2 ms for six kernels: a sixth of a network search's step)
    return val.fn_type


def _kernel(disp: Any, argtypes: tuple, name: str) -> tuple[KernelAddress, types.FunctionType]:
    if not isinstance(disp, numba.core.registry.CPUDispatcher):
        raise VarenaError(f"kernel {name} is not a numba.njit function (got {type(disp).__name__})")
    disp.compile(argtypes)
    address = KernelAddress(disp, disp.overloads[argtypes].signature)
    return address, address.fn_type


def _python_kernels(game: Game) -> tuple:
    """The contract's Python methods in the kernels' calling convention."""

    def step(state, action, out):
        out[:] = game.next_state(state, int(action))

    def legal_mask(state, out):
        out[:] = game.legal_mask(state)

    def outcome(state):
        done, value = game.outcome(state)
        return bool(done), float(value)

    def to_play(state):
        return int(game.to_play(state))

    def no_playout(state, seed):  # pragma: no cover - never called when flagged absent
        return 0.0

    def no_heuristic(state):  # pragma: no cover - never called when flagged absent
        return 0.0

    return step, legal_mask, outcome, to_play, no_playout, no_heuristic


def game_functions(game: Game) -> GameFunctions:
    """The kernels of ``game`` as first-class functions (Python adapters without kernels)."""
    kern = game.kernels
    own = np.dtype(game.state_dtype)
    if kern is None:
        return GameFunctions(_python_kernels(game), (), False, False, own, python=True,
                             spec=game.spec, game_dtype=own)
    dtype = search_dtype(game)
    arr = numba.from_dtype(dtype)[::1]
    mask = types.boolean[::1]
    playout = kern.playout if kern.playout is not None else _no_playout
    heuristic = kern.heuristic if kern.heuristic is not None else _no_heuristic
    disps = (kern.step, kern.legal_mask, kern.outcome, kern.to_play, playout, heuristic)
    with _LOCK, notice(f"the kernels of {game.spec} for {dtype} states"):
        pairs = (
            _kernel(kern.step, (arr, types.int64, arr), "step"),
            _kernel(kern.legal_mask, (arr, mask), "legal_mask"),
            _kernel(kern.outcome, (arr,), "outcome"),
            _kernel(kern.to_play, (arr,), "to_play"),
            _kernel(playout, (arr, types.int64), "playout"),
            _kernel(heuristic, (arr,), "heuristic"),
        )
    names = {(d.py_func.__code__.co_filename, d.py_func.__name__): role
             for role, d in zip(ROLES, disps, strict=True)}
    return GameFunctions(tuple(p[0] for p in pairs), tuple(p[1] for p in pairs),
                         kern.playout is not None, kern.heuristic is not None, dtype,
                         spec=game.spec, names=names, game_dtype=own)


def specialise(py_func: Callable, args: tuple, gf: GameFunctions, *, parallel: bool = False) -> Any:
    """``py_func`` compiled for the types of ``args``, the abort flag and the kernels of ``gf``
    (its pure-Python twin for a game without kernels). Memoised per process; cached on disk
    per signature."""
    if gf.python:
        from varena.engine.interpreted import twin

        return twin(py_func)
    sig = tuple(numba.typeof(a) for a in args) + (numba.typeof(gf.abort),) + gf.fn_types
    key = (py_func, sig, parallel)
    with _LOCK:
        disp = _ENTRY_CACHE.get(key)
        if disp is None:
            log.debug("compiling %s for %s", py_func.__name__, gf.state_dtype)
            with notice(f"{_WHAT.get(py_func.__module__, py_func.__module__)} for "
                        f"{gf.state_dtype} states"):
                disp = numba.njit(sig, cache=True, parallel=parallel, nogil=True)(py_func)
            _ENTRY_CACHE[key] = disp
    return disp


def call(py_func: Callable, args: tuple, gf: GameFunctions, *, parallel: bool = False,
         memo: dict | None = None) -> Any:
    """Compile (or fetch) ``py_func`` for these argument types and call it.

    ``memo`` (a dict owned by the caller, whose argument types never change) skips the
    type inference of ``args`` on later calls: typing a Tree takes ~0.3 ms, which would
    dominate a simulation step around a network evaluator. Raises :class:`KernelError`
    when a kernel raised during the call.
    """
    if memo is None:
        disp = specialise(py_func, args, gf, parallel=parallel)
    else:
        disp = memo.get(py_func)
        if disp is None:
            disp = memo[py_func] = specialise(py_func, args, gf, parallel=parallel)
    if gf.python:
        with np.errstate(over="ignore"):  # the random streams wrap around on purpose
            return disp(*args, gf.abort, *gf.fns)
    gf.abort[0] = 0
    errors: list = []
    _watch(gf, errors)
    try:
        out = disp(*args, gf.abort, *gf.fns)
    finally:
        _unwatch(gf)
    if errors:
        raise _kernel_error(gf, errors) from None
    return out


# -- errors inside kernels ------------------------------------------------------------------------
_WATCHED: dict[int, tuple[GameFunctions, list]] = {}
_previous_hook: Any = None


def _hook(unraisable: Any) -> None:
    # Numba's wrappers report with a string object naming its context
    obj = unraisable.object
    if _WATCHED and isinstance(obj, str) and obj.startswith("<numba"):
        for gf, errors in list(_WATCHED.values()):
            gf.abort[0] = 1
            errors.append((unraisable.exc_type, unraisable.exc_value, unraisable.exc_traceback))
        return
    (_previous_hook or sys.__unraisablehook__)(unraisable)


def _watch(gf: GameFunctions, errors: list) -> None:
    global _previous_hook
    with _LOCK:
        if not _WATCHED:
            _previous_hook = sys.unraisablehook
            sys.unraisablehook = _hook
        _WATCHED[id(gf)] = (gf, errors)


def _unwatch(gf: GameFunctions) -> None:
    with _LOCK:
        _WATCHED.pop(id(gf), None)
        if not _WATCHED and sys.unraisablehook is _hook:
            sys.unraisablehook = _previous_hook


def _kernel_error(gf: GameFunctions, errors: list) -> KernelError:
    exc_type, exc, tb = errors[0]
    frames = traceback.extract_tb(tb) if tb is not None else []
    role = next((gf.names[(f.filename, f.name)] for f in reversed(frames)
                 if (f.filename, f.name) in gf.names), None)
    where = f" (in {frames[-1].name}, {frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    what = f"kernel {role}" if role else "a kernel"
    more = f"; {len(errors) - 1} more kernel errors" if len(errors) > 1 else ""
    return KernelError(f"game {gf.spec!r}: {what} raised {exc_type.__name__}: {exc}{where}; "
                       f"the search stopped{more}")


def set_threads(threads: int) -> int:
    """Use ``threads`` Numba threads (clipped to what Numba started with); return the count."""
    n = max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS))
    numba.set_num_threads(n)
    return n
