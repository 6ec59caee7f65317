"""Whole-position operations on Go states: setup stones, symmetries, features for networks.

A symmetry maps the board, the start position and the recorded moves, then replays the moves
to rebuild the hash history, so superko stays exact in the transformed state (a hash cannot
be transformed directly). The ko point, the player to move and the pass count are carried
over from the original.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from varena.games.go.rules import (
    BLACK,
    CAPT_B,
    CAPT_W,
    EMPTY,
    FIRST,
    HDR,
    HEIGHT,
    KO,
    LAST,
    MAXM,
    NMOV,
    PASSES,
    TOPLAY,
    WHITE,
    WIDTH,
    ZOBRIST,
    layout,
    place,
    record,
    reset_history,
)


@njit(cache=True)
def set_stones(st, colors, to_play):
    """Make ``colors`` (int8 ``[H*W]``: 0 empty, 1 black, 2 white) the start position P0."""
    W, H = st[WIDTH], st[HEIGHT]
    S = W + 2
    for a in range(W * H):
        st[HDR + (a // W + 1) * S + a % W + 1] = colors[a]
    st[TOPLAY] = to_play
    st[CAPT_B] = 0
    st[CAPT_W] = 0
    reset_history(st)


@njit(cache=True)
def map_points(perm_points, W, H):
    """Padded-index map of a board permutation given on action indices (``[W*H]``)."""
    S = W + 2
    out = np.arange(S * (H + 2))
    for a in range(W * H):
        b = perm_points[a]
        out[(a // W + 1) * S + a % W + 1] = (b // W + 1) * S + b % W + 1
    return out


@njit(cache=True)
def transform(src, dst, perm, pmap):
    """Write into ``dst`` the image of ``src`` under a symmetry (``perm`` on actions, ``pmap``
    on padded points), replaying the moves so that the hash history is exact."""
    W, H, M = src[WIDTH], src[HEIGHT], src[MAXM]
    ob, oi, om, _, _, _, _, _ = layout(W, H, M)
    P = (W + 2) * (H + 2)
    dst[:] = src
    for p in range(P):
        dst[ob + pmap[p]] = src[oi + p]
    dst[TOPLAY] = src[FIRST]
    reset_history(dst)
    N = W * H
    n = src[NMOV]
    for k in range(n):
        m = src[om + k]
        a = perm[m >> 1]
        color = (m & 1) + 1
        if a < N:
            place(dst, (a // W + 1) * (W + 2) + a % W + 1, color)
            dst[PASSES] = 0
        else:
            dst[PASSES] += 1
            dst[KO] = -1
        record(dst, a, color, 2 - color)
    dst[TOPLAY] = src[TOPLAY]
    dst[PASSES] = src[PASSES]
    dst[CAPT_B] = src[CAPT_B]
    dst[CAPT_W] = src[CAPT_W]
    ko = src[KO]
    dst[KO] = pmap[ko] if ko >= 0 else -1
    last = src[LAST]
    dst[LAST] = perm[last] if 0 <= last <= N else last


@njit(cache=True)
def analyze(board, W, H, label, libs, size, key, stack, lmark):
    """Label every chain by its first point; per label: liberties (real ones, not pseudo),
    size, XOR of stone keys. A whole-board pass, for features and setup checks."""
    S = W + 2
    P = S * (H + 2)
    for p in range(P):
        label[p] = -1
        lmark[p] = -1
    for p0 in range(P):
        c = board[p0]
        if (c != BLACK and c != WHITE) or label[p0] >= 0:
            continue
        label[p0] = p0
        stack[0] = p0
        n = 1
        i = 0
        nl = 0
        k = np.int64(0)
        while i < n:
            s = stack[i]
            i += 1
            k ^= ZOBRIST[c, s]
            for d in (-S, -1, 1, S):
                t = s + d
                v = board[t]
                if v == EMPTY:
                    if lmark[t] != p0:
                        lmark[t] = p0
                        nl += 1
                elif v == c and label[t] < 0:
                    label[t] = p0
                    stack[n] = t
                    n += 1
        libs[p0] = nl
        size[p0] = n
        key[p0] = k


@njit(cache=True)
def features(states, out):
    """Per-point features ``out[B, W*H, 7]``: own, opponent, empty, chain liberties 1 / 2 /
    3+, basic-ko point (all float32)."""
    W, H = states[0, WIDTH], states[0, HEIGHT]
    S = W + 2
    P = S * (H + 2)
    label = np.empty(P, np.int64)
    libs = np.empty(P, np.int64)
    size = np.empty(P, np.int64)
    key = np.empty(P, np.int64)
    stack = np.empty(P, np.int64)
    lmark = np.empty(P, np.int64)
    out[:] = 0.0
    for b in range(states.shape[0]):
        st = states[b]
        board = st[HDR:HDR + P]
        analyze(board, W, H, label, libs, size, key, stack, lmark)
        me = st[TOPLAY] + 1
        ko = st[KO]
        for a in range(W * H):
            p = (a // W + 1) * S + a % W + 1
            v = board[p]
            if v == EMPTY:
                out[b, a, 2] = 1.0
                if p == ko:
                    out[b, a, 6] = 1.0
            else:
                out[b, a, 0 if v == me else 1] = 1.0
                n = libs[label[p]]
                out[b, a, 3 + min(n, 3) - 1] = 1.0


def chains_without_liberty(state: np.ndarray) -> np.ndarray:
    """Actions of the stones whose chain has no liberty (none in a legal position)."""
    W, H = int(state[WIDTH]), int(state[HEIGHT])
    P = (W + 2) * (H + 2)
    label, libs, size, key, stack, lmark = np.empty((6, P), np.int64)
    analyze(state[HDR:HDR + P], W, H, label, libs, size, key, stack, lmark)
    pad = np.zeros(P, np.bool_)
    stones = label >= 0
    pad[stones] = libs[label[stones]] == 0
    return np.flatnonzero(pad.reshape(H + 2, W + 2)[1:-1, 1:-1].ravel())


def board_colors(state: np.ndarray) -> np.ndarray:
    """int8 ``[H, W]``: 0 empty, 1 black, 2 white (row 0 is the top row)."""
    W, H = int(state[WIDTH]), int(state[HEIGHT])
    S = W + 2
    pad = np.asarray(state[HDR:HDR + S * (H + 2)]).reshape(H + 2, S)
    return pad[1:-1, 1:-1].astype(np.int8)


def move_list(state: np.ndarray) -> list[tuple[int, int]]:
    """The moves of the game so far as (player 0/1, action), pass = W*H."""
    W, H, M = int(state[WIDTH]), int(state[HEIGHT]), int(state[MAXM])
    om = layout(W, H, M)[2]
    raw = state[om:om + int(state[NMOV])]
    return [(int(m) & 1, int(m) >> 1) for m in raw]


def symmetry_perms(W: int, H: int) -> list[np.ndarray]:
    """Action permutations (pass fixed) of the 8 symmetries of a square (4 of a rectangle).

    Order: identity, rotations by 90/180/270 degrees, then the same four after a left-right
    flip; rectangles keep identity, 180 degrees, left-right flip, top-bottom flip.
    """
    r, c = np.divmod(np.arange(W * H), W)
    maps: list[tuple[np.ndarray, np.ndarray]]
    if W == H:
        n = W - 1
        rot = [(r, c), (c, n - r), (n - r, n - c), (n - c, r)]
        maps = rot + [(rr, n - cc) for rr, cc in rot]
    else:
        maps = [(r, c), (H - 1 - r, W - 1 - c), (r, W - 1 - c), (H - 1 - r, c)]
    return [np.append(rr * W + cc, W * H).astype(np.int64) for rr, cc in maps]


__all__ = [
    "BLACK", "WHITE", "board_colors", "chains_without_liberty", "features", "map_points", "move_list", "set_stones",
    "symmetry_perms", "transform",
]
