"""Go rules as Numba kernels over a flat int32 state (one compiled kernel serves every size).

State layout (int32, ``W``x``H`` board, ``M`` = max_moves, ``P`` = (W+2)*(H+2), ``N`` = W*H):

- header ``[0, HDR)``: width, height, komi (fixed point, x65536), superko rule, suicide flag,
  max_moves, player to move (0 Black, 1 White), moves played, consecutive passes, basic-ko
  point (padded index, -1 none), Zobrist hash of the board (two int32 words), stones
  removed per colour, stones on board, last action, player to move at the start.
- ``board[P]``: the board with a one-point border (0 empty, 1 black, 2 white, 3 edge); the
  neighbours of padded point ``p`` are ``p-1, p+1, p-S, p+S`` with ``S = W+2``.
- ``init[P]``: the start position (setup stones), so a symmetry can rebuild the history.
- ``moves[M]``: ``2*action + colour`` of every move, pass included (``action = N``).
- ``hist_lo/hist_hi[M+1]``: the hash of every position of the game, P0 .. Pn; under
  situational superko the hash of the player to move is mixed in.
- ``hist_next[M+1]`` and ``bucket[N+1]``: the history entries chained by the number of
  stones on the board, so a superko test only compares positions with as many stones.

The history holds every position of the game: a game never has more than ``max_moves``
moves, so superko is exact for every game length (no window, unlike GNU Go's 500 moves).
Chains are not stored: ``step`` finds the chains next to the move by a local flood fill and
``legal_mask`` labels all chains with their liberty counts once per call; the playout kernels
(``varena.games.go.playout``) keep incremental chains with pseudo-liberty counts instead.
Scoring (``varena.games.go.scoring``) is Tromp-Taylor area scoring.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# header slots
WIDTH, HEIGHT, KOMI, RULE, SUICIDE, MAXM, TOPLAY, NMOV, PASSES, KO = range(10)
HLO, HHI, CAPT_B, CAPT_W, NSTONES, LAST, FIRST, VERSION = range(10, 18)
HDR = 20
FORMAT_VERSION = 1

EMPTY, BLACK, WHITE, EDGE = 0, 1, 2, 3
POSITIONAL, SITUATIONAL, SIMPLE = 0, 1, 2
KOMI_SCALE = 65536
MAX_SIDE = 25


def _make_keys() -> tuple[np.ndarray, int]:
    rng = np.random.default_rng(0x60_5EED)
    lo, hi = np.iinfo(np.int64).min, np.iinfo(np.int64).max
    keys = rng.integers(lo, hi, size=(3, (MAX_SIDE + 2) ** 2), dtype=np.int64, endpoint=True)
    keys[0] = 0
    return keys, int(rng.integers(lo, hi, dtype=np.int64, endpoint=True))


ZOBRIST, SIDE_KEY = _make_keys()


@njit(cache=True)
def layout(W, H, M):
    """Offsets of board, init, moves, hist_lo, hist_hi, hist_next, bucket, and the length."""
    P = (W + 2) * (H + 2)
    ob = HDR
    oi = ob + P
    om = oi + P
    ol = om + M
    oh = ol + M + 1
    on = oh + M + 1
    ok = on + M + 1
    return ob, oi, om, ol, oh, on, ok, ok + W * H + 1


@njit(cache=True)
def get_hash(st):
    return (np.int64(st[HHI]) << 32) | (np.int64(st[HLO]) & 0xFFFFFFFF)


@njit(cache=True)
def set_hash(st, h):
    st[HLO] = np.int32(h & 0xFFFFFFFF)
    st[HHI] = np.int32(h >> 32)


@njit(cache=True)
def is_done(st):
    return st[PASSES] >= 2 or st[NMOV] >= st[MAXM]


@njit(cache=True)
def seen(st, h, stones):
    """Whether a position with hash ``h`` and ``stones`` stones occurred in this game."""
    _, _, _, ol, oh, on, ok, _ = layout(st[WIDTH], st[HEIGHT], st[MAXM])
    lo = np.int32(h & 0xFFFFFFFF)
    hi = np.int32(h >> 32)
    k = st[ok + stones]
    while k >= 0:
        if st[ol + k] == lo and st[oh + k] == hi:
            return True
        k = st[on + k]
    return False


@njit(cache=True)
def record(st, action, color, next_tp):
    """Append a move (already applied to the board) to the moves and the position history."""
    _, _, om, ol, oh, on, ok, _ = layout(st[WIDTH], st[HEIGHT], st[MAXM])
    n = st[NMOV]
    if n >= st[MAXM]:  # never write past the arrays, whatever the caller does
        return
    st[om + n] = 2 * action + (color - 1)
    n += 1
    st[NMOV] = n
    st[TOPLAY] = next_tp
    st[LAST] = action
    h = get_hash(st)
    if st[RULE] == SITUATIONAL and next_tp == 1:
        h ^= SIDE_KEY
    st[ol + n] = np.int32(h & 0xFFFFFFFF)
    st[oh + n] = np.int32(h >> 32)
    b = st[NSTONES]
    st[on + n] = st[ok + b]
    st[ok + b] = n


@njit(cache=True)
def reset_history(st):
    """Make the current board the start position P0 (after setup stones)."""
    W, H, M = st[WIDTH], st[HEIGHT], st[MAXM]
    ob, oi, om, ol, oh, on, ok, end = layout(W, H, M)
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
    for i in range(om, end):
        st[i] = -1
    if st[RULE] == SITUATIONAL and st[TOPLAY] == 1:
        h ^= SIDE_KEY
    st[ol] = np.int32(h & 0xFFFFFFFF)
    st[oh] = np.int32(h >> 32)
    st[ok + ns] = 0


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
    for p in range((W + 2) * (H + 2)):
        r, c = p // S, p % S
        st[ob + p] = EDGE if (r == 0 or c == 0 or r == H + 1 or c == W + 1) else EMPTY
    reset_history(st)


@njit(cache=True)
def _dead_chain(board, q, S, stack, mark, stamp):
    """Collect the chain at ``q`` into ``stack``; its size if it has no liberty, else -1."""
    color = board[q]
    stack[0] = q
    mark[q] = stamp
    n = 1
    i = 0
    while i < n:
        s = stack[i]
        i += 1
        for d in (-S, -1, 1, S):
            t = s + d
            v = board[t]
            if v == EMPTY:
                return -1
            if v == color and mark[t] != stamp:
                mark[t] = stamp
                stack[n] = t
                n += 1
    return n


@njit(cache=True)
def place(st, p, color, stack, mark):
    """Put a ``color`` stone on padded point ``p``, remove dead chains, set the ko point.

    Assumes the move is legal. ``stack`` and ``mark`` are int32 scratch of length P, ``mark``
    zero-filled. Updates board, hash, stone count, captures and the ko point.
    """
    W = st[WIDTH]
    S = W + 2
    board = st[HDR:HDR + S * (st[HEIGHT] + 2)]
    opp = 3 - color
    h = get_hash(st)
    board[p] = color
    h ^= ZOBRIST[color, p]
    ns = st[NSTONES] + 1
    stamp = 0
    captured = 0
    last_cap = -1
    for d in (-S, -1, 1, S):
        q = p + d
        if board[q] == opp:
            stamp += 1
            n = _dead_chain(board, q, S, stack, mark, stamp)
            if n > 0:
                for i in range(n):
                    s = stack[i]
                    board[s] = EMPTY
                    h ^= ZOBRIST[opp, s]
                captured += n
                last_cap = q
    if captured > 0:
        st[CAPT_B + opp - 1] += captured
        ns -= captured
    else:
        stamp += 1
        n = _dead_chain(board, p, S, stack, mark, stamp)
        if n > 0:  # suicide (only reached when the rules allow it)
            for i in range(n):
                s = stack[i]
                board[s] = EMPTY
                h ^= ZOBRIST[color, s]
            st[CAPT_B + color - 1] += n
            ns -= n
    ko = -1
    if captured == 1:
        own = 0
        libs = 0
        for d in (-S, -1, 1, S):
            v = board[p + d]
            if v == color:
                own += 1
            elif v == EMPTY:
                libs += 1
        if own == 0 and libs == 1:
            ko = last_cap
    st[KO] = ko
    st[NSTONES] = ns
    set_hash(st, h)


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
        P = (W + 2) * (H + 2)
        p = (action // W + 1) * (W + 2) + action % W + 1
        stack = np.empty(P, np.int32)
        mark = np.zeros(P, np.int32)
        place(st, p, color, stack, mark)
        st[PASSES] = 0
    record(st, action, color, 1 - tp)


@njit(cache=True)
def analyze(board, W, H, label, libs, size, key, stack, lmark):
    """Label every chain by its first point; per label: liberties, size, XOR of stone keys."""
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
def _legal_at(st, board, p, color, S, label, libs, size, key):
    """Whether ``color`` may play on empty padded point ``p`` (chains from :func:`analyze`)."""
    if p == st[KO]:
        return False
    has_lib = False
    cx = np.int64(0)
    rem = 0
    sx = np.int64(0)
    srem = 0
    s0 = -1
    s1 = -1
    s2 = -1
    for j in range(4):
        d = -S if j == 0 else (-1 if j == 1 else (1 if j == 2 else S))
        q = p + d
        v = board[q]
        if v == EMPTY:
            has_lib = True
            continue
        if v == EDGE:
            continue
        hq = label[q]
        if hq == s0 or hq == s1 or hq == s2:
            continue
        if j == 0:
            s0 = hq
        elif j == 1:
            s1 = hq
        else:
            s2 = hq
        if v == color:
            if libs[hq] >= 2:
                has_lib = True
            sx ^= key[hq]
            srem += size[hq]
        elif libs[hq] == 1:
            cx ^= key[hq]
            rem += size[hq]
    if has_lib or rem > 0:
        h = get_hash(st) ^ ZOBRIST[color, p] ^ cx
        stones = st[NSTONES] + 1 - rem
    else:
        if st[SUICIDE] == 0:
            return False
        h = get_hash(st) ^ sx
        stones = st[NSTONES] - srem
    rule = st[RULE]
    if rule == SIMPLE:
        return True
    if rule == SITUATIONAL and color == BLACK:
        h ^= SIDE_KEY
    return not seen(st, h, stones)


@njit(cache=True)
def legal_mask(state, out):
    """Bool ``[W*H+1]``: legal points for the player to move, and pass; all False when over."""
    W, H = state[WIDTH], state[HEIGHT]
    N = W * H
    for a in range(N + 1):
        out[a] = False
    if is_done(state):
        return
    out[N] = True
    S = W + 2
    P = S * (H + 2)
    board = state[HDR:HDR + P]
    work = np.empty((6, P), np.int64)  # one allocation for the chain analysis
    label, libs, size, key, stack, lmark = work[0], work[1], work[2], work[3], work[4], work[5]
    analyze(board, W, H, label, libs, size, key, stack, lmark)
    color = state[TOPLAY] + 1
    for r in range(H):  # rows and columns: no integer division per point
        p = (r + 1) * S + 1
        a = r * W
        for _ in range(W):
            if board[p] == EMPTY:
                out[a] = _legal_at(state, board, p, color, S, label, libs, size, key)
            p += 1
            a += 1


@njit(cache=True)
def to_play(state):
    return state[TOPLAY]
