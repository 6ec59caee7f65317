"""Incremental chains kept in the Go state, so a move costs what it changes.

Every chain has a root (one of its stones); ``cid[p]`` is the root of the stone on ``p`` and
``nxt`` links the chain's stones in a circular list. Per root the state keeps the chain's
stone count and three sums over its pseudo-liberties (one per stone-empty adjacency, GNU Go
/ libego style): the count ``n``, the sum ``s`` and the sum of squares ``q`` of the liberty
points. A chain's pseudo-liberties are all one point ``p`` exactly when ``s == n*p`` and
``q == n*p*p`` (zero variance), which decides atari, captures and suicide in O(1). Chains
merge by relabelling the smaller one; a captured chain is walked through its list.

Superko costs a look-up only where a repetition is possible. ``gone[p]`` records that a
stone was once removed from ``p`` (captured or suicided). A point that never lost a stone
was empty in every earlier position (stones leave the board only by removal), so a move
that leaves a stone on it cannot repeat any of them; only moves on ``gone`` points and
suicides compute the new hash (XOR of the captured chains' keys, read by walking them) and
look it up in the history. Superko stays exact.

The kernels index the state itself (``st[o + k*P + p]`` for chain array ``k``, ``o`` from
:func:`~varena.games.go.state.chain_offset`) rather than taking array views: each array
passed to a compiled function costs reference counting on every call, which dominated.

Sizes fit int32: a chain has at most 4 x 625 pseudo-liberties on 25x25, each point below
729, so the sum of squares stays below 1.4e9.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from varena.games.go.state import (
    BLACK,
    CAPT_B,
    CSIZE,
    EMPTY,
    GONE,
    HDR,
    HEIGHT,
    KO,
    LSQ,
    LSUM,
    MAXM,
    NCHAIN,
    NSTONES,
    NXT,
    PLIB,
    RULE,
    SIDE_KEY,
    SIMPLE,
    SITUATIONAL,
    SUICIDE,
    WHITE,
    WIDTH,
    ZOBRIST,
    chain_offset,
    get_hash,
    seen,
    set_hash,
)


@njit(cache=True)
def chain_base(st):
    """(offset of the chain arrays, points per array P) of the state ``st``."""
    W, H = st[WIDTH], st[HEIGHT]
    return chain_offset(W, H, st[MAXM]), (W + 2) * (H + 2)


@njit(cache=True)
def rebuild(st):
    """Label the chains of the board from scratch and forget removals (a new start position)."""
    W = st[WIDTH]
    S = W + 2
    o, P = chain_base(st)
    for i in range(o, o + NCHAIN * P):
        st[i] = 0
    oc, on, opl, osu, osq, osz = o, o + P, o + PLIB * P, o + LSUM * P, o + LSQ * P, o + CSIZE * P
    for p in range(P):
        st[oc + p] = -1
    stack = np.empty(P, np.int64)
    for p0 in range(P):
        c = st[HDR + p0]
        if (c != BLACK and c != WHITE) or st[oc + p0] >= 0:
            continue
        st[oc + p0] = p0
        st[on + p0] = p0
        stack[0] = p0
        n = 1
        i = 0
        while i < n:
            s = stack[i]
            i += 1
            for d in (-S, -1, 1, S):
                t = s + d
                v = st[HDR + t]
                if v == EMPTY:
                    st[opl + p0] += 1
                    st[osu + p0] += t
                    st[osq + p0] += t * t
                elif v == c and st[oc + t] < 0:
                    st[oc + t] = p0
                    st[on + t] = st[on + p0]
                    st[on + p0] = t
                    stack[n] = t
                    n += 1
        st[osz + p0] = n


@njit(cache=True)
def ring_key(st, on, r, color):
    """XOR of the Zobrist keys of the stones of the chain rooted at ``r`` (``on``: offset of
    the next-stone array)."""
    k = np.int64(0)
    s = r
    while True:
        k ^= ZOBRIST[color, s]
        s = st[on + s]
        if s == r:
            return k


@njit(cache=True)
def _remove(st, r, S, o, P, h):
    """Take the chain ``r`` off the board; its points become pseudo-liberties of their
    neighbours. Returns (stones removed, new hash); the chain's list stays intact."""
    oc, on, opl, osu, osq, og = o, o + P, o + PLIB * P, o + LSUM * P, o + LSQ * P, o + GONE * P
    color = st[HDR + r]
    s = r
    n = 0
    while True:
        st[HDR + s] = EMPTY
        h ^= ZOBRIST[color, s]
        st[og + s] = 1
        n += 1
        s = st[on + s]
        if s == r:
            break
    s = r
    while True:
        for d in (-S, -1, 1, S):
            v = st[HDR + s + d]
            if v == BLACK or v == WHITE:
                ht = st[oc + s + d]
                st[opl + ht] += 1
                st[osu + ht] += s
                st[osq + ht] += s * s
        s = st[on + s]
        if s == r:
            break
    return n, h


@njit(cache=True)
def _merge(st, a, b, o, P):
    """Join chains ``a`` and ``b`` (relabelling the smaller); returns the surviving root."""
    oc, on, osz = o, o + P, o + CSIZE * P
    if st[osz + a] < st[osz + b]:
        a, b = b, a
    s = b
    while True:
        st[oc + s] = a
        s = st[on + s]
        if s == b:
            break
    t = st[on + a]
    st[on + a] = st[on + b]
    st[on + b] = t
    for k in (PLIB, LSUM, LSQ, CSIZE):
        st[o + k * P + a] += st[o + k * P + b]
    return a


