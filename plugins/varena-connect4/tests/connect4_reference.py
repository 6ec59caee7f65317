"""A brute-force Connect Four referee, written independently of the Numba kernels.

Plain Python over a 2-d list board (0 empty, 1 first player, 2 second; row 0 on top).
After every move the whole board is scanned: every line of every direction, every
window of k cells, so a win is found without looking at the last move.
"""

from __future__ import annotations

DIRS = ((0, 1), (1, 0), (1, 1), (1, -1))


class Referee:
    def __init__(self, width: int, height: int, k: int) -> None:
        self.w, self.h, self.k = width, height, k
        self.board = [[0] * width for _ in range(height)]
        self.color = 1
        self.winner = 0
        self.moves = 0

    @property
    def over(self) -> bool:
        return self.winner != 0 or self.moves == self.w * self.h

    def legal(self) -> list[int]:
        return [] if self.over else [c for c in range(self.w) if self.board[0][c] == 0]

    def play(self, col: int) -> None:
        assert col in self.legal(), col
        row = max(r for r in range(self.h) if self.board[r][col] == 0)
        self.board[row][col] = self.color
        self.moves += 1
        self.color = 3 - self.color
        self.winner = self._scan()

    def _scan(self) -> int:
        for r in range(self.h):
            for c in range(self.w):
                for dr, dc in DIRS:
                    cells = [(r + i * dr, c + i * dc) for i in range(self.k)]
                    if not all(0 <= rr < self.h and 0 <= cc < self.w for rr, cc in cells):
                        continue
                    colors = {self.board[rr][cc] for rr, cc in cells}
                    if len(colors) == 1 and 0 not in colors:
                        return colors.pop()
        return 0

    def cells(self) -> list[int]:
        return [v for row in self.board for v in row]
