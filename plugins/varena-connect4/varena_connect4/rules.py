"""Numba kernels of Connect Four (k in a row with gravity) on any board from 4x4 to 15x15.

State layout (int16 vector, ``HEADER + width * height`` long). The configuration lives in
the header, so one set of compiled kernels serves every size:

==========  ================================================================
index       meaning
==========  ================================================================
0 W         board width (columns)
1 H         board height (rows)
2 K         discs in a row needed to win
3 TURN      player to move: 0 first player, 1 second
4 COUNT     discs on the board
5 LAST      cell of the last disc, -1 before the first
6 RESULT    0 running, 1 first player won, 2 second player won, 3 draw
==========  ================================================================

Cells follow: ``state[HEADER + row * W + col]`` is 0 empty, 1 first player, 2 second; row 0
is the top row, so a disc dropped into a column lands on the highest-numbered empty row.
An action is a column ``0 .. W-1``; a column is legal while its top cell is empty.
A line (row, column or diagonal) of k or more discs of one colour wins; a full board
without one is a draw.
"""

from __future__ import annotations

import numpy as np
from numba import njit

HEADER = 7
W, H, K, TURN, COUNT, LAST, RESULT = range(HEADER)
EMPTY, FIRST, SECOND = 0, 1, 2
RUNNING, FIRST_WON, SECOND_WON, DRAW = 0, 1, 2, 3
STATE_DTYPE = np.int16
MIN_SIDE, MAX_SIDE = 4, 15

# The four line directions (row step, column step): horizontal, vertical, two diagonals.
DR = np.array([0, 1, 1, 1], dtype=np.int64)
DC = np.array([1, 0, 1, -1], dtype=np.int64)


def new_state(width: int, height: int, k: int) -> np.ndarray:
    s = np.zeros(HEADER + width * height, dtype=STATE_DTYPE)
    s[W], s[H], s[K], s[LAST] = width, height, k, -1
    return s


@njit(cache=True)
def _run(board, w, h, r, c, dr, dc, color):
    """Number of consecutive ``color`` discs from (r+dr, c+dc) onwards."""
    n = 0
    r += dr
    c += dc
    while 0 <= r < h and 0 <= c < w and board[r * w + c] == color:
        n += 1
        r += dr
        c += dc
    return n


@njit(cache=True)
def wins_at(board, w, h, k, cell):
    """Whether the disc on ``cell`` is part of a line of k or more."""
    r, c = cell // w, cell % w
    color = board[cell]
    for d in range(4):
        dr, dc = DR[d], DC[d]
        if _run(board, w, h, r, c, -dr, -dc, color) + _run(board, w, h, r, c, dr, dc, color) + 1 >= k:
            return True
    return False


@njit(cache=True)
def landing_row(board, w, h, col):
    """The row a disc dropped into ``col`` lands on (-1: the column is full)."""
    r = h - 1
    while r >= 0 and board[r * w + col] != EMPTY:
        r -= 1
    return r


@njit(cache=True)
def _drop(state, col):
    """Drop a disc of the player to move into ``col`` and update the header."""
    w, h = np.int64(state[W]), np.int64(state[H])
    board = state[HEADER:]
    cell = landing_row(board, w, h, col) * w + col
    color = state[TURN] + 1
    board[cell] = color
    state[COUNT] += 1
    state[LAST] = cell
    state[TURN] = 2 - color
    if wins_at(board, w, h, np.int64(state[K]), cell):
        state[RESULT] = color
    elif state[COUNT] >= w * h:
        state[RESULT] = DRAW


@njit(cache=True)
def step(state, action, out):
    """Write the successor of ``state`` after a disc dropped into column ``action``."""
    out[:] = state
    _drop(out, action)


@njit(cache=True)
def legal_mask(state, out):
    """Columns whose top cell is empty; none once the game is over."""
    running = state[RESULT] == RUNNING
    for c in range(out.shape[0]):
        out[c] = running and state[HEADER + c] == EMPTY


@njit(cache=True)
def to_play(state):
    return np.int64(state[TURN])


@njit(cache=True)
def outcome(state):
    """(done, value for the player to move): the winner always made the last move."""
    res = state[RESULT]
    if res == RUNNING:
        return False, 0.0
    if res == DRAW:
        return True, 0.0
    return True, -1.0


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
def _playout_cells(state, seed):
    """:func:`playout` on the cell array, for boards too big for one 64-bit word."""
    me = state[TURN]
    w, h = np.int64(state[W]), np.int64(state[H])
    k = np.int64(state[K])
    board = state[HEADER:]
    cols = np.empty(w, dtype=np.int64)
    rows = np.empty(w, dtype=np.int64)
    m = 0
    for c in range(w):
        r = landing_row(board, w, h, c)
        if r >= 0:
            cols[m] = c
            rows[m] = r
            m += 1
    rng = _mix(np.uint64(seed & 0x7FFFFFFFFFFFFFFF) + np.uint64(0x9E3779B97F4A7C15))
    while state[RESULT] == RUNNING:
        rng = _xorshift(rng)
        j = np.int64((rng >> np.uint64(33)) % np.uint64(m))
        cell = rows[j] * w + cols[j]
        color = state[TURN] + 1
        board[cell] = color
        state[COUNT] += 1
        state[LAST] = cell
        state[TURN] = 2 - color
        if wins_at(board, w, h, k, cell):
            state[RESULT] = color
        elif state[COUNT] >= w * h:
            state[RESULT] = DRAW
        rows[j] -= 1
        if rows[j] < 0:
            m -= 1
            cols[j] = cols[m]
            rows[j] = rows[m]
    res = state[RESULT]
    if res == DRAW:
        return 0.0
    return 1.0 if res == me + 1 else -1.0