@njit(cache=True)
def play(st, p, color, o, P):
    """Put a ``color`` stone on the empty padded point ``p`` of a legal move: chains, board,
    hash, stone count, captures and the basic-ko point.

    Returns the removed chains packed as ``count | root_i << (3 + 11*i)`` (at most four;
    their stone lists stay readable through the next-stone array)."""
    S = st[WIDTH] + 2
    oc, on, opl, osu, osq, osz = o, o + P, o + PLIB * P, o + LSUM * P, o + LSQ * P, o + CSIZE * P
    opp = 3 - color
    st[HDR + p] = color
    h = get_hash(st) ^ ZOBRIST[color, p]
    ns = st[NSTONES] + 1
    st[oc + p] = p
    st[on + p] = p
    st[osz + p] = 1
    nl = 0
    sl = 0
    ql = 0
    for d in (-S, -1, 1, S):
        q = p + d
        v = st[HDR + q]
        if v == EMPTY:
            nl += 1
            sl += q
            ql += q * q
        elif v == BLACK or v == WHITE:
            hq = st[oc + q]
            st[opl + hq] -= 1
            st[osu + hq] -= p
            st[osq + hq] -= p * p
    st[opl + p] = nl
    st[osu + p] = sl
    st[osq + p] = ql
    hp = np.int64(p)
    for d in (-S, -1, 1, S):
        q = p + d
        if st[HDR + q] == color and st[oc + q] != hp:
            hp = _merge(st, hp, np.int64(st[oc + q]), o, P)
    packed = np.int64(0)
    nrem = 0
    captured = 0
    last_cap = -1
    for d in (-S, -1, 1, S):
        q = p + d
        if st[HDR + q] == opp and st[opl + st[oc + q]] == 0:
            r = np.int64(st[oc + q])
            n, h = _remove(st, r, S, o, P, h)
            captured += n
            packed |= r << (3 + 11 * nrem)
            nrem += 1
            last_cap = q
    if captured > 0:
        st[CAPT_B + opp - 1] += captured
        ns -= captured
    elif st[opl + hp] == 0:  # suicide, only reached when the rules allow it
        n, h = _remove(st, hp, S, o, P, h)
        st[CAPT_B + color - 1] += n
        ns -= n
        packed |= hp << (3 + 11 * nrem)
        nrem += 1
    st[KO] = last_cap if captured == 1 and st[osz + hp] == 1 and st[opl + hp] == 1 else -1
    st[NSTONES] = ns
    set_hash(st, h)
    return packed | nrem


@njit(cache=True)
def quick_legal(st, p, S, og):
    """The common case, decided without the chains: an empty point with an empty neighbour,
    not the ko point, that never lost a stone (or no superko) is legal."""
    return (p != st[KO] and (st[og + p] == 0 or st[RULE] == SIMPLE)
            and (st[HDR + p - S] == EMPTY or st[HDR + p - 1] == EMPTY
                 or st[HDR + p + 1] == EMPTY or st[HDR + p + S] == EMPTY))


@njit(cache=True, inline="always")
def legal_at(st, p, color, S, o, P):
    """Whether ``color`` may play on the empty padded point ``p`` (basic ko, suicide, superko)."""
    if p == st[KO]:
        return False
    oc, opl, osu, osq, og = o, o + PLIB * P, o + LSUM * P, o + LSQ * P, o + GONE * P
    rule = st[RULE]
    has_lib = (st[HDR + p - S] == EMPTY or st[HDR + p - 1] == EMPTY or st[HDR + p + 1] == EMPTY
               or st[HDR + p + S] == EMPTY)
    if has_lib and (st[og + p] == 0 or rule == SIMPLE):
        return True
    # the distinct neighbouring chains; kind 1: captured by the move, 2: own chain
    r0 = r1 = r2 = r3 = np.int64(-1)
    k0 = k1 = k2 = k3 = 0
    rem = 0
    for j in range(4):
        q = p + (-S if j == 0 else (-1 if j == 1 else (1 if j == 2 else S)))
        v = st[HDR + q]
        if v != BLACK and v != WHITE:
            continue
        hq = np.int64(st[oc + q])
        if hq == r0 or hq == r1 or hq == r2:
            continue
        n = np.int64(st[opl + hq])
        only_p = st[osu + hq] == n * p and st[osq + hq] == n * p * p
        kind = 0
        if v == color:
            if not only_p:
                has_lib = True
            kind = 2
        elif only_p:
            rem += 1
            kind = 1
        if j == 0:
            r0, k0 = hq, kind
        elif j == 1:
            r1, k1 = hq, kind
        elif j == 2:
            r2, k2 = hq, kind
        else:
            r3, k3 = hq, kind
    if has_lib or rem > 0:
        if st[og + p] == 0 or rule == SIMPLE:
            return True
        want = 1
        h = get_hash(st) ^ ZOBRIST[color, p]
        walk = 3 - color
    else:
        if st[SUICIDE] == 0:
            return False
        if rule == SIMPLE:
            return True
        want = 2
        h = get_hash(st)
        walk = color
    on = o + NXT * P
    if k0 == want:
        h ^= ring_key(st, on, r0, walk)
    if k1 == want:
        h ^= ring_key(st, on, r1, walk)
    if k2 == want:
        h ^= ring_key(st, on, r2, walk)
    if k3 == want:
        h ^= ring_key(st, on, r3, walk)
    if rule == SITUATIONAL and color == BLACK:
        h ^= SIDE_KEY
    return not seen(st, h)
