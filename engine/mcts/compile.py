"""Specialising compiled searches to a game's kernels, with on-disk caching.

A search entry point is a plain Python function whose last arguments are the game's six
kernels. It is compiled with an explicit signature in which each kernel is a Numba
first-class function type (``FunctionType``) of the kernel's exact signature, not the
``Dispatcher`` type of that particular function. Why: a ``Dispatcher`` type is keyed by the
object's identity, so Numba's cache never hits across processes (and its index grows on
every run); a ``FunctionType`` is keyed by the signature, so the search compiles once per
machine and per state dtype and later processes load it from the cache in well under a
second. The price is an indirect call per kernel call, which measured no slower here
(kernels do real work; the search's own loop is what inlining would help, and it is ours).

Missing optional kernels (``playout``, ``heuristic``) are replaced by typed stubs and a
flag, so the signature stays the same for every game of a dtype.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
from numba import types
from numba.experimental.function_type import _get_wrapper_address

from varena.engine.api import Game
from varena.engine.errors import VarenaError

log = logging.getLogger("varena.mcts")


_LOCK = threading.Lock()
_ENTRY_CACHE: dict[tuple, Any] = {}
_STUBS: dict[str, Any] = {}


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
      :class:`KernelAddress` objects, stubs standing in for the missing optional ones.
    - ``fn_types``: the matching Numba ``FunctionType`` of each.
    - ``has_playout`` / ``has_heuristic``: whether the game gave those kernels.
    """

    fns: tuple
    fn_types: tuple
    has_playout: bool
    has_heuristic: bool
    state_dtype: np.dtype


class KernelAddress(types.WrapperAddressProtocol):
    """A compiled kernel as Numba's wrapper-address protocol: its address is looked up once.

    Passing the dispatcher itself would make Numba look the address up on every call of a
    search entry point (~0.1 ms per kernel), which would dominate a simulation step.
    """

    def __init__(self, disp: Any, sig: Any) -> None:
        self.disp = disp  # keeps the compiled code alive
        self.sig = sig
        self.address = _get_wrapper_address(disp, sig)

    def __wrapper_address__(self) -> int:
        return self.address

    def signature(self) -> Any:
        return self.sig


def _kernel(disp: Any, argtypes: tuple, name: str) -> tuple[KernelAddress, types.FunctionType]:
    if not isinstance(disp, numba.core.registry.CPUDispatcher):
        raise VarenaError(f"kernel {name} is not a numba.njit function (got {type(disp).__name__})")
    disp.compile(argtypes)
    sig = disp.overloads[argtypes].signature
    return KernelAddress(disp, sig), types.FunctionType(sig)


def game_functions(game: Game) -> GameFunctions:
    """The kernels of ``game`` as first-class functions; raises VarenaError without kernels."""
    kern = game.kernels
    if kern is None:
        raise VarenaError(f"game {game.spec!r} has no compiled kernels; compiled searches need them")
    dtype = np.dtype(game.state_dtype)
    arr = numba.from_dtype(dtype)[::1]
    mask = types.boolean[::1]
    playout = kern.playout if kern.playout is not None else _no_playout
    heuristic = kern.heuristic if kern.heuristic is not None else _no_heuristic
    with _LOCK:
        pairs = (
            _kernel(kern.step, (arr, types.int64, arr), "step"),
            _kernel(kern.legal_mask, (arr, mask), "legal_mask"),
            _kernel(kern.outcome, (arr,), "outcome"),
            _kernel(kern.to_play, (arr,), "to_play"),
            _kernel(playout, (arr, types.int64), "playout"),
            _kernel(heuristic, (arr,), "heuristic"),
        )
    return GameFunctions(tuple(p[0] for p in pairs), tuple(p[1] for p in pairs),
                         kern.playout is not None, kern.heuristic is not None, dtype)


def specialise(py_func: Callable, args: tuple, gf: GameFunctions, *, parallel: bool = False) -> Any:
    """``py_func`` compiled for the types of ``args`` followed by the kernels of ``gf``.

    Memoised per process; cached on disk per signature.
    """
    sig = tuple(numba.typeof(a) for a in args) + gf.fn_types
    key = (py_func, sig, parallel)
    with _LOCK:
        disp = _ENTRY_CACHE.get(key)
        if disp is None:
            log.debug("compiling %s for %s", py_func.__name__, gf.state_dtype)
            disp = numba.njit(sig, cache=True, parallel=parallel, nogil=True)(py_func)
            _ENTRY_CACHE[key] = disp
    return disp


def call(py_func: Callable, args: tuple, gf: GameFunctions, *, parallel: bool = False,
         memo: dict | None = None) -> Any:
    """Compile (or fetch) ``py_func`` for these argument types and call it.

    ``memo`` (a dict owned by the caller, whose argument types never change) skips the
    type inference of ``args`` on later calls: typing a Tree takes ~0.3 ms, which would
    dominate a simulation step around a network evaluator.
    """
    if memo is None:
        return specialise(py_func, args, gf, parallel=parallel)(*args, *gf.fns)
    disp = memo.get(py_func)
    if disp is None:
        disp = memo[py_func] = specialise(py_func, args, gf, parallel=parallel)
    return disp(*args, *gf.fns)


def set_threads(threads: int) -> int:
    """Use ``threads`` Numba threads (clipped to what Numba started with); return the count."""
    n = max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS))
    numba.set_num_threads(n)
    return n
