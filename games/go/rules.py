"""Go rules as Numba kernels over a flat int32 state (one compiled kernel serves every size).

The state's layout is in :mod:`varena.games.go.state` (header, board, history) and its
chains in :mod:`varena.games.go.chains`: chains, pseudo-liberties and removed points are
kept move by move in the state, so ``step`` costs what the move changes (the stone, the
chains it merges or captures) and ``legal_mask`` decides each empty point from its four
neighbours, looking the position up in the history only on points that once lost a stone.
Scoring (:mod:`varena.games.go.scoring`) is Tromp-Taylor area scoring.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from varena.games.go.chains import chain_base, legal_at, play, rebuild
from varena.games.go.state import (  # noqa: F401  (the names other modules read from rules)
    BLACK,
    CAPT_B,
    CAPT_W,
    EDGE,
    EMPTY,
    FIRST,
    FORMAT_VERSION,
    GONE,
    HDR,
    HEIGHT,
    HHI,
    HLO,
    KO,
    KOMI,
    KOMI_SCALE,
    LAST,
    MAX_SIDE,
    MAXM,
    NMOV,
    NSTONES,
    PASSES,
    POSITIONAL,
    RULE,
    SIDE_KEY,
    SIMPLE,
    SITUATIONAL,
    SUICIDE,
    TMASK,
    TOPLAY,
    VERSION,
    WHITE,
    WIDTH,
    ZOBRIST,
    chain_offset,
    get_hash,
    is_done,
    layout,
    record,
    seen,
    set_hash,
    table_size,
)


@njit(cache=True)
def reset_history(st):
    """Make the current board the start position P0 (after setup stones); relabel chains."""
    W, H, M = st[WIDTH], st[HEIGHT], st[MAXM]
    ob, oi, om, ol, oh, on, ok, _ = layout(W, H, M)
    P = (W + 2) * (H + 2)
    h = np.int64(0)
    ns = 0
    for p in range(P):
        v = st[ob + p]
        st[oi + p] = v
        if v == BLACK or v == WHITE:
            h ^= ZOBRIST[v, p]
            ns += 1
    set_hash(st, h)
    st[NSTONES] = ns
    st[NMOV] = 0
    st[PASSES] = 0
    st[KO] = -1
    st[LAST] = -1
    st[FIRST] = st[TOPLAY]
    for i in range(om, chain_offset(W, H, M)):
        st[i] = -1
    if st[RULE] == SITUATIONAL and st[TOPLAY] == 1:
        h ^= SIDE_KEY
    lo = np.int32(h & 0xFFFFFFFF)
    st[ol] = lo
    st[oh] = np.int32(h >> 32)
    st[ok + (lo & st[TMASK])] = 0
    rebuild(st)


@njit(cache=True)
def init_state(st, W, H, komi_fixed, rule, suicide, M):
    """Fill ``st`` (length ``layout(W, H, M)[-1]``) with the empty board, Black to move."""
    ob = HDR
    S = W + 2
    for i in range(HDR):
        st[i] = 0
    st[WIDTH] = W
    st[HEIGHT] = H
    st[KOMI] = komi_fixed
    st[RULE] = rule
    st[SUICIDE] = suicide
    st[MAXM] = M
    st[VERSION] = FORMAT_VERSION
    st[TMASK] = table_size(M) - 1
    for p in range((W + 2) * (H + 2)):
        r, c = p // S, p % S
        st[ob + p] = EDGE if (r == 0 or c == 0 or r == H + 1 or c == W + 1) else EMPTY
    reset_history(st)


@njit(cache=True)
def place(st, p, color):
    """Put a ``color`` stone on padded point ``p`` (a legal move): chains, captures, ko, hash.

    The caller records the move (:func:`record`)."""
    o, P = chain_base(st)
    play(st, p, color, o, P)


@njit(cache=True)
def step(state, action, out):
    """Play ``action`` (a point ``r*W+c``, or ``W*H`` = pass) from ``state`` into ``out``."""
    if out.ctypes.data != state.ctypes.data:
        out[:] = state
    st = out
    W, H = st[WIDTH], st[HEIGHT]
    N = W * H
    tp = st[TOPLAY]
    color = tp + 1
    if action >= N or action < 0:
        action = N
        st[PASSES] += 1
        st[KO] = -1
    else:
        place(st, (action // W + 1) * (W + 2) + action % W + 1, color)
        st[PASSES] = 0
    record(st, action, color, 1 - tp)


@njit(cache=True)
def legal_mask(state, out):
    """Bool ``[W*H+1]``: legal points for the player to move, and pass; all False when over.

    A point with an empty neighbour that never lost a stone is legal at once (no capture,
    no suicide, no possible repetition); the others are decided from the neighbouring
    chains' pseudo-liberties, and by a history look-up where a repetition is possible."""
    W, H = state[WIDTH], state[HEIGHT]
    N = W * H
    if is_done(state):
        for a in range(N + 1):
            out[a] = False
        return
    out[N] = True
    S = W + 2
    o, P = chain_base(state)
    og = o + GONE * P
    color = state[TOPLAY] + 1
    ko = state[KO]
    simple = state[RULE] == SIMPLE
    for r in range(H):  # rows and columns: no integer division per point
        p = (r + 1) * S + 1
        a = r * W
        for _ in range(W):
            b = HDR + p
            if state[b] != EMPTY:
                out[a] = False
            elif p != ko and (simple or state[og + p] == 0) and (
                    state[b - S] == EMPTY or state[b - 1] == EMPTY or state[b + 1] == EMPTY
                    or state[b + S] == EMPTY):
                out[a] = True  # quick_legal, with the header read once
            else:
                out[a] = legal_at(state, p, color, S, o, P)
            p += 1
            a += 1


@njit(cache=True)
def to_play(state):
    return state[TOPLAY]
