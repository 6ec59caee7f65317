"""Numba kernels of k-in-a-row games (gomoku and its rule variants) on any board up to 25x25.

State layout (int16 vector, ``HEADER + width * height`` long). The configuration lives in
the header, so one set of compiled kernels serves every size and rule:

==========  ================================================================
index       meaning
==========  ================================================================
0 W         board width (columns)
1 H         board height (rows)
2 K         stones in a row needed to win
3 RULE      0 freestyle, 1 standard, 2 renju, 3 caro (see :data:`RULES`)
4 TURN      player to move: 0 black (moves first), 1 white
5 COUNT     stones on the board
6 LAST      cell of the last move, -1 before the first
7 RESULT    0 running, 1 black won, 2 white won, 3 draw
==========  ================================================================

Cells follow: ``state[HEADER + row * W + col]`` is 0 empty, 1 black, 2 white; row 0 is the
top row. An action is a cell index ``row * W + col``.

Renju states carry ``W*H + 1`` more items: black's status at every cell (0 not known,
1 allowed, 2 forbidden, 3 decided only by the recursive false-three check), then a flag
that the statuses are valid. Whether a black stone on ``c`` is forbidden depends only on
the cells of the four lines through ``c``, except through the false-three recursion; so
``step`` re-decides the empty cells on the four lines of the new stone (any colour) and
keeps the others, ``legal_mask`` reads the statuses and runs the full check only on the
status-3 cells. States built otherwise (a playout, :meth:`Gomoku.position`) clear the flag;
the next ``step`` rebuilds every status, ``legal_mask`` until then decides from scratch.

Rules (checked only around the last move):
- freestyle: a line of k or more wins;
- standard: exactly k wins, an overline (k+1 or more) does not;
- renju (k=5): black wins with exactly five and may not play the forbidden moves of
  :mod:`varena.games.gomoku_renju`; white wins with five or more;
- caro: exactly k wins unless opponent stones block both ends (the board edge does not block).
The game is drawn when the board is full, or in renju when black, to move, has only
forbidden cells left.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from varena.games._numba_cache import GOMOKU, drop_stale_cache

drop_stale_cache("gomoku-kernels", GOMOKU)  # before the renju kernels load
from varena.games.gomoku_renju import _enter, forbidden, forbidden_mask, has_unforbidden  # noqa: E402

HEADER = 8
W, H, K, RULE, TURN, COUNT, LAST, RESULT = range(HEADER)
RULES = ("freestyle", "standard", "renju", "caro")
FREESTYLE, STANDARD, RENJU, CARO = range(4)
EMPTY, BLACK, WHITE = 0, 1, 2
RUNNING, BLACK_WON, WHITE_WON, DRAW = 0, 1, 2, 3
STATE_DTYPE = np.int16

# The four line directions (row step, column step): horizontal, vertical, two diagonals.
DR = np.array([0, 1, 1, 1], dtype=np.int64)
DC = np.array([1, 0, 1, -1], dtype=np.int64)


ALLOWED, FORBIDDEN, RECURSIVE = 1, 2, 3


def state_len(width: int, height: int, rule: int) -> int:
    """Items of a state: header, cells, and for renju the statuses and their flag."""
    n = width * height
    return HEADER + n + (n + 1 if rule == RENJU else 0)


def new_state(width: int, height: int, k: int, rule: int) -> np.ndarray:
    """An empty board of the given configuration (int16 ``[state_len(...)]``)."""
    s = np.zeros(state_len(width, height, rule), dtype=STATE_DTYPE)
    s[W], s[H], s[K], s[RULE], s[LAST] = width, height, k, rule, -1
    if rule == RENJU:  # nothing is forbidden on an empty board
        s[HEADER + width * height:] = ALLOWED
    return s


@njit(cache=True)
def wins_at(board, w, h, k, rule, cell):
    """Whether the stone on ``cell`` is part of a winning line under ``rule``."""
    # The runs are counted inline: a helper call per direction passes the board array each
    # time and made the random playout 1.5x slower than a bare loop
    r0, c0 = cell // w, cell % w
    color = board[cell]
    for d in range(4):
        dr, dc = DR[d], DC[d]
        n = 1
        r, c = r0 + dr, c0 + dc
        while 0 <= r < h and 0 <= c < w and board[r * w + c] == color:
            n += 1
            r += dr
            c += dc
        r1, c1 = r0 - dr, c0 - dc
        while 0 <= r1 < h and 0 <= c1 < w and board[r1 * w + c1] == color:
            n += 1
            r1 -= dr
            c1 -= dc
        if rule == FREESTYLE:
            if n >= k:
                return True
        elif rule == STANDARD:
            if n == k:
                return True
        elif rule == RENJU:
            if n == 5 or (n > 5 and color == WHITE):
                return True
        elif n == k:  # caro: an exact line that is not closed by the opponent at both ends
            opp = 3 - color
            lo = 0 <= r1 < h and 0 <= c1 < w and board[r1 * w + c1] == opp
            hi = 0 <= r < h and 0 <= c < w and board[r * w + c] == opp
            if not (lo and hi):
                return True
    return False


@njit(cache=True)
def to_play(state):
    """Index of the player to move: 0 black, 1 white."""
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
def _finish_move(state, cell, renju_draw):
    """Update the header after a stone was put on ``cell`` by the player to move.

    ``renju_draw``: check whether black, to move next, has only forbidden cells (a draw).
    The playout skips it: its own move draw finds the same draw when black is to move.
    """
    w, h = np.int64(state[W]), np.int64(state[H])
    board = state[HEADER:]
    color = state[TURN] + 1
    state[COUNT] += 1
    state[LAST] = cell
    state[TURN] = 2 - color
    if wins_at(board, w, h, np.int64(state[K]), np.int64(state[RULE]), cell):
        state[RESULT] = color
    elif state[COUNT] >= w * h:
        state[RESULT] = DRAW
    elif renju_draw and state[RULE] == RENJU and color == WHITE and not _black_can_play(state):
        state[RESULT] = DRAW


@njit(cache=True)
def _status(board, w, h, cell):
    """Black's status on the empty ``cell`` from the cells of its four lines (or RECURSIVE)."""
    r = _enter(board, w, h, cell)
    if r == 2:  # _enter left its trial stone: the answer needs the recursion
        board[cell] = EMPTY
        return RECURSIVE
    return FORBIDDEN if r == 1 else ALLOWED


