"""The Go state vector: header slots, layout, Zobrist keys and the position history.

State layout (int32, ``W``x``H`` board, ``M`` = max_moves, ``P`` = (W+2)*(H+2), ``N`` = W*H):

- header ``[0, HDR)``: width, height, komi (fixed point, x65536), superko rule, suicide flag,
  max_moves, player to move (0 Black, 1 White), moves played, consecutive passes, basic-ko
  point (padded index, -1 none), Zobrist hash of the board (two int32 words), stones
  removed per colour, stones on board, last action, player to move at the start, format
  version, the history table's size minus one.
- ``board[P]``: the board with a one-point border (0 empty, 1 black, 2 white, 3 edge); the
  neighbours of padded point ``p`` are ``p-1, p+1, p-S, p+S`` with ``S = W+2``.
- ``init[P]``: the start position (setup stones), so a symmetry can rebuild the history.
- ``moves[M]``: ``2*action + colour`` of every move, pass included (``action = N``).
- ``hist_lo/hist_hi[M+1]``: the hash of every position of the game, P0 .. Pn; under
  situational superko the hash of the player to move is mixed in.
- ``hist_next[M+1]`` and ``bucket[T]``: a hash table of the history (``T`` the power of
  two >= M+1, indexed by the hash's low bits, entries chained), so a superko test compares
  about one position whatever the game's length.
- the chains, ``NCHAIN`` arrays of ``P`` from :func:`chain_offset` (kept move by move by
  :mod:`varena.games.go.chains`): chain id (its root point) and the next stone of its
  circular list for every stone; per root: pseudo-liberty count, their sum and sum of
  squares, stone count; per point: whether a stone was ever removed from it.

The history holds every position of the game: a game never has more than ``max_moves``
moves, so superko is exact for every game length (no window, unlike GNU Go's 500 moves).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from varena.games._numba_cache import GO, drop_stale_cache

drop_stale_cache("go-kernels", GO)  # the go kernels link into each other across files

# header slots
WIDTH, HEIGHT, KOMI, RULE, SUICIDE, MAXM, TOPLAY, NMOV, PASSES, KO = range(10)
HLO, HHI, CAPT_B, CAPT_W, NSTONES, LAST, FIRST, VERSION, TMASK = range(10, 19)
HDR = 20
#: 2: the chains are part of the state (version 1 states lack them; they are not accepted).
FORMAT_VERSION = 2

EMPTY, BLACK, WHITE, EDGE = 0, 1, 2, 3
POSITIONAL, SITUATIONAL, SIMPLE = 0, 1, 2
KOMI_SCALE = 65536
MAX_SIDE = 25

# the chain arrays, in order (see chain_offset)
CID, NXT, PLIB, LSUM, LSQ, CSIZE, GONE = range(7)
NCHAIN = 7


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
    return ob, oi, om, ol, oh, on, ok, ok + table_size(M) + NCHAIN * P


@njit(cache=True)
def table_size(M):
    """Buckets of the history's hash table: the power of two >= M + 1."""
    t = 1
    while t < M + 1:
        t *= 2
    return t


@njit(cache=True)
def chain_offset(W, H, M):
    """Offset of the first chain array (``NCHAIN`` arrays of ``(W+2)*(H+2)`` follow)."""
    return HDR + 2 * (W + 2) * (H + 2) + 4 * M + 3 + table_size(M)


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
def seen(st, h):
    """Whether a position with hash ``h`` occurred in this game."""
    M = st[MAXM]
    _, _, _, ol, oh, on, ok, _ = layout(st[WIDTH], st[HEIGHT], M)
    lo = np.int32(h & 0xFFFFFFFF)
    hi = np.int32(h >> 32)
    k = st[ok + (lo & st[TMASK])]
    while k >= 0:
        if st[ol + k] == lo and st[oh + k] == hi:
            return True
        k = st[on + k]
    return False


@njit(cache=True)
def record(st, action, color, next_tp):
    """Append a move (already applied to the board) to the moves and the position history."""
    M = st[MAXM]
    _, _, om, ol, oh, on, ok, _ = layout(st[WIDTH], st[HEIGHT], M)
    n = st[NMOV]
    if n >= M:  # never write past the arrays, whatever the caller does
        return
    st[om + n] = 2 * action + (color - 1)
    n += 1
    st[NMOV] = n
    st[TOPLAY] = next_tp
    st[LAST] = action
    h = get_hash(st)
    if st[RULE] == SITUATIONAL and next_tp == 1:
        h ^= SIDE_KEY
    lo = np.int32(h & 0xFFFFFFFF)
    st[ol + n] = lo
    st[oh + n] = np.int32(h >> 32)
    b = ok + (lo & st[TMASK])
    st[on + n] = st[b]
    st[b] = n
