"""Pure-Python twins of the compiled search code, for games without compiled kernels.

The twin of a function runs the very same code object in Python, with every Numba
dispatcher it refers to (in its module's globals) replaced by that dispatcher's twin, so
the tree search and alpha-beta need no second implementation: a plain-Python game (the
contract's slow path) is searched by the same descent, expansion and back-up, only slower
(see docs/MCTS.md for figures). ``numba.prange`` is ``range`` in Python.
"""

from __future__ import annotations

import threading
import types
from collections.abc import Callable
from typing import Any

from numba.core.registry import CPUDispatcher

_TWINS: dict[Any, Callable] = {}
_LOCK = threading.RLock()


def twin(fn: Any) -> Callable:
    """The pure-Python twin of ``fn`` (a plain function or an ``njit`` dispatcher)."""
    py = fn.py_func if isinstance(fn, CPUDispatcher) else fn
    with _LOCK:
        got = _TWINS.get(py)
        if got is not None:
            return got
        env = dict(py.__globals__)
        new = types.FunctionType(py.__code__, env, py.__name__, py.__defaults__, py.__closure__)
        new.__doc__ = py.__doc__
        _TWINS[py] = new  # before recursing: functions may refer to each other
        for name in py.__code__.co_names:
            value = env.get(name)
            if isinstance(value, CPUDispatcher):
                env[name] = twin(value)
        return new