@njit(cache=True)
def _update_statuses(state, cell):
    """After a stone on ``cell``: re-decide the empty cells of its four lines (all cells
    when the statuses were not valid). The board is restored after each trial stone."""
    w, h = np.int64(state[W]), np.int64(state[H])
    n = w * h
    board = state[HEADER:HEADER + n]
    status = state[HEADER + n:HEADER + 2 * n]
    if state[HEADER + 2 * n] == 0:
        for i in range(n):
            status[i] = _status(board, w, h, i) if board[i] == EMPTY else 0
        state[HEADER + 2 * n] = 1
        return
    status[cell] = 0  # occupied: no status, so equal boards give equal states
    r0, c0 = cell // w, cell % w
    for d in range(4):
        dr, dc = DR[d], DC[d]
        for sign in (-1, 1):
            r, c = r0 + sign * dr, c0 + sign * dc
            while 0 <= r < h and 0 <= c < w:
                i = r * w + c
                if board[i] == EMPTY:
                    status[i] = _status(board, w, h, i)
                r += sign * dr
                c += sign * dc


@njit(cache=True)
def _black_can_play(state):
    """Whether black has an empty cell that is not forbidden (renju)."""
    w, h = np.int64(state[W]), np.int64(state[H])
    n = w * h
    board = state[HEADER:HEADER + n]
    if state[HEADER + 2 * n] == 0:
        return has_unforbidden(board, w, h)
    for i in range(n):
        if board[i] == EMPTY:
            st = state[HEADER + n + i]
            if st == ALLOWED or (st == RECURSIVE and not forbidden(board, w, h, i, 0)):
                return True
    return False


@njit(cache=True)
def step(state, action, out):
    """Write the successor of ``state`` after a stone on cell ``action`` into ``out``."""
    if out.ctypes.data != state.ctypes.data:  # in place: nothing to copy
        out[:] = state
    out[HEADER + action] = out[TURN] + 1
    if out[RULE] == RENJU:
        _update_statuses(out, action)
    _finish_move(out, action, True)


@njit(cache=True)
def legal_mask(state, out):
    """Empty cells are legal, except black's forbidden cells in renju; none once over."""
    n = out.shape[0]
    if state[RESULT] != RUNNING:
        for i in range(n):
            out[i] = False
        return
    for i in range(n):
        out[i] = state[HEADER + i] == EMPTY
    if state[RULE] == RENJU and state[TURN] == 0:
        w, h = np.int64(state[W]), np.int64(state[H])
        valid = state[HEADER + 2 * n] != 0
        board = state[HEADER:HEADER + n].copy()  # the detector writes trial stones
        for i in range(n):
            if out[i]:
                st = state[HEADER + n + i] if valid else RECURSIVE
                if st == FORBIDDEN or (st == RECURSIVE and forbidden(board, w, h, i, 0)):
                    out[i] = False


