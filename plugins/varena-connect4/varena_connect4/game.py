"""Connect Four on any board from 4x4 to 15x15 with k in a row, as a varena Numba game.

``connect4`` is the classic 7 columns x 6 rows, four in a row; ``connect4:width=5,height=4``
the small board of the AlphaViT paper; ``connect4:width=9,height=7,k=5`` a larger variant.
Rules and the state layout are in :mod:`varena_connect4.rules`.

An action is a column. Its name is the column number counted from the left, ``1`` .. ``W``
(as a player calls it); ``parse_action`` also takes the column letter ``a`` .. ``o``.
"""

from __future__ import annotations

import numpy as np

from varena.engine.api import Kernels, NumbaGame, Tokens
from varena.engine.errors import IllegalMoveError, SpecError
from varena.engine.params import Param
from varena_connect4 import rules as R

LETTERS = "abcdefghijklmno"
_NUMBERS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}


class ConnectFour(NumbaGame):
    """Connect Four with gravity; see the module doc for the rules and the move names."""

    name = "connect4"
    description = "Connect Four: drop discs, k in a row wins, any board from 4x4 to 15x15"
    params = (
        Param("width", int, 7, "columns", R.MIN_SIDE, R.MAX_SIDE),
        Param("height", int, 6, "rows", R.MIN_SIDE, R.MAX_SIDE),
        Param("k", int, 4, "discs in a row needed to win (at most the longer side)", 2, R.MAX_SIDE),
    )
    kernels = Kernels(R.step, R.legal_mask, R.outcome, R.to_play, R.playout, R.heuristic)
    state_dtype = np.dtype(R.STATE_DTYPE)
    num_players = 2
    #: The mirror image left to right (gravity rules out the others).
    num_symmetries = 2
    #: Token features are 0/1 indicators (bounds the gymnasium observation space).
    feature_range = (0.0, 1.0)

    def __init__(self, width: int = 7, height: int = 6, k: int = 4) -> None:
        super().__init__(width=width, height=height, k=k)
        for what, v in (("width", width), ("height", height)):
            if not R.MIN_SIDE <= v <= R.MAX_SIDE:
                raise SpecError(f"connect4: {what}={v} is not accepted; "
                                f"accepted: integer {R.MIN_SIDE}..{R.MAX_SIDE}")
        longest = max(width, height)
        if not 2 <= k <= longest:
            raise SpecError(f"connect4: k={k} does not fit a {width}x{height} board; "
                            f"accepted: 2..{longest}")
        self.width, self.height, self.k = int(width), int(height), int(k)
        self.area = self.width * self.height
        self.num_actions = self.width
        self.state_len = R.HEADER + self.area
        self.max_moves = self.area
        self._mirror = np.arange(self.area).reshape(self.height, self.width)[:, ::-1].reshape(-1)

    # -- states -------------------------------------------------------------------------------
    def initial_state(self, rng: np.random.Generator | None = None) -> np.ndarray:
        return R.new_state(self.width, self.height, self.k)

    def board(self, state: np.ndarray) -> np.ndarray:
        """The cells as int ``[height, width]`` (0 empty, 1 first, 2 second); row 0 on top."""
        return np.asarray(state[R.HEADER:], dtype=np.int64).reshape(self.height, self.width)

    def play_columns(self, columns: str) -> np.ndarray:
        """The state after a move sequence written as column numbers, e.g. ``"4453"``
        (boards up to 9 wide) or ``"4 4 5 3"`` (any width); each move is checked."""
        text = str(columns).strip()
        tokens = text.split() if " " in text or self.width > 9 else list(text)
        s = self.initial_state()
        for t in tokens:
            s = self.play(s, self.parse_action(t))
        return s

    # -- presentation -------------------------------------------------------------------------
    def action_name(self, action: int) -> str:
        return str(int(action) + 1)

    def parse_action(self, text: str) -> int:
        t = str(text).strip().lower()
        if t.isdigit() and 1 <= int(t) <= self.width:
            return int(t) - 1
        if len(t) == 1 and t in LETTERS[: self.width]:
            return LETTERS.index(t)
        raise IllegalMoveError(f"unknown move {text!r}; expected a column 1..{self.width} "
                               f"(or a..{LETTERS[self.width - 1]}), like "
                               f"{self.action_name(self.width // 2)!r}")

    def player_name(self, player: int) -> str:
        return ("Red", "Yellow")[player]

    def render(self, state: np.ndarray) -> str:
        """The board, X the first player, O the second, the last disc in brackets."""
        board = self.board(state)
        last = int(state[R.LAST])
        wide = self.width > 9  # two-digit column numbers: three characters a cell
        lines = []
        for r in range(self.height):
            row = "" if wide else " "
            for c in range(self.width):
                ch = ".XO"[board[r, c]]
                mark = r * self.width + c == last
                if wide:
                    row += f"[{ch}]" if mark else f" {ch} "
                else:
                    row = row[:-1] + f"[{ch}]" if mark else row + ch + " "
            lines.append(row.rstrip())
        if wide:
            lines.append("".join(f"{c + 1:^3}" for c in range(self.width)).rstrip())
        else:
            lines.append(" " + " ".join(str(c + 1) for c in range(self.width)))
        done, _ = self.outcome(state)
        p = self.to_play(state)
        lines.append(self.result_text(state) if done
                     else f"{self.player_name(p)} ({'XO'[p]}) to move")
        return "\n".join(lines)

    def result_text(self, state: np.ndarray) -> str:
        res = int(state[R.RESULT])
        if res == R.RUNNING:
            raise IllegalMoveError("the game is not over yet")
        if res == R.DRAW:
            return "draw"
        return f"{self.player_name(res - 1)} wins ({_NUMBERS.get(self.k, str(self.k))} in a row)"

    def metrics(self, state: np.ndarray) -> dict[str, float]:
        """Discs played in a finished game (tournaments store them with each result)."""
        return {"discs": float(state[R.COUNT])}

    #: Tournament records are column sequences (:meth:`record_text`).
    record_suffix = ".txt"

    def record_text(self, record) -> str:
        """The game as its column numbers in order, ``4453...`` (space-separated on boards
        wider than 9); :meth:`play_columns` reads it back."""
        sep = " " if self.width > 9 else ""
        return sep.join(self.action_name(a) for a in record.moves) + "\n"

    # -- network encoding ---------------------------------------------------------------------
    def tokens(self, states: np.ndarray) -> Tokens:
        """One token per cell, row-major; the actions (columns) have no token of their own
        (action_tokens all -1), so networks read them off non-cell outputs (AlphaViD's
        resized queries, AlphaVDA's action queries, AlphaViT's special tokens).

        - features float32 ``[B, W*H, 4]``: own disc, opponent disc (from the side to move),
          empty, the cell a disc dropped now would land on.
        - positions int32 ``[W*H, 2]``: (row, col).
        - globals float32 ``[B, 4]``: side to move, width/15, height/15, k/15.
        """
        states = np.atleast_2d(states)
        b, t = len(states), self.area
        cells = states[:, R.HEADER:]
        me = (states[:, R.TURN] + 1)[:, None]
        feats = np.zeros((b, t, 4), dtype=np.float32)
        feats[..., 0] = cells == me
        feats[..., 1] = (cells != me) & (cells != 0)
        empty = cells == 0
        feats[..., 2] = empty
        # A cell is where a disc lands when it is empty and the one below is not (or it is
        # on the bottom row).
        grid = empty.reshape(b, self.height, self.width)
        below = np.ones_like(grid)
        below[:, :-1] = ~grid[:, 1:]
        feats[..., 3] = (grid & below).reshape(b, t)
        rows, cols = np.divmod(np.arange(t, dtype=np.int32), self.width)
        glob = np.zeros((b, 4), dtype=np.float32)
        glob[:, 0] = states[:, R.TURN]
        glob[:, 1:] = np.array([self.width, self.height, self.k], dtype=np.float32) / R.MAX_SIDE
        return Tokens(feats, np.stack([rows, cols], axis=1).astype(np.int32),
                      np.full(self.width, -1, dtype=np.int64), glob)

    # -- symmetries ---------------------------------------------------------------------------
    def _check_symmetry(self, k: int) -> None:
        if not 0 <= k < self.num_symmetries:
            raise ValueError(f"symmetry {k} out of range 0..{self.num_symmetries - 1}")

    def transform_states(self, states: np.ndarray, k: int) -> np.ndarray:
        """k = 1 mirrors left to right (the last move's cell with it)."""
        self._check_symmetry(k)
        out = np.array(states, copy=True)
        if k == 1:
            out[..., R.HEADER:] = states[..., R.HEADER + self._mirror]
            last = out[..., R.LAST]
            out[..., R.LAST] = np.where(last >= 0, self._mirror[np.maximum(last, 0)], -1)
        return out

    def action_permutation(self, k: int) -> np.ndarray:
        self._check_symmetry(k)
        cols = np.arange(self.width, dtype=np.int64)
        return cols[::-1].copy() if k == 1 else cols
