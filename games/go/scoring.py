"""Tromp-Taylor area scoring of Go states: stones plus empty regions reaching one colour.

A game is scored as it stands (every stone counts as alive), after two passes or when it
reaches ``max_moves``. Margins are kept in fixed point (komi x ``KOMI_SCALE``) so that
integer komi gives exact draws.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from varena.games.go.rules import (
    BLACK,
    EDGE,
    EMPTY,
    HDR,
    HEIGHT,
    KOMI,
    KOMI_SCALE,
    TOPLAY,
    WHITE,
    WIDTH,
    is_done,
)


@njit(cache=True)
def area_score(st):
    """Tromp-Taylor area of Black minus area of White (komi not included)."""
    W, H = st[WIDTH], st[HEIGHT]
    S = W + 2
    P = S * (H + 2)
    board = st[HDR:HDR + P]
    mark = np.zeros(P, np.uint8)
    stack = np.empty(P, np.int64)
    diff = 0
    for p0 in range(P):
        v = board[p0]
        if v == BLACK:
            diff += 1
        elif v == WHITE:
            diff -= 1
        elif v == EMPTY and mark[p0] == 0:
            mark[p0] = 1
            stack[0] = p0
            n = 1
            i = 0
            reach = 0
            while i < n:
                s = stack[i]
                i += 1
                for d in (-S, -1, 1, S):
                    t = s + d
                    u = board[t]
                    if u == EMPTY:
                        if mark[t] == 0:
                            mark[t] = 1
                            stack[n] = t
                            n += 1
                    elif u != EDGE:
                        reach |= u
            if reach == BLACK:
                diff += n
            elif reach == WHITE:
                diff -= n
    return diff


@njit(cache=True)
def black_margin_fixed(st):
    """Black's area minus White's area minus komi, in units of 1/KOMI_SCALE points."""
    return np.int64(area_score(st)) * KOMI_SCALE - st[KOMI]


@njit(cache=True)
def outcome(state):
    """(done, value for the player to move): +1 won, -1 lost, 0 drawn (integer komi)."""
    if not is_done(state):
        return False, 0.0
    m = black_margin_fixed(state)
    v = 0.0 if m == 0 else (1.0 if m > 0 else -1.0)
    return True, v if state[TOPLAY] == 0 else -v


@njit(cache=True)
def heuristic(state):
    """Area margin (komi included) for the player to move, squashed into (-1, 1)."""
    m = black_margin_fixed(state) / KOMI_SCALE
    scale = max(4.0, state[WIDTH] * state[HEIGHT] / 10.0)
    v = np.tanh(m / scale)
    return v if state[TOPLAY] == 0 else -v
