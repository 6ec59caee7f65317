"""Numba kernels of Othello (Reversi) on any even square board from 4x4 to 16x16.

State layout (int16 vector, ``HEADER + n * n`` long). The board size lives in the header,
so one set of compiled kernels serves every size:

=============  =============================================================
index          meaning
=============  =============================================================
0 SIZE         n, the side of the board (even, 4..16)
1 TURN         player to move: 0 black (moves first), 1 white
2 MOVES        moves played so far, passes included
3 LAST         the last action (a cell, or ``n * n`` for pass); -1 before the first
4 RESULT       0 running, 1 black won, 2 white won, 3 draw
5 BLACK_N      black discs on the board
6 WHITE_N      white discs on the board
7 PASS_ONLY    1 when the player to move has no disc move and must pass
=============  =============================================================

Cells follow: ``state[HEADER + row * n + col]`` is 0 empty, 1 black, 2 white; row 0 is the
top row (``a1`` is the top-left cell, as in Othello notation). Actions ``0 .. n*n-1`` put a
disc on that cell; action ``n * n`` passes.

Rules: a disc must flank one or more opponent discs in a straight line (8 directions)
against a disc of the mover's, and flips every flanked disc of every such line. A player
with no such move passes (and may pass only then). The game ends when neither player can
move (a full board included); the one with more discs wins, equal counts draw.
"""

from __future__ import annotations

import numpy as np
from numba import njit

HEADER = 8
SIZE, TURN, MOVES, LAST, RESULT, BLACK_N, WHITE_N, PASS_ONLY = range(HEADER)
EMPTY, BLACK, WHITE = 0, 1, 2
RUNNING, BLACK_WON, WHITE_WON, DRAW = 0, 1, 2, 3
STATE_DTYPE = np.int16
MIN_SIZE, MAX_SIZE = 4, 16

# The eight directions (row step, column step).
DR = np.array([-1, -1, -1, 0, 0, 1, 1, 1], dtype=np.int64)
DC = np.array([-1, 0, 1, -1, 1, -1, 0, 1], dtype=np.int64)


def new_state(n: int) -> np.ndarray:
    """The start position on an n x n board: the four centre discs, white on d4/e5."""
    s = np.zeros(HEADER + n * n, dtype=STATE_DTYPE)
    s[SIZE], s[LAST], s[BLACK_N], s[WHITE_N] = n, -1, 2, 2
    m = n // 2
    s[HEADER + (m - 1) * n + m - 1] = WHITE
    s[HEADER + m * n + m] = WHITE
    s[HEADER + (m - 1) * n + m] = BLACK
    s[HEADER + m * n + m - 1] = BLACK
    return s


@njit(cache=True)
def _flanked(board, n, r, c, dr, dc, me):
    """Opponent discs a disc of ``me`` on (r, c) would flip in direction (dr, dc)."""
    opp = 3 - me
    k = 0
    r += dr
    c += dc
    while 0 <= r < n and 0 <= c < n:
        v = board[r * n + c]
        if v == opp:
            k += 1
        elif v == me:
            return k
        else:
            return 0
        r += dr
        c += dc
    return 0


@njit(cache=True)
def is_legal(board, n, cell, me):
    """Whether ``me`` (1 black, 2 white) may put a disc on the empty-or-not ``cell``."""
    if board[cell] != EMPTY:
        return False
    r, c = cell // n, cell % n
    for d in range(8):
        if _flanked(board, n, r, c, DR[d], DC[d], me) > 0:
            return True
    return False


@njit(cache=True)
def count_moves(board, n, me):
    """Number of cells where ``me`` may put a disc (its mobility)."""
    m = 0
    for i in range(n * n):
        if is_legal(board, n, i, me):
            m += 1
    return m


@njit(cache=True)
def has_move(board, n, me):
    for i in range(n * n):
        if is_legal(board, n, i, me):
            return True
    return False


@njit(cache=True)
def _place(board, n, cell, me):
    """Put a disc of ``me`` on ``cell`` and flip what it flanks; return the flips."""
    r, c = cell // n, cell % n
    total = 0
    for d in range(8):
        dr, dc = DR[d], DC[d]
        k = _flanked(board, n, r, c, dr, dc, me)
        rr, cc = r, c
        for _ in range(k):
            rr += dr
            cc += dc
            board[rr * n + cc] = me
        total += k
    board[cell] = me
    return total


@njit(cache=True)
def _count(state, me, flips):
    if me == BLACK:
        state[BLACK_N] += flips + 1
        state[WHITE_N] -= flips
    else:
        state[WHITE_N] += flips + 1
        state[BLACK_N] -= flips


@njit(cache=True)
def _finish(state):
    """End the game: the disc count decides."""
    state[PASS_ONLY] = 0
    b, w = state[BLACK_N], state[WHITE_N]
    state[RESULT] = BLACK_WON if b > w else (WHITE_WON if w > b else DRAW)


@njit(cache=True)
def settle(state):
    """Hand the move to the other side, then decide: it moves, it must pass, or the game ends."""
    n = np.int64(state[SIZE])
    board = state[HEADER:]
    state[TURN] = 1 - state[TURN]
    nxt = state[TURN] + 1
    if state[BLACK_N] + state[WHITE_N] >= n * n:
        _finish(state)
    elif has_move(board, n, nxt):
        state[PASS_ONLY] = 0
    elif has_move(board, n, 3 - nxt):
        state[PASS_ONLY] = 1
    else:
        _finish(state)


