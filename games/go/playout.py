"""Fast random playouts for Go over the state's own incremental chains.

The chains, pseudo-liberty sums and removed points live in the state
(:mod:`varena.games.go.chains`), so a playout starts without labelling anything: it lists
the empty points once, then every move is :func:`~varena.games.go.chains.play`, the same
update ``step`` makes. The state itself (board, chains, hash, history, moves) is updated
move by move, so at the end it equals the state that ``step`` would give for the same moves.

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

from varena.games.go.chains import chain_base, legal_at, play, quick_legal
from varena.games.go.scoring import black_margin_fixed
from varena.games.go.state import (
    EDGE,
    EMPTY,
    GONE,
    HDR,
    HEIGHT,
    KO,
    NXT,
    PASSES,
    TOPLAY,
    WIDTH,
    is_done,
    record,
)


@njit(cache=True)
def _rand(x, n):
    """(next xorshift64* state, a draw in [0, n)): the output's top 32 bits scaled to n by a
    multiplication (no division; n is at most 626)."""
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    top = (x * np.uint64(2685821657736338717)) >> np.uint64(32)
    return x, np.int64((top * np.uint64(n)) >> np.uint64(32))


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
    o, _ = chain_base(st)
    og, on = o + GONE * P, o + NXT * P
    E = np.empty(N, np.int64)  # the empty points, in any order; pos[p]: p's index in E
    pos = np.full(P, -1, np.int64)
    ne = 0
    for p in range(P):
        if board[p] == EMPTY:
            E[ne] = p
            pos[p] = ne
            ne += 1
    x = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(0x632BE59BD9B4E5)
    x ^= x >> np.uint64(31)
    x |= np.uint64(1)
    start = st[TOPLAY]
    while not is_done(st):
        tp = st[TOPLAY]
        color = tp + 1
        k = ne
        move = -1
        while True:
            if noeye:
                if k == 0:
                    break
                x, r = _rand(x, k)
            else:
                x, r = _rand(x, k + 1)
                if r == k:
                    break
            p = E[r]
            if (not noeye or not _is_eye(board, p, color, S)) and (
                    quick_legal(st, p, S, og) or legal_at(st, p, color, S, o, P)):
                move = p
                break
            k -= 1  # move the rejected point out of the window of candidates
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
            ne -= 1
            i = pos[move]
            last = E[ne]
            E[i] = last
            pos[last] = i
            pos[move] = -1
            packed = play(st, move, color, o, P)
            for j in range(packed & 7):  # the removed stones are empty points again
                r0 = (packed >> (3 + 11 * j)) & 2047
                s = r0
                while True:
                    E[ne] = s
                    pos[s] = ne
                    ne += 1
                    s = st[on + s]
                    if s == r0:
                        break
            st[PASSES] = 0
            action = (move // S - 1) * W + move % S - 1
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
