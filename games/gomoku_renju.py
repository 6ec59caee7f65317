"""Renju forbidden moves for black (Numba), following the RIF definitions.

On a board of int16 cells (0 empty, 1 black, 2 white; ``w`` columns, ``h`` rows), a black
stone on an empty cell p is **forbidden** when, with p placed:

1. it makes exactly five in some line: never forbidden (five beats every other pattern);
2. else it makes an overline (six or more) in some line: forbidden;
3. else it makes two or more **fours**: forbidden (double-four). A four is four stones,
   p among them, that one more stone turns into exactly five. A straight four (``.XXXX.``,
   two ways to five) is one four; ``X.XXX.X`` or ``XX.XX.XX`` through p are two fours
   in one line, hence a double-four;
4. else it makes two or more **threes**: forbidden (double-three). A three is a line
   (with no four in it) where one more black stone q makes a straight four containing p,
   *and q is not itself forbidden* once p is on the board. That last condition is
   checked recursively, as the rules require (false threes), down to ``MAX_DEPTH``
   nested trial stones; beyond that depth the completion point is taken as allowed.
   A four in a line excludes a three in the same line (a four-three is legal).

Since every stone between p and the completing stone q is black, q is always one of the
two empty cells that end p's run of stones in that line; the detector needs nothing else.
Trial stones are written into ``board`` and removed before returning.
"""

from __future__ import annotations

import numpy as np
from numba import njit

MAX_DEPTH = 16

_DR = np.array([0, 1, 1, 1], dtype=np.int64)
_DC = np.array([1, 0, 1, -1], dtype=np.int64)


@njit(cache=True)
def _black_run(board, w, h, r, c, dr, dc):
    """Number of consecutive black stones from (r+dr, c+dc) onwards."""
    n = 0
    r += dr
    c += dc
    while 0 <= r < h and 0 <= c < w and board[r * w + c] == 1:
        n += 1
        r += dr
        c += dc
    return n


@njit(cache=True)
def _empty(board, w, h, r, c):
    return 0 <= r < h and 0 <= c < w and board[r * w + c] == 0


@njit(cache=True)
def _not_black(board, w, h, r, c):
    return not (0 <= r < h and 0 <= c < w and board[r * w + c] == 1)


@njit(cache=True)
def _fours_in_line(board, w, h, r, c, dr, dc, a, b):
    """Fours through black stone (r, c) along (dr, dc): 0, 1 (incl. straight four) or 2.

    ``a`` and ``b`` are the black stones adjoining (r, c) backwards and forwards.
    """
    n = a + b + 1
    lo = 0
    hi = 0
    lr, lc = r - (a + 1) * dr, c - (a + 1) * dc
    if _empty(board, w, h, lr, lc) and n + 1 + _black_run(board, w, h, lr, lc, -dr, -dc) == 5:
        lo = 1
    hr, hc = r + (b + 1) * dr, c + (b + 1) * dc
    if _empty(board, w, h, hr, hc) and n + 1 + _black_run(board, w, h, hr, hc, dr, dc) == 5:
        hi = 1
    if lo == 1 and hi == 1 and n == 4:
        return 1
    return lo + hi


@njit(cache=True)
def _three_point(board, w, h, r, c, dr, dc, side, a, b):
    """The cell q at one end (side -1 or +1) of the run through (r, c) (``a`` stones
    backwards, ``b`` forwards) that would make a straight four containing (r, c), or -1."""
    n = a + b + 1
    if side < 0:
        qr, qc = r - (a + 1) * dr, c - (a + 1) * dc
        sr, sc = -dr, -dc
    else:
        qr, qc = r + (b + 1) * dr, c + (b + 1) * dc
        sr, sc = dr, dc
    if not _empty(board, w, h, qr, qc):
        return -1
    beyond = _black_run(board, w, h, qr, qc, sr, sc)
    if n + 1 + beyond != 4:
        return -1
    # The four would span from the far end of q's side to the far end of the other side.
    if side < 0:
        f1r, f1c = qr - (beyond + 1) * dr, qc - (beyond + 1) * dc
        f2r, f2c = r + (b + 1) * dr, c + (b + 1) * dc
    else:
        f1r, f1c = r - (a + 1) * dr, c - (a + 1) * dc
        f2r, f2c = qr + (beyond + 1) * dr, qc + (beyond + 1) * dc
    if not (_empty(board, w, h, f1r, f1c) and _empty(board, w, h, f2r, f2c)):
        return -1
    # Both completions must be exactly five, not overlines.
    if not (_not_black(board, w, h, f1r - dr, f1c - dc) and _not_black(board, w, h, f2r + dr, f2c + dc)):
        return -1
    return qr * w + qc