@njit(cache=True)
def _line_in(b, shift, k):
    """Whether bitboard ``b`` holds k set bits in a row, ``shift`` apart."""
    m = b
    for i in range(1, k):
        m &= b >> np.uint64(shift * i)
        if m == np.uint64(0):
            return False
    return True


@njit(cache=True)
def _playout_bits(state, seed):
    """:func:`playout` on two 64-bit boards: bit ``c * (H + 1) + r`` is column c, row r
    counted from the bottom; the spare bit on top of each column stops lines from wrapping,
    so a line of k is k bits in a row 1 (vertical), H + 1 (horizontal), H + 2 or H apart."""
    me = state[TURN]
    w, h = np.int64(state[W]), np.int64(state[H])
    k = np.int64(state[K])
    hp = h + 1
    board = state[HEADER:]
    mine = np.zeros(2, dtype=np.uint64)
    heights = np.zeros(w, dtype=np.int64)
    cols = np.empty(w, dtype=np.int64)
    m = 0
    for c in range(w):
        for r in range(h):  # r counts from the bottom
            v = board[(h - 1 - r) * w + c]
            if v == EMPTY:
                break
            mine[v - 1] |= np.uint64(1) << np.uint64(c * hp + r)
            heights[c] = r + 1
        if heights[c] < h:
            cols[m] = c
            m += 1
    played = np.empty(w * h, dtype=np.int64)
    n = 0
    turn = np.int64(state[TURN])
    count = np.int64(state[COUNT])
    result = RUNNING
    rng = _mix(np.uint64(seed & 0x7FFFFFFFFFFFFFFF) + np.uint64(0x9E3779B97F4A7C15))
    while True:
        rng = _xorshift(rng)
        j = np.int64((rng >> np.uint64(33)) % np.uint64(m))
        c = cols[j]
        r = heights[c]
        b = mine[turn] | (np.uint64(1) << np.uint64(c * hp + r))
        mine[turn] = b
        heights[c] = r + 1
        if r + 1 == h:
            m -= 1
            cols[j] = cols[m]
        played[n] = (h - 1 - r) * w + c
        n += 1
        count += 1
        if (_line_in(b, 1, k) or _line_in(b, hp, k) or _line_in(b, hp + 1, k)
                or _line_in(b, hp - 1, k)):
            result = turn + 1
        elif count >= w * h:
            result = DRAW
        turn = 1 - turn
        if result != RUNNING:
            break
    # Write the game into the state, as the rules would have left it.
    color = state[TURN] + 1
    for i in range(n):
        board[played[i]] = color
        color = 3 - color
    state[TURN] = turn
    state[COUNT] = count
    state[LAST] = played[n - 1]
    state[RESULT] = result
    if result == DRAW:
        return 0.0
    return 1.0 if result == me + 1 else -1.0


@njit(cache=True)
def playout(state, seed):
    """Play ``state`` to the end with uniformly random legal columns (in place).

    The open columns sit in a pool; a full column leaves it. Boards with W * (H + 1) <= 64
    play on bitboards, larger ones on the cells. Returns the value for the player to move
    at the start.
    """
    if state[RESULT] != RUNNING:
        res = state[RESULT]
        return 0.0 if res == DRAW else -1.0
    if np.int64(state[W]) * (np.int64(state[H]) + 1) <= 64:
        return _playout_bits(state, seed)
    return _playout_cells(state, seed)


@njit(cache=True)
def heuristic(state):
    """Static value in (-1, 1) for the player to move, from open windows of k cells.

    Each window of k cells in a line holding discs of one colour only scores 4**discs for
    that colour; the side to move gets a tempo bonus, being the one to extend first.
    """
    res = state[RESULT]
    if res != RUNNING:
        return 0.0 if res == DRAW else -1.0
    w, h, k = np.int64(state[W]), np.int64(state[H]), np.int64(state[K])
    board = state[HEADER:]
    me = state[TURN] + 1
    score = 0.0
    for d in range(4):
        dr, dc = DR[d], DC[d]
        for r in range(h):
            er = r + (k - 1) * dr
            if er < 0 or er >= h:
                continue
            for c in range(w):
                ec = c + (k - 1) * dc
                if ec < 0 or ec >= w:
                    continue
                mine = 0
                theirs = 0
                for i in range(k):
                    v = board[(r + i * dr) * w + c + i * dc]
                    if v == me:
                        mine += 1
                    elif v != EMPTY:
                        theirs += 1
                if mine > 0 and theirs == 0:
                    score += 1.5 * 4.0 ** mine
                elif theirs > 0 and mine == 0:
                    score -= 4.0 ** theirs
    return np.tanh(score / (4.0 ** k))
