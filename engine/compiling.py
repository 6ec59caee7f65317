"""What makes the compiled searches compile, and saying so when they do.

The searches (tree search, alpha-beta) are compiled once per machine and per *state dtype*
(see :mod:`varena.engine.kernels`), and loaded from Numba's disk cache afterwards. Two
things keep that cost visible and rare:

- :func:`search_dtype`: a game whose states are of a dtype no built-in game uses (int8,
  uint8, bool, uint16, float32, ...) is searched in the smallest built-in search dtype
  that holds its values exactly (int16, int32 or float64), with its kernels compiled for
  that dtype, so a new game compiles its own small kernels, not a whole search (36 s for
  int8 states before). The kernels are checked to give exactly the same states, masks,
  outcomes and values in both dtypes along a few random moves; where they do not (or do
  not compile for the wider dtype) the game is searched in its own dtype.
- :func:`notice`: a compile that takes over a second says so on stderr in one line when
  it starts, and how long it took when it ends (a cache load never takes that long), so a
  fresh install's compile is never a silent stall in the middle of a timed game.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

log = logging.getLogger("varena.compile")

#: The state dtypes of the built-in games; ``varena compile`` compiles a search for each.
SEARCH_DTYPES = (np.dtype(np.int16), np.dtype(np.int32), np.dtype(np.float64))

#: Seconds a compile may run before it is announced.
NOTICE_AFTER = 1.0

_local = threading.local()
_CHECKED: dict[tuple, np.dtype] = {}
_CHECK_MOVES = 24   # random moves along which the kernels must agree in both dtypes
_CHECK_GAMES = 2


@contextlib.contextmanager
def notice(what: str, after: float = NOTICE_AFTER) -> Iterator[None]:
    """Announce ``what`` on stderr if the block runs longer than ``after`` seconds (then
    also how long it took). Nested notices stay silent: the outermost names the step."""
    depth = getattr(_local, "depth", 0)
    _local.depth = depth + 1
    if depth:
        try:
            yield
        finally:
            _local.depth = depth
        return
    lock = threading.Lock()
    state = {"done": False, "said": False}
    start = time.perf_counter()

    def say() -> None:
        with lock:
            if not state["done"]:
                state["said"] = True
                _write(f"varena: compiling {what} (once per machine; `varena compile` does it "
                       "at install) ...")

    timer = threading.Timer(after, say)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        _local.depth = depth
        with lock:
            state["done"] = True
        timer.cancel()
        if state["said"]:
            _write(f"varena: compiled {what} in {time.perf_counter() - start:.1f} s")


def _write(line: str) -> None:
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed stderr must not stop the compile
        pass


def wider_dtype(dtype: np.dtype) -> np.dtype:
    """The built-in search dtype that holds every value of ``dtype`` exactly (integers in
    integers, floats in float64), or ``dtype`` itself when none does (int64, uint32, ...)."""
    dtype = np.dtype(dtype)
    if dtype in SEARCH_DTYPES:
        return dtype
    if dtype.kind in "biu":
        for d in SEARCH_DTYPES[:2]:
            if np.can_cast(dtype, d, casting="safe"):
                return d
    elif dtype.kind == "f" and np.can_cast(dtype, np.float64, casting="safe"):
        return np.dtype(np.float64)
    return dtype


def search_dtype(game: Any) -> np.dtype:
    """The dtype ``game``'s states are searched in: :func:`wider_dtype` of its own when its
    kernels give exactly the same results there (checked once per process and game), else
    its own."""
    own = np.dtype(game.state_dtype)
    wide = wider_dtype(own)
    if wide == own:
        return own
    key = (type(game), game.spec)
    got = _CHECKED.get(key)
    if got is None:
        with notice(f"the kernels of {game.spec} for {wide} states"):
            got = wide if _agrees(game, own, wide) else own
        _CHECKED[key] = got
    return got


def _agrees(game: Any, own: np.dtype, wide: np.dtype) -> bool:
    """Whether ``game``'s kernels do the same on ``wide`` copies of its states (along a few
    random games) as on its own states."""
    k = game.kernels
    rng = np.random.default_rng(0)
    try:
        for _ in range(_CHECK_GAMES):
            s = np.ascontiguousarray(game.initial_state(), dtype=own)
            for _ in range(_CHECK_MOVES):
                w = s.astype(wide)
                if not _same_point(game, k, s, w, int(rng.integers(2**62))):
                    raise _Differs
                mask = np.zeros(game.num_actions, np.bool_)
                k.legal_mask(s, mask)
                if game.outcome(s)[0] or not mask.any():
                    break
                a = int(rng.choice(np.flatnonzero(mask)))
                out, out_w = np.empty_like(s), np.empty_like(w)
                k.step(s, a, out)
                k.step(w, a, out_w)
                if not (np.array_equal(out_w, out.astype(wide))
                        and np.array_equal(out_w.astype(own), out)):
                    raise _Differs
                s = out
    except Exception as exc:  # noqa: BLE001 - a kernel that fails on the wider dtype: own dtype
        log.info("%s: searched in its own %s states (%s)", game.spec, own,
                 "its kernels differ in " + str(wide) if isinstance(exc, _Differs)
                 else f"{type(exc).__name__} with {wide} states")
        return False
    return True


class _Differs(Exception):
    pass


def _same_point(game: Any, k: Any, s: np.ndarray, w: np.ndarray, seed: int) -> bool:
    """Same legal mask, outcome, player, playout value and heuristic for ``s`` and ``w``."""
    m1, m2 = np.zeros(game.num_actions, np.bool_), np.zeros(game.num_actions, np.bool_)
    k.legal_mask(s, m1)
    k.legal_mask(w, m2)
    if not np.array_equal(m1, m2) or tuple(k.outcome(s)) != tuple(k.outcome(w)):
        return False
    if k.to_play(s) != k.to_play(w):
        return False
    if k.heuristic is not None and k.heuristic(s) != k.heuristic(w):
        return False
    if k.playout is not None and not k.outcome(s)[0]:
        p1, p2 = s.copy(), w.copy()
        if k.playout(p1, seed) != k.playout(p2, seed) or not np.array_equal(p2, p1.astype(w.dtype)):
            return False
    return True
