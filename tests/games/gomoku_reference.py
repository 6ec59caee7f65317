"""A brute-force reference for gomoku rules, written independently of the Numba kernels.

Plain Python over a 2-d list board (0 empty, 1 black, 2 white). Wins are found by scanning
every line of the whole board; renju patterns are found by trying every empty cell of a
line and comparing sets of stones, not by looking at run ends as the kernels do.
"""

from __future__ import annotations

DIRS = ((0, 1), (1, 0), (1, 1), (1, -1))


def _inside(board, r, c):
    return 0 <= r < len(board) and 0 <= c < len(board[0])


def all_lines(board):
    """Every full line of the board (rows, columns, both diagonals) as lists of (r, c)."""
    h, w = len(board), len(board[0])
    for dr, dc in DIRS:
        for r in range(h):
            for c in range(w):
                if _inside(board, r - dr, c - dc):
                    continue  # not the start of a line
                line, rr, cc = [], r, c
                while _inside(board, rr, cc):
                    line.append((rr, cc))
                    rr, cc = rr + dr, cc + dc
                yield line


def _runs(board, line, color):
    """Maximal runs of ``color`` in ``line``: (start index, end index exclusive)."""
    i = 0
    while i < len(line):
        if board[line[i][0]][line[i][1]] != color:
            i += 1
            continue
        j = i
        while j < len(line) and board[line[j][0]][line[j][1]] == color:
            j += 1
        yield i, j
        i = j


def has_win(board, color, k, rule):
    """Whether ``color`` has a winning line anywhere under ``rule``."""
    opp = 3 - color
    for line in all_lines(board):
        for i, j in _runs(board, line, color):
            n = j - i
            if rule == "freestyle" and n >= k:
                return True
            if rule == "standard" and n == k:
                return True
            if rule == "renju" and (n == 5 or (n > 5 and color == 2)):
                return True
            if rule == "caro" and n == k:
                before = i > 0 and board[line[i - 1][0]][line[i - 1][1]] == opp
                after = j < len(line) and board[line[j][0]][line[j][1]] == opp
                if not (before and after):
                    return True
    return False


def _line_through(board, r, c, dr, dc):
    while _inside(board, r - dr, c - dc):
        r, c = r - dr, c - dc
    line = []
    while _inside(board, r, c):
        line.append((r, c))
        r, c = r + dr, c + dc
    return line


def _run_with(board, line, idx):
    """The set of indices of the maximal black run through line[idx]."""
    lo = hi = idx
    while lo > 0 and board[line[lo - 1][0]][line[lo - 1][1]] == 1:
        lo -= 1
    while hi + 1 < len(line) and board[line[hi + 1][0]][line[hi + 1][1]] == 1:
        hi += 1
    return set(range(lo, hi + 1))


def _four_groups(board, line, p):
    """Map: frozenset of four stone indices (containing p) -> number of cells making five."""
    groups: dict[frozenset, int] = {}
    for j, (r, c) in enumerate(line):
        if board[r][c] != 0:
            continue
        board[r][c] = 1
        run = _run_with(board, line, j)
        board[r][c] = 0
        if len(run) == 5 and p in run:
            key = frozenset(run - {j})
            groups[key] = groups.get(key, 0) + 1
    return groups


def forbidden(board, r, c):
    """RIF renju: is black on empty (r, c) forbidden? Unbounded recursion for false threes."""
    board[r][c] = 1
    try:
        lines = [(_line_through(board, r, c, dr, dc)) for dr, dc in DIRS]
        idx = [line.index((r, c)) for line in lines]
        lengths = [len(_run_with(board, line, i)) for line, i in zip(lines, idx, strict=True)]
        if 5 in lengths:
            return False
        if max(lengths) > 5:
            return True
        fours = [len(_four_groups(board, line, i)) for line, i in zip(lines, idx, strict=True)]
        if sum(fours) >= 2:
            return True
        threes = 0
        for line, i, f in zip(lines, idx, fours, strict=True):
            if f:
                continue
            for j, (rr, cc) in enumerate(line):
                if board[rr][cc] != 0:
                    continue
                board[rr][cc] = 1
                straight = any(n >= 2 and i in g and j in g
                               for g, n in _four_groups(board, line, i).items())
                board[rr][cc] = 0
                if straight and not forbidden(board, rr, cc):
                    threes += 1
                    break
        return threes >= 2
    finally:
        board[r][c] = 0


def legal(board, to_play, rule):
    """List of legal cells (row-major indices) for the side to move."""
    w = len(board[0])
    out = []
    for r in range(len(board)):
        for c in range(w):
            if board[r][c] == 0 and not (rule == "renju" and to_play == 0 and forbidden(board, r, c)):
                out.append(r * w + c)
    return out