@njit(cache=True)
def _could_be_forbidden(board, w, h, r, c):
    """Cheap necessary condition, counting black stones within 4 cells along each line.

    Five and overline need 4 of them in one line, and so does a double-four within one
    line; a four or a three needs 2, so two of those need 2 in each of two lines.
    """
    lines2 = 0
    for d in range(4):
        n = 0
        for sign in (-1, 1):
            rr, cc = r, c
            for _ in range(4):
                rr += sign * _DR[d]
                cc += sign * _DC[d]
                if not (0 <= rr < h and 0 <= cc < w):
                    break
                if board[rr * w + cc] == 1:
                    n += 1
        if n >= 4:
            return True
        if n >= 2:
            lines2 += 1
    return lines2 >= 2


@njit(cache=True)
def _enter(board, w, h, cell):
    """Put a black stone on ``cell`` and decide what needs no recursion.

    Returns 0 (not forbidden) or 1 (forbidden) with the stone removed again, or 2 with the
    stone left in place when the answer depends on threes (two or more candidate lines).
    """
    r, c = cell // w, cell % w
    if not _could_be_forbidden(board, w, h, r, c):
        return 0
    board[cell] = 1
    five = False
    over = False
    fours = 0
    candidates = 0
    for d in range(4):
        dr, dc = _DR[d], _DC[d]
        a = _black_run(board, w, h, r, c, -dr, -dc)
        b = _black_run(board, w, h, r, c, dr, dc)
        n = a + b + 1
        if n == 5:
            five = True
        elif n > 5:
            over = True
        elif n < 5:
            f = _fours_in_line(board, w, h, r, c, dr, dc, a, b)
            if f > 0:
                fours += f
            elif (_three_point(board, w, h, r, c, dr, dc, -1, a, b) >= 0
                  or _three_point(board, w, h, r, c, dr, dc, 1, a, b) >= 0):
                candidates += 1
    if five or over:
        board[cell] = 0
        return 0 if five else 1
    if fours >= 2:
        board[cell] = 0
        return 1
    if candidates < 2:
        board[cell] = 0
        return 0
    return 2


@njit(cache=True)
def forbidden(board, w, h, cell, depth=0):
    """Whether a black stone on the empty ``cell`` is forbidden (see the module doc).

    The false-three recursion runs on an explicit stack (frames of trial stones) rather
    than by recursive calls: Numba's on-disk cache crashes on callers of recursive
    functions (numba issue #6061). ``depth`` counts trial stones already on the board.
    """
    first = _enter(board, w, h, cell)
    if first != 2:
        return first == 1
    size = MAX_DEPTH + 1
    cells = np.empty(size, dtype=np.int64)
    dirs = np.empty(size, dtype=np.int64)  # the line being examined in each frame
    sides = np.empty(size, dtype=np.int64)  # the end of that line to try next (-1, +1)
    threes = np.empty(size, dtype=np.int64)
    sp = 0
    cells[0], dirs[0], sides[0], threes[0] = cell, 0, -1, 0
    ret = -1  # answer of the frame just popped: 1 forbidden, 0 not
    while True:
        if ret == 0:  # the completion point is allowed: a real three in this line
            threes[sp] += 1
            dirs[sp] += 1
            sides[sp] = -1
        elif ret == 1:  # a false three on this side; try the other end
            sides[sp] += 2
        ret = -1
        p = cells[sp]
        r, c = p // w, p % w
        q = -1
        while threes[sp] < 2 and dirs[sp] < 4:
            d = dirs[sp]
            a = _black_run(board, w, h, r, c, -_DR[d], -_DC[d])
            b = _black_run(board, w, h, r, c, _DR[d], _DC[d])
            if sides[sp] > 1 or _fours_in_line(board, w, h, r, c, _DR[d], _DC[d], a, b) > 0:
                dirs[sp] += 1
                sides[sp] = -1
                continue
            q = _three_point(board, w, h, r, c, _DR[d], _DC[d], sides[sp], a, b)
            if q >= 0:
                break
            sides[sp] += 2
        if threes[sp] < 2 and dirs[sp] < 4:
            if depth + sp + 1 > MAX_DEPTH:
                ret = 0
                continue
            child = _enter(board, w, h, q)
            if child != 2:
                ret = child
                continue
            sp += 1
            cells[sp], dirs[sp], sides[sp], threes[sp] = q, 0, -1, 0
            continue
        # This frame is decided: remove its stone and hand the answer to its parent.
        answer = 1 if threes[sp] >= 2 else 0
        board[cells[sp]] = 0
        if sp == 0:
            return answer == 1
        sp -= 1
        ret = answer


@njit(cache=True)
def forbidden_mask(board, w, h, out):
    """Set ``out[i]`` for each empty cell where black is forbidden (``board`` is scratch)."""
    for i in range(w * h):
        if board[i] == 0 and forbidden(board, w, h, i, 0):
            out[i] = True


@njit(cache=True)
def has_unforbidden(board, w, h):
    """Whether black has an empty cell that is not forbidden."""
    for i in range(w * h):
        if board[i] == 0 and not forbidden(board, w, h, i, 0):
            return True
    return False