@njit(cache=True)
def forbidden_cells(state, out):
    """Bool ``[W*H]``: cells where a black stone would be forbidden now (renju only)."""
    n = out.shape[0]
    for i in range(n):
        out[i] = False
    if state[RULE] == RENJU:
        w, h = np.int64(state[W]), np.int64(state[H])
        forbidden_mask(state[HEADER:HEADER + w * h].copy(), w, h, out)


@njit(cache=True)
def forbidden_cells_batch(states, out):
    """:func:`forbidden_cells` for each row of ``states`` ``[B, L]`` into ``out`` ``[B, W*H]``."""
    for i in range(states.shape[0]):
        forbidden_cells(states[i], out[i])


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

    Empty cells sit in a pool; each move draws one uniformly (an incremental Fisher-Yates
    shuffle). In renju, black rejects forbidden draws by moving them to the end of the
    pool without removing them, so black's move is uniform over its legal cells and white
    can still take them. Returns the value for the player to move at the start.
    """
    me = state[TURN]
    w, h = np.int64(state[W]), np.int64(state[H])
    n = w * h
    board = state[HEADER:]
    pool = np.empty(n, dtype=np.int64)
    m = 0
    for i in range(n):
        if board[i] == EMPTY:
            pool[m] = i
            m += 1
    rng = _mix(np.uint64(seed & 0x7FFFFFFFFFFFFFFF) + np.uint64(0x9E3779B97F4A7C15))
    if state[RULE] == RENJU:
        _playout_renju(state, board, pool, m, rng)
    else:
        _playout_plain(state, board, pool, m, rng)
    res = state[RESULT]
    if res == DRAW:
        return 0.0
    return 1.0 if res == me + 1 else -1.0


@njit(cache=True)
def _playout_plain(state, board, pool, m, rng):
    """The playout's loop without forbidden moves, the header in locals: the board writes
    alias the header, so moves through :func:`_finish_move` re-read and re-write it at
    every move (1.5x slower). Same moves and final state as that path."""
    w, h = np.int64(state[W]), np.int64(state[H])
    k, rule = np.int64(state[K]), np.int64(state[RULE])
    n = w * h
    turn, count = np.int64(state[TURN]), np.int64(state[COUNT])
    res, last = np.int64(state[RESULT]), np.int64(state[LAST])
    while res == RUNNING:
        if m == 0:  # a full board still running (a hand-made state): a draw, as in renju
            res = DRAW
            break
        rng = _xorshift(rng)
        j = np.int64((rng >> np.uint64(33)) % np.uint64(m))
        cell = pool[j]
        m -= 1
        pool[j] = pool[m]
        board[cell] = turn + 1
        count += 1
        last = cell
        turn = 1 - turn
        if wins_at(board, w, h, k, rule, cell):
            res = 2 - turn  # the colour that just moved
        elif count >= n:
            res = DRAW
    state[TURN], state[COUNT], state[LAST], state[RESULT] = turn, count, last, res


@njit(cache=True)
def _playout_renju(state, board, pool, m, rng):
    """The playout's loop in renju: black's forbidden draws are set aside (see above)."""
    w, h = np.int64(state[W]), np.int64(state[H])
    state[HEADER + 2 * w * h] = 0  # the playout does not keep the statuses
    while state[RESULT] == RUNNING:
        window = m
        cell = -1
        while window > 0:
            rng = _xorshift(rng)
            j = np.int64((rng >> np.uint64(33)) % np.uint64(window))
            cand = pool[j]
            if state[TURN] == 0 and forbidden(board, w, h, cand, 0):
                window -= 1
                pool[j] = pool[window]
                pool[window] = cand
                continue
            cell = cand
            m -= 1
            pool[j] = pool[m]
            break
        if cell < 0:  # black has only forbidden cells left
            state[RESULT] = DRAW
            break
        board[cell] = state[TURN] + 1
        _finish_move(state, cell, False)


@njit(cache=True)
def heuristic(state):
    """Static value in (-1, 1) for the player to move, from open windows of k cells.

    Each window of k cells in a line that holds stones of one colour only scores 4**stones
    for that colour; the side to move gets a tempo bonus, being the one to extend first.
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
