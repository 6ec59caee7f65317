"""A deliberately naive Go referee for tests: boards are tuples, history a set of positions.

Independent of the Numba rules (no hashing, no incremental chains): every legality question
is answered by playing the move on a copy and flood-filling.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RefGo:
    width: int
    height: int
    komi: float = 7.5
    superko: str = "positional"  # positional | situational | simple
    suicide: bool = False
    board: list[int] = field(default_factory=list)
    to_play: int = 0  # 0 black, 1 white
    ko: int = -1
    passes: int = 0
    captures: list[int] = field(default_factory=lambda: [0, 0])  # stones captured BY b, w
    history: list[tuple[tuple[int, ...], int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.board:
            self.board = [0] * (self.width * self.height)
        self.history = [(tuple(self.board), self.to_play)]

    def neighbours(self, a: int) -> list[int]:
        r, c = divmod(a, self.width)
        out = []
        if r > 0:
            out.append(a - self.width)
        if r < self.height - 1:
            out.append(a + self.width)
        if c > 0:
            out.append(a - 1)
        if c < self.width - 1:
            out.append(a + 1)
        return out

    def chain(self, board: list[int], a: int) -> tuple[set[int], set[int]]:
        color = board[a]
        stones, libs, todo = {a}, set(), [a]
        while todo:
            s = todo.pop()
            for t in self.neighbours(s):
                if board[t] == 0:
                    libs.add(t)
                elif board[t] == color and t not in stones:
                    stones.add(t)
                    todo.append(t)
        return stones, libs

    def apply(self, board: list[int], a: int, color: int) -> tuple[list[int], int, int, int]:
        """(new board, captured, suicided, ko point) of ``color`` (1/2) playing ``a``."""
        b = list(board)
        b[a] = color
        captured, last = 0, -1
        for t in self.neighbours(a):
            if b[t] == 3 - color:
                stones, libs = self.chain(b, t)
                if not libs:
                    for s in stones:
                        b[s] = 0
                    captured += len(stones)
                    last = t
        suicided = 0
        if not captured:
            stones, libs = self.chain(b, a)
            if not libs:
                for s in stones:
                    b[s] = 0
                suicided = len(stones)
        ko = -1
        if captured == 1:
            stones, libs = self.chain(b, a)
            if len(stones) == 1 and len(libs) == 1:
                ko = last
        return b, captured, suicided, ko

    def legal(self, a: int) -> bool:
        n = self.width * self.height
        if a == n:
            return True
        if self.board[a] != 0 or a == self.ko:
            return False
        b, _, suicided, _ = self.apply(self.board, a, self.to_play + 1)
        if suicided and not self.suicide:
            return False
        if self.superko == "positional":
            return all(pos != tuple(b) for pos, _ in self.history)
        if self.superko == "situational":
            return (tuple(b), 1 - self.to_play) not in self.history
        return True

    def legal_moves(self) -> list[int]:
        return [a for a in range(self.width * self.height + 1) if self.legal(a)]

    def play(self, a: int) -> None:
        n = self.width * self.height
        color = self.to_play + 1
        if a == n:
            self.passes += 1
            self.ko = -1
        else:
            self.board, captured, suicided, self.ko = self.apply(self.board, a, color)
            self.captures[self.to_play] += captured
            self.captures[1 - self.to_play] += suicided
            self.passes = 0
        self.to_play = 1 - self.to_play
        self.history.append((tuple(self.board), self.to_play))

    def area(self) -> float:
        """Black area minus White area minus komi (Tromp-Taylor)."""
        score = 0
        seen: set[int] = set()
        for a, v in enumerate(self.board):
            if v:
                score += 1 if v == 1 else -1
            elif a not in seen:
                region, reach, todo = {a}, set(), [a]
                while todo:
                    s = todo.pop()
                    for t in self.neighbours(s):
                        if self.board[t] == 0 and t not in region:
                            region.add(t)
                            todo.append(t)
                        elif self.board[t]:
                            reach.add(self.board[t])
                seen |= region
                if reach == {1}:
                    score += len(region)
                elif reach == {2}:
                    score -= len(region)
        return score - self.komi