@njit(cache=True)
def step(state, action, out):
    """Write the successor of ``state`` after ``action`` (a cell, or n*n to pass) into ``out``."""
    out[:] = state
    n = np.int64(out[SIZE])
    out[MOVES] += 1
    out[LAST] = action
    if action == n * n:
        # A pass is only legal when the mover has no disc move, and the game did not end,
        # so the other side has one.
        out[TURN] = 1 - out[TURN]
        out[PASS_ONLY] = 0
        return
    me = out[TURN] + 1
    flips = _place(out[HEADER:], n, action, me)
    _count(out, me, flips)
    settle(out)


@njit(cache=True)
def legal_mask(state, out):
    """Disc moves of the side to move; pass only when it has none; nothing once over."""
    for i in range(out.shape[0]):
        out[i] = False
    if state[RESULT] != RUNNING:
        return
    n = np.int64(state[SIZE])
    if state[PASS_ONLY]:
        out[n * n] = True
        return
    board = state[HEADER:]
    me = state[TURN] + 1
    for i in range(n * n):
        out[i] = is_legal(board, n, i, me)


@njit(cache=True)
def to_play(state):
    return np.int64(state[TURN])


@njit(cache=True)
def outcome(state):
    """(done, value for the player to move): +1 when it has more discs at the end."""
    res = state[RESULT]
    if res == RUNNING:
        return False, 0.0
    if res == DRAW:
        return True, 0.0
    return True, 1.0 if res == state[TURN] + 1 else -1.0


@njit(cache=True)
def _mix(x):
    """splitmix64 finaliser: turns any seed into a well-spread non-zero xorshift state."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    if x == np.uint64(0):
        x = np.uint64(0x9E3779B97F4A7C15)
    return x


@njit(cache=True)
def _xorshift(x):
    x ^= x << np.uint64(13)
    x ^= x >> np.uint64(7)
    x ^= x << np.uint64(17)
    return x


@njit(cache=True)
def playout(state, seed):
    """Play ``state`` to the end with uniformly random legal moves (in place).

    Empty cells sit in a pool. A move draws cells from a shrinking window of it; an illegal
    draw goes to the window's end, so the first legal draw is uniform over the legal cells
    and costs about (empty / legal) legality tests instead of a scan of every empty cell.
    An empty window is a pass; two in a row end the game. Returns the value for the player
    to move at the start.
    """
    me0 = state[TURN]
    n = np.int64(state[SIZE])
    board = state[HEADER:]
    pool = np.empty(n * n, dtype=np.int64)
    m = 0
    for i in range(n * n):
        if board[i] == EMPTY:
            pool[m] = i
            m += 1
    rng = _mix(np.uint64(seed & 0x7FFFFFFFFFFFFFFF) + np.uint64(0x9E3779B97F4A7C15))
    passes = 0
    last = np.int64(state[LAST])
    while state[RESULT] == RUNNING:
        me = state[TURN] + 1
        window = m
        cell = -1
        while window > 0:
            rng = _xorshift(rng)
            j = np.int64((rng >> np.uint64(33)) % np.uint64(window))
            cand = pool[j]
            if is_legal(board, n, cand, me):
                cell = cand
                m -= 1
                pool[j] = pool[m]
                break
            window -= 1
            pool[j] = pool[window]
            pool[window] = cand
        if cell < 0:
            passes += 1
            if passes == 2:
                # Neither side can move: the game ended after the last disc, with the
                # turn (as the rules leave it) on the side after its mover.
                state[TURN] = 1 - state[TURN]
                state[MOVES] -= 1
                state[LAST] = last
                _finish(state)
                break
            state[MOVES] += 1
            state[LAST] = n * n
        else:
            passes = 0
            last = cell
            state[MOVES] += 1
            state[LAST] = cell
            _count(state, me, _place(board, n, cell, me))
            if m == 0:
                state[TURN] = 1 - state[TURN]
                _finish(state)
                break
        state[TURN] = 1 - state[TURN]
    state[PASS_ONLY] = 0
    res = state[RESULT]
    if res == DRAW:
        return 0.0
    return 1.0 if res == me0 + 1 else -1.0


@njit(cache=True)
def _weight(n, r, c):
    """Square weights generalised to any n: corners good, cells next to them bad, edges fair."""
    er = r == 0 or r == n - 1
    ec = c == 0 or c == n - 1
    if er and ec:
        return 20.0
    nr = r <= 1 or r >= n - 2
    nc = c <= 1 or c >= n - 2
    if nr and nc:
        return -3.0 if (er or ec) else -7.0  # C-square / X-square
    if er or ec:
        return 2.0
    return 0.0


@njit(cache=True)
def heuristic(state):
    """Static value in (-1, 1) for the player to move: square weights, mobility, discs."""
    res = state[RESULT]
    if res != RUNNING:
        if res == DRAW:
            return 0.0
        return 1.0 if res == state[TURN] + 1 else -1.0
    n = np.int64(state[SIZE])
    board = state[HEADER:]
    me = state[TURN] + 1
    opp = 3 - me
    score = 0.0
    for r in range(n):
        for c in range(n):
            v = board[r * n + c]
            if v == me:
                score += _weight(n, r, c)
            elif v == opp:
                score -= _weight(n, r, c)
    score += 2.0 * (count_moves(board, n, me) - count_moves(board, n, opp))
    filled = (state[BLACK_N] + state[WHITE_N]) / (n * n)
    mine = state[BLACK_N] if me == BLACK else state[WHITE_N]
    theirs = state[WHITE_N] if me == BLACK else state[BLACK_N]
    score += filled * filled * (mine - theirs)  # discs only count near the end
    return np.tanh(score / (4.0 * n))
