"""Gomoku (k in a row) on any board from 3x3 to 25x25: freestyle, standard, renju and caro.

``gomoku`` is 15x15 freestyle five in a row; ``gomoku:size=3,k=3`` is tic-tac-toe;
``gomoku:width=9,height=6,k=4`` a rectangle; ``gomoku:rule=renju`` renju (k must be 5).
The rules and the state layout are in :mod:`varena.games.gomoku_rules` (Numba kernels) and
:mod:`varena.games.gomoku_renju` (black's forbidden moves).

Move names follow the renju/Gomocup GUI convention: a column letter ``a``, ``b``, ... (no
letter skipped, so up to ``y`` on 25 columns) then the row number counted from the bottom,
so ``h8`` is the centre of 15x15. ``parse_action`` accepts any case.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from varena.engine.api import Kernels, NumbaGame, Tokens
from varena.engine.errors import IllegalMoveError, SpecError
from varena.engine.params import Param
from varena.games import gomoku_rules as R, sgf
from varena.games._numba_cache import load_kernels

if TYPE_CHECKING:
    from varena.engine.play import GameRecord

LETTERS = "abcdefghijklmnopqrstuvwxy"
MAX_SIDE = 25
_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
            8: "eight", 9: "nine", 10: "ten"}
_MOVE = re.compile(r"^\s*([a-y])\s*(\d{1,2})\s*$", re.IGNORECASE)


class Gomoku(NumbaGame):
    """k in a row on a width x height board; see the module doc for rules and names."""

    name = "gomoku"
    description = "k in a row on any board up to 25x25 (freestyle, standard, renju, caro)"
    params = (
        Param("size", int, 15, "side of a square board", 3, MAX_SIDE),
        Param("width", int, None, "columns of a rectangular board (default: size)", 3, MAX_SIDE),
        Param("height", int, None, "rows of a rectangular board (default: size)", 3, MAX_SIDE),
        Param("k", int, 5, "stones in a row needed to win", 2, MAX_SIDE),
        Param("rule", str, "freestyle",
              "freestyle: k or more wins; standard: exactly k; renju: black may not make "
              "double-three, double-four or overline (k=5); caro: exactly k, not blocked at "
              "both ends", choices=R.RULES),
    )
    kernels = Kernels(R.step, R.legal_mask, R.outcome, R.to_play, R.playout, R.heuristic)
    state_dtype = np.dtype(R.STATE_DTYPE)
    num_players = 2
    #: Token features are 0/1 indicators (used to bound gymnasium observation spaces).
    feature_range = (0.0, 1.0)
    record_suffix = ".sgf"

    def __init__(self, size: int = 15, width: int | None = None, height: int | None = None,
                 k: int = 5, rule: str = "freestyle") -> None:
        super().__init__(size=size, width=width, height=height, k=k, rule=rule)
        self.width = int(width if width is not None else size)
        self.height = int(height if height is not None else size)
        self.k = int(k)
        self.rule = rule
        for what, v in (("size", size), ("width", self.width), ("height", self.height)):
            if not 3 <= v <= MAX_SIDE:
                raise SpecError(f"gomoku: {what}={v} is not accepted; accepted: integer 3..{MAX_SIDE}")
        if rule not in R.RULES:
            raise SpecError(f"gomoku: rule={rule!r} is not accepted; accepted: one of {', '.join(R.RULES)}")
        longest = max(self.width, self.height)
        if not 2 <= self.k <= longest:
            raise SpecError(f"gomoku: k={self.k} does not fit a {self.width}x{self.height} board; "
                            f"accepted: 2..{longest}")
        if rule == "renju" and self.k != 5:
            raise SpecError(f"gomoku: rule=renju needs k=5 (got k={self.k})")
        self.rule_id = R.RULES.index(rule)
        self.num_actions = self.width * self.height
        self.state_len = R.state_len(self.width, self.height, self.rule_id)
        self.max_moves = self.num_actions
        self.num_symmetries = 8 if self.width == self.height else 4
        self._maps = [self._symmetry_map(s) for s in range(self.num_symmetries)]
        load_kernels(self)  # once per process: no loading during the first move

    # -- states -------------------------------------------------------------------------------
    def initial_state(self, rng: np.random.Generator | None = None) -> np.ndarray:
        return R.new_state(self.width, self.height, self.k, self.rule_id)

    def position(self, board: np.ndarray, to_play: int | None = None) -> np.ndarray:
        """A state from a board (``[height, width]`` or flat; 0 empty, 1 black, 2 white).

        ``to_play`` defaults to black when both colours have as many stones, white when black
        has one more; other counts need it given. A line already on the board that wins
        ends the game (credited to the side that is not to move); a full board is a draw.
        """
        cells = np.asarray(board).reshape(-1)
        if cells.size != self.num_actions or not np.isin(cells, (0, 1, 2)).all():
            raise IllegalMoveError(f"a {self.width}x{self.height} board of 0/1/2 values is needed")
        nb, nw = int((cells == 1).sum()), int((cells == 2).sum())
        if to_play is None:
            if nb not in (nw, nw + 1):
                raise IllegalMoveError(f"cannot tell who is to move ({nb} black, {nw} white stones)")
            to_play = 0 if nb == nw else 1
        s = self.initial_state()
        n = self.num_actions
        s[R.HEADER:R.HEADER + n] = cells
        if self.rule == "renju":
            s[R.HEADER + n:] = 0  # statuses not known: rebuilt by the next step
        s[R.TURN], s[R.COUNT] = int(to_play), nb + nw
        board_view = s[R.HEADER:R.HEADER + n]
        last_color = 2 - int(to_play)
        for cell in np.flatnonzero(cells == last_color):
            if R.wins_at(board_view, self.width, self.height, self.k, self.rule_id, int(cell)):
                s[R.RESULT], s[R.LAST] = last_color, cell
                return s
        if nb + nw == self.num_actions:
            s[R.RESULT] = R.DRAW
        elif self.rule == "renju" and to_play == 0 and not self.legal_mask(s).any():
            s[R.RESULT] = R.DRAW
        return s

    def board(self, state: np.ndarray) -> np.ndarray:
        """The cells as int ``[height, width]`` (0 empty, 1 black, 2 white); row 0 on top."""
        cells = state[R.HEADER:R.HEADER + self.num_actions]
        return np.asarray(cells, dtype=np.int64).reshape(self.height, self.width)

    def forbidden(self, state: np.ndarray) -> np.ndarray:
        """Bool ``[num_actions]``: empty cells where black may not play now (renju)."""
        out = np.zeros(self.num_actions, dtype=np.bool_)
        R.forbidden_cells(state, out)
        return out

    # -- presentation -------------------------------------------------------------------------
    def action_name(self, action: int) -> str:
        r, c = divmod(int(action), self.width)
        return f"{LETTERS[c]}{self.height - r}"

    def parse_action(self, text: str) -> int:
        m = _MOVE.match(str(text))
        if m:
            c = LETTERS.index(m.group(1).lower())
            row = int(m.group(2))
            if c < self.width and 1 <= row <= self.height:
                return (self.height - row) * self.width + c
        raise IllegalMoveError(
            f"unknown move {text!r}; expected a column letter a..{LETTERS[self.width - 1]} "
            f"and a row 1..{self.height}, like {self.action_name(self.num_actions // 2)!r}")

    def render(self, state: np.ndarray) -> str:
        """The board with coordinates; X black, O white, the last move in brackets."""
        board = self.board(state)
        last = int(state[R.LAST])
        marks = ".XO"
        pad = len(str(self.height))
        lines = [" " * (pad + 1) + " ".join(LETTERS[: self.width])]
        for r in range(self.height):
            row = str(self.height - r).rjust(pad) + " "
            for c in range(self.width):
                ch = marks[board[r, c]]
                if r * self.width + c == last:
                    row = row[:-1] + "[" + ch + "]"
                else:
                    row += ch + " "
            lines.append(row.rstrip())
        done, _ = self.outcome(state)
        tail = self.result_text(state) if done else f"{self.player_name(self.to_play(state))} to move"
        lines.append(tail)
        return "\n".join(lines)

    def result_text(self, state: np.ndarray) -> str:
        res = int(state[R.RESULT])
        if res == R.RUNNING:
            raise IllegalMoveError("the game is not over yet")
        if res == R.DRAW:
            return "draw"
        n = _NUMBERS.get(self.k, str(self.k))
        return f"{self.player_name(res - 1)} wins ({n} in a row)"

    def record_text(self, record: GameRecord) -> str:
        """The game as SGF (GM[4]); the first player is Black and the players alternate."""
        moves = [(i % 2, int(a)) for i, a in enumerate(record.moves)]
        return format_gomoku(self.width, self.height, moves, sgf.record_info(record))

    # -- network encoding ---------------------------------------------------------------------
    def tokens(self, states: np.ndarray) -> Tokens:
        """One token per cell, row-major.

        - features float32 ``[B, W*H, 4]``: own stone, opponent stone (from the side to
          move), empty, forbidden for black (renju only; zeros otherwise).
        - positions int32 ``[W*H, 2]``: (row, col); action_tokens: action a -> token a.
        - globals float32 ``[B, 8]``: side to move (0 black, 1 white), width/25, height/25,
          k/25, one-hot rule (freestyle, standard, renju, caro).
        """
        states = np.atleast_2d(states)
        b, t = len(states), self.num_actions
        cells = states[:, R.HEADER:R.HEADER + t]
        me = (states[:, R.TURN] + 1)[:, None]
        feats = np.zeros((b, t, 4), dtype=np.float32)
        feats[..., 0] = cells == me
        feats[..., 1] = (cells != me) & (cells != 0)
        feats[..., 2] = cells == 0
        if self.rule == "renju":
            forbidden = np.zeros((b, t), dtype=np.bool_)
            R.forbidden_cells_batch(np.ascontiguousarray(states), forbidden)
            feats[..., 3] = forbidden
        rows, cols = np.divmod(np.arange(t, dtype=np.int32), self.width)
        glob = np.zeros((b, 8), dtype=np.float32)
        glob[:, 0] = states[:, R.TURN]
        glob[:, 1:4] = np.array([self.width, self.height, self.k], dtype=np.float32) / MAX_SIDE
        glob[:, 4 + self.rule_id] = 1.0
        return Tokens(feats, np.stack([rows, cols], axis=1).astype(np.int32),
                      np.arange(t, dtype=np.int64), glob)

    # -- symmetries ---------------------------------------------------------------------------
    def _symmetry_map(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(source, perm): new cells = old cells[source]; perm[a] = image of action a.

        Squares: k = 0..3 rotate by k quarter turns, k = 4..7 mirror then rotate.
        Rectangles: identity, left-right mirror, up-down mirror, half turn.
        """
        idx = np.arange(self.num_actions).reshape(self.height, self.width)
        if self.width == self.height:
            moved = np.rot90(np.fliplr(idx) if k >= 4 else idx, k % 4)
        else:
            moved = [idx, np.fliplr(idx), np.flipud(idx), np.rot90(idx, 2)][k]
        source = moved.reshape(-1).copy()
        perm = np.empty(self.num_actions, dtype=np.int64)
        perm[source] = np.arange(self.num_actions)
        return source, perm

    def _check_symmetry(self, k: int) -> None:
        if not 0 <= k < self.num_symmetries:
            raise ValueError(f"symmetry {k} out of range 0..{self.num_symmetries - 1}")

    def transform_states(self, states: np.ndarray, k: int) -> np.ndarray:
        self._check_symmetry(k)
        source, perm = self._maps[k]
        out = np.array(states, copy=True)
        n = self.num_actions
        out[..., R.HEADER:R.HEADER + n] = states[..., R.HEADER + source]
        if self.rule == "renju":  # the rules are symmetric: the statuses move with the cells
            out[..., R.HEADER + n:R.HEADER + 2 * n] = states[..., R.HEADER + n + source]
        last = out[..., R.LAST]
        out[..., R.LAST] = np.where(last >= 0, perm[np.maximum(last, 0)], -1)
        return out

    def action_permutation(self, k: int) -> np.ndarray:
        self._check_symmetry(k)
        return self._maps[k][1].copy()


def format_gomoku(width: int, height: int, moves: list[tuple[int, int]],
                  info: dict[str, str] | None = None) -> str:
    """SGF text (GM[4]) of a Gomoku game: moves as (player 0/1, cell ``row * width + col``)."""
    head = sgf.root(4, width, height, [], info or {})
    body = sgf.moves_text(list(moves), width)
    return head + ("\n" + body if body else "") + ")\n"
