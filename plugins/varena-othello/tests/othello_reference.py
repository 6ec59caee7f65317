"""A brute-force Othello referee, written independently of the Numba kernels.

Plain Python over a 2-d list board (0 empty, 1 black, 2 white). A move is found by walking
every ray from every empty cell and collecting the cells it would flip; the game flow
(pass only when no move, end when neither side can move) is decided from those lists.
"""

from __future__ import annotations

RAYS = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)]


class Referee:
    def __init__(self, n: int) -> None:
        self.n = n
        self.board = [[0] * n for _ in range(n)]
        m = n // 2
        self.board[m - 1][m - 1] = self.board[m][m] = 2
        self.board[m - 1][m] = self.board[m][m - 1] = 1
        self.color = 1  # black moves first
        self.over = False

    def flips(self, r: int, c: int, color: int) -> list[tuple[int, int]]:
        """Every cell a disc of ``color`` on (r, c) would flip (empty list: not a move)."""
        if self.board[r][c]:
            return []
        out = []
        for dr, dc in RAYS:
            ray = []
            rr, cc = r + dr, c + dc
            while 0 <= rr < self.n and 0 <= cc < self.n and self.board[rr][cc] == 3 - color:
                ray.append((rr, cc))
                rr, cc = rr + dr, cc + dc
            if ray and 0 <= rr < self.n and 0 <= cc < self.n and self.board[rr][cc] == color:
                out += ray
        return out

    def moves(self, color: int) -> list[int]:
        return [r * self.n + c for r in range(self.n) for c in range(self.n)
                if self.flips(r, c, color)]

    def legal(self) -> list[int]:
        """Legal actions of the side to move (cells, or [n*n] for a forced pass)."""
        if self.over:
            return []
        mine = self.moves(self.color)
        return mine if mine else [self.n * self.n]

    def play(self, action: int) -> None:
        assert action in self.legal(), action
        if action < self.n * self.n:
            r, c = divmod(action, self.n)
            for rr, cc in self.flips(r, c, self.color):
                self.board[rr][cc] = self.color
            self.board[r][c] = self.color
        self.color = 3 - self.color
        if not self.moves(self.color) and not self.moves(3 - self.color):
            self.over = True

    def winner(self) -> int:
        """1 black, 2 white, 0 draw (only once the game is over)."""
        b = sum(row.count(1) for row in self.board)
        w = sum(row.count(2) for row in self.board)
        return 1 if b > w else 2 if w > b else 0

    def cells(self) -> list[int]:
        return [v for row in self.board for v in row]
