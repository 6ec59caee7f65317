"""Fast random playouts for Go: incremental chains with pseudo-liberty counts.

At the start of a playout the chains of the state's board are labelled once; then every
move updates them incrementally (GNU Go / libego style): each chain keeps its size, the XOR
of its stones' Zobrist keys, and three sums over its pseudo-liberties (one per stone-empty
adjacency): the count ``n``, the sum ``s`` and the sum of squares ``q`` of the liberty
indices. A chain's pseudo-liberties are all one point ``p`` exactly when ``s == n*p`` and
``q == n*p*p`` (zero variance), which decides atari, captures and suicide in O(1). Chains
merge by relabelling the smaller one; a captured chain is walked through its circular
stone list. The state itself (board, hash, history, moves) is updated move by move, so at
the end it equals the state that ``step`` would give for the same moves.

Policies (both draw from a xorshift64* generator seeded by ``seed``):

- ``playout``: uniformly random over the legal actions, pass included, as OpenSpiel's random
  play does. Candidates (empty points + pass) are drawn without replacement until a legal
  one comes up, which is exactly uniform over the legal actions.
- ``playout_noeye``: the usual Monte-Carlo rollout policy: uniform over the legal points
  that do not fill one of the mover's own single-point eyes (all four neighbours the
  mover's or the edge, and at most one diagonal opponent stone, none on the edge); pass
  only when no such point is left. Games end settled, so the area score is meaningful.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from varena.games.go.rules import (
    BLACK,
    CAPT_B,
    EDGE,
    EMPTY,
    HDR,
    HEIGHT,
    KO,
    NSTONES,
    PASSES,
    RULE,
    SIDE_KEY,
    SIMPLE,
    SITUATIONAL,
    SUICIDE,
    TOPLAY,
    WHITE,
    WIDTH,
    ZOBRIST,
    get_hash,
    is_done,
    record,
    seen,
    set_hash,
)
from varena.games.go.scoring import black_margin_fixed

# acc slots: the scratch scalars a move updates
_HASH, _NS, _NE, _RNG = 0, 1, 2, 3


@njit(cache=True)
def _rand(acc, n):
    x = np.uint64(acc[_RNG])
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    acc[_RNG] = np.int64(x)
    return np.int64(((x * np.uint64(2685821657736338717)) >> np.uint64(33)) % np.uint64(n))


@njit(cache=True)
def _legal(st, board, p, color, S, cid, plib, lsum, lsq, csize, ckey, acc):
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
        hq = cid[q]
        if hq == s0 or hq == s1 or hq == s2:
            continue
        if j == 0:
            s0 = hq
        elif j == 1:
            s1 = hq
        else:
            s2 = hq
        n = plib[hq]
        only_p = lsum[hq] == n * p and lsq[hq] == n * p * p
        if v == color:
            if not only_p:
                has_lib = True
            sx ^= ckey[hq]
            srem += csize[hq]
        elif only_p:
            cx ^= ckey[hq]
            rem += csize[hq]
    if has_lib or rem > 0:
        h = acc[_HASH] ^ ZOBRIST[color, p] ^ cx
        stones = acc[_NS] + 1 - rem
    else:
        if st[SUICIDE] == 0:
            return False
        h = acc[_HASH] ^ sx
        stones = acc[_NS] - srem
    rule = st[RULE]
    if rule == SIMPLE:
        return True
    if rule == SITUATIONAL and color == BLACK:
        h ^= SIDE_KEY
    return not seen(st, h, stones)


@njit(cache=True)
def _remove(board, h, S, cid, nxt, plib, lsum, lsq, E, pos, acc):
    """Take the chain ``h`` off the board; its points become empty and liberties of others."""
    color = board[h]
    s = h
    n = 0
    hh = acc[_HASH]
    ne = acc[_NE]
    while True:
        board[s] = EMPTY
        hh ^= ZOBRIST[color, s]
        E[ne] = s
        pos[s] = ne
        ne += 1
        n += 1
        s = nxt[s]
        if s == h:
            break
    acc[_HASH] = hh
    acc[_NE] = ne
    acc[_NS] -= n
    s = h
    while True:
        for d in (-S, -1, 1, S):
            t = s + d
            v = board[t]
            if v == BLACK or v == WHITE:
                ht = cid[t]
                plib[ht] += 1
                lsum[ht] += s
                lsq[ht] += s * s
        s = nxt[s]
        if s == h:
            break
    return n


@njit(cache=True)
def _merge(a, b, cid, nxt, plib, lsum, lsq, csize, ckey):
    if csize[a] < csize[b]:
        a, b = b, a
    s = b
    while True:
        cid[s] = a
        s = nxt[s]
        if s == b:
            break
    t = nxt[a]
    nxt[a] = nxt[b]
    nxt[b] = t
    plib[a] += plib[b]
    lsum[a] += lsum[b]
    lsq[a] += lsq[b]
    csize[a] += csize[b]
    ckey[a] ^= ckey[b]


@njit(cache=True)
def _play(st, board, p, color, S, cid, nxt, plib, lsum, lsq, csize, ckey, E, pos, acc):
    opp = 3 - color
    board[p] = color
    k = ZOBRIST[color, p]
    acc[_HASH] ^= k
    acc[_NS] += 1
    ne = acc[_NE] - 1
    i = pos[p]
    last = E[ne]
    E[i] = last
    pos[last] = i
    pos[p] = -1
    acc[_NE] = ne
    cid[p] = p
    nxt[p] = p
    csize[p] = 1
    ckey[p] = k
    plib[p] = 0
    lsum[p] = 0
    lsq[p] = 0
    for d in (-S, -1, 1, S):
        q = p + d
        v = board[q]
        if v == EMPTY:
            plib[p] += 1
            lsum[p] += q
            lsq[p] += q * q
        elif v == BLACK or v == WHITE:
            hq = cid[q]
            plib[hq] -= 1
            lsum[hq] -= p
            lsq[hq] -= p * p
    for d in (-S, -1, 1, S):
        q = p + d
        if board[q] == color:
            hq = cid[q]
            hp = cid[p]
            if hq != hp:
                _merge(hp, hq, cid, nxt, plib, lsum, lsq, csize, ckey)
    captured = 0
    last_cap = -1
    for d in (-S, -1, 1, S):
        q = p + d
        if board[q] == opp and plib[cid[q]] == 0:
            captured += _remove(board, cid[q], S, cid, nxt, plib, lsum, lsq, E, pos, acc)
            last_cap = q
    hp = cid[p]
    if captured > 0:
        st[CAPT_B + opp - 1] += captured
    elif plib[hp] == 0:  # suicide, only reached when the rules allow it
        st[CAPT_B + color - 1] += _remove(board, hp, S, cid, nxt, plib, lsum, lsq, E, pos, acc)
    if captured == 1 and csize[hp] == 1 and plib[hp] == 1:
        st[KO] = last_cap
    else:
        st[KO] = -1


@njit(cache=True)
def _is_eye(board, p, color, S):
    for d in (-S, -1, 1, S):
        v = board[p + d]
        if v != color and v != EDGE:
            return False
    opp = 3 - color
    bad = 0
    edge = False
    for d in (-S - 1, -S + 1, S - 1, S + 1):
        v = board[p + d]
        if v == EDGE:
            edge = True
        elif v == opp:
            bad += 1
    return bad == 0 if edge else bad < 2


@njit(cache=True)
def run_playout(st, seed, noeye):
    """Play ``st`` to the end in place; return the value for the player to move at the start."""
    W, H = st[WIDTH], st[HEIGHT]
    S = W + 2
    P = S * (H + 2)
    N = W * H
    board = st[HDR:HDR + P]
    cid = np.empty(P, np.int64)
    nxt = np.empty(P, np.int64)
    plib = np.zeros(P, np.int64)
    lsum = np.zeros(P, np.int64)
    lsq = np.zeros(P, np.int64)
    csize = np.zeros(P, np.int64)
    ckey = np.zeros(P, np.int64)
    E = np.empty(N, np.int64)
    pos = np.full(P, -1, np.int64)
    acc = np.zeros(4, np.int64)
    # label chains (E serves as the flood-fill stack before it lists the empty points)
    for p in range(P):
        cid[p] = -1
    for p0 in range(P):
        c = board[p0]
        if (c != BLACK and c != WHITE) or cid[p0] >= 0:
            continue
        cid[p0] = p0
        nxt[p0] = p0
        E[0] = p0
        n = 1
        i = 0
        k = np.int64(0)
        while i < n:
            s = E[i]
            i += 1
            k ^= ZOBRIST[c, s]
            for d in (-S, -1, 1, S):
                t = s + d
                v = board[t]
                if v == EMPTY:
                    plib[p0] += 1
                    lsum[p0] += t
                    lsq[p0] += t * t
                elif v == c and cid[t] < 0:
                    cid[t] = p0
                    nxt[t] = nxt[p0]
                    nxt[p0] = t
                    E[n] = t
                    n += 1
        csize[p0] = n
        ckey[p0] = k
    ne = 0
    for p in range(P):
        if board[p] == EMPTY:
            E[ne] = p
            pos[p] = ne
            ne += 1
    acc[_HASH] = get_hash(st)
    acc[_NS] = st[NSTONES]
    acc[_NE] = ne
    x = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(0x632BE59BD9B4E5)
    x ^= x >> np.uint64(31)
    acc[_RNG] = np.int64(x | np.uint64(1))
    start = st[TOPLAY]
    while not is_done(st):
        tp = st[TOPLAY]
        color = tp + 1
        k = acc[_NE]
        move = -1
        while True:
            if noeye:
                if k == 0:
                    break
                r = _rand(acc, k)
            else:
                r = _rand(acc, k + 1)
                if r == k:
                    break
            p = E[r]
            if (not noeye or not _is_eye(board, p, color, S)) and _legal(
                st, board, p, color, S, cid, plib, lsum, lsq, csize, ckey, acc
            ):
                move = p
                break
            k -= 1
            q = E[k]
            E[k] = p
            pos[p] = k
            E[r] = q
            pos[q] = r
        if move < 0:
            st[PASSES] += 1
            st[KO] = -1
            action = N
        else:
            _play(st, board, move, color, S, cid, nxt, plib, lsum, lsq, csize, ckey, E, pos, acc)
            st[PASSES] = 0
            action = (move // S - 1) * W + move % S - 1
        set_hash(st, acc[_HASH])
        st[NSTONES] = acc[_NS]
        record(st, action, color, 1 - tp)
    m = black_margin_fixed(st)
    v = 0.0 if m == 0 else (1.0 if m > 0 else -1.0)
    return v if start == 0 else -v


@njit(cache=True)
def playout(state, seed):
    """Uniformly random legal actions (pass included) to the end; value for the mover."""
    return run_playout(state, seed, False)


@njit(cache=True)
def playout_noeye(state, seed):
    """Random legal points that fill no own eye, pass when none is left; value for the mover."""
    return run_playout(state, seed, True)
