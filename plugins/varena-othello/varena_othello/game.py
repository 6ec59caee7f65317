"""Othello on any even square board from 4x4 to 16x16, as a varena Numba game.

``othello`` is the standard 8x8 game; ``othello:size=6`` the 6x6 board of the AlphaViT
paper. Rules and the state layout are in :mod:`varena_othello.rules`.

Move names are Othello notation: a column letter ``a``, ``b``, ... then the row counted
from the top, so black's four openings on 8x8 are ``d3``, ``c4``, ``f5`` and ``e6``;
``pass`` passes (legal only when no disc move is). ``parse_action`` accepts any case.
"""

from __future__ import annotations

import re

import numpy as np

from varena.engine.api import Kernels, NumbaGame, Tokens
from varena.engine.errors import IllegalMoveError, SpecError
from varena.engine.params import Param
from varena_othello import rules as R

LETTERS = "abcdefghijklmnop"
_MOVE = re.compile(r"^\s*([a-p])\s*(\d{1,2})\s*$", re.IGNORECASE)


class Othello(NumbaGame):
    """Othello (Reversi); see the module doc for the rules and the move names."""

    name = "othello"
    description = "Othello (Reversi) on any even board from 4x4 to 16x16"
    params = (
        Param("size", int, 8, "side of the square board (even)", R.MIN_SIZE, R.MAX_SIZE),
    )
    kernels = Kernels(R.step, R.legal_mask, R.outcome, R.to_play, R.playout, R.heuristic)
    state_dtype = np.dtype(R.STATE_DTYPE)
    num_players = 2
    num_symmetries = 8
    #: Token features are 0/1 indicators (bounds the gymnasium observation space).
    feature_range = (0.0, 1.0)

    def __init__(self, size: int = 8) -> None:
        super().__init__(size=size)
        if not (R.MIN_SIZE <= size <= R.MAX_SIZE and size % 2 == 0):
            raise SpecError(f"othello: size={size} is not accepted; "
                            f"accepted: even integer {R.MIN_SIZE}..{R.MAX_SIZE}")
        self.size = int(size)
        self.area = self.size * self.size
        self.pass_action = self.area
        self.num_actions = self.area + 1
        self.state_len = R.HEADER + self.area
        # Each pass is followed by a disc (else the game is over), and the first move is a disc.
        self.max_moves = 2 * (self.area - 4)
        self._maps = [self._symmetry_map(k) for k in range(self.num_symmetries)]

    # -- states -------------------------------------------------------------------------------
    def initial_state(self, rng: np.random.Generator | None = None) -> np.ndarray:
        return R.new_state(self.size)

    def position(self, board: np.ndarray, to_play: int = 0) -> np.ndarray:
        """A state from a board (``[n, n]`` or flat; 0 empty, 1 black, 2 white) and the side
        to move; whether it must pass or the game is over follows from the board."""
        cells = np.asarray(board).reshape(-1)
        if cells.size != self.area or not np.isin(cells, (0, 1, 2)).all():
            raise IllegalMoveError(f"a {self.size}x{self.size} board of 0/1/2 values is needed")
        if to_play not in (0, 1):
            raise IllegalMoveError(f"to_play={to_play!r} is not accepted; accepted: 0 or 1")
        s = self.initial_state()
        s[R.HEADER:] = cells
        s[R.BLACK_N], s[R.WHITE_N] = int((cells == 1).sum()), int((cells == 2).sum())
        s[R.TURN] = 1 - to_play  # settle() hands the move over
        R.settle(s)
        return s

    def board(self, state: np.ndarray) -> np.ndarray:
        """The cells as int ``[n, n]`` (0 empty, 1 black, 2 white); row 0 on top."""
        return np.asarray(state[R.HEADER:], dtype=np.int64).reshape(self.size, self.size)

    def discs(self, state: np.ndarray) -> tuple[int, int]:
        """(black discs, white discs)."""
        return int(state[R.BLACK_N]), int(state[R.WHITE_N])

    # -- presentation -------------------------------------------------------------------------
    def action_name(self, action: int) -> str:
        a = int(action)
        if a == self.pass_action:
            return "pass"
        r, c = divmod(a, self.size)
        return f"{LETTERS[c]}{r + 1}"

    def parse_action(self, text: str) -> int:
        t = str(text).strip().lower()
        if t == "pass":
            return self.pass_action
        m = _MOVE.match(t)
        if m:
            c = LETTERS.index(m.group(1))
            row = int(m.group(2))
            if c < self.size and 1 <= row <= self.size:
                return (row - 1) * self.size + c
        raise IllegalMoveError(
            f"unknown move {text!r}; expected a column letter a..{LETTERS[self.size - 1]} and "
            f"a row 1..{self.size} (1 on top), like {self.action_name(self.area // 2 - 1)!r}, "
            "or 'pass'")

    def render(self, state: np.ndarray) -> str:
        """The board; X black, O white, '*' the moves of the side to move, last move in []."""
        board = self.board(state)
        last = int(state[R.LAST])
        legal = self.legal_mask(state)
        pad = len(str(self.size))
        lines = [" " * (pad + 1) + " ".join(LETTERS[: self.size])]
        for r in range(self.size):
            row = str(r + 1).rjust(pad) + " "
            for c in range(self.size):
                cell = r * self.size + c
                ch = "*" if legal[cell] else ".XO"[board[r, c]]
                row = row[:-1] + f"[{ch}]" if cell == last else row + ch + " "
            lines.append(row.rstrip())
        b, w = self.discs(state)
        done, _ = self.outcome(state)
        tail = self.result_text(state) if done else (
            f"{self.player_name(self.to_play(state))} to move"
            + (" (must pass)" if state[R.PASS_ONLY] else ""))
        lines.append(f"Black {b}, White {w}; {tail}")
        return "\n".join(lines)

    def result_text(self, state: np.ndarray) -> str:
        res = int(state[R.RESULT])
        if res == R.RUNNING:
            raise IllegalMoveError("the game is not over yet")
        b, w = self.discs(state)
        if res == R.DRAW:
            return f"draw ({b}-{w})"
        return f"{self.player_name(res - 1)} wins ({max(b, w)}-{min(b, w)})"

    def metrics(self, state: np.ndarray) -> dict[str, float]:
        """Disc counts of a finished game (tournaments store them with each result)."""
        b, w = self.discs(state)
        return {"black_discs": float(b), "white_discs": float(w)}

    #: Tournament records are game transcripts (:meth:`record_text`).
    record_suffix = ".txt"

    def record_text(self, record) -> str:
        """The game as an Othello transcript, ``f5d6c3d3...``: moves in order, passes left
        out (they are forced); :meth:`play_transcript` reads it back."""
        return "".join(self.action_name(a) for a in record.moves if a != self.pass_action) + "\n"

    def play_transcript(self, text: str) -> np.ndarray:
        """The state after a transcript such as ``"f5d6c3"`` (passes, forced, are played
        where they fall; ``pass`` may also be written); each move is checked."""
        moves = re.findall(r"pass|[a-p]\d{1,2}", str(text).lower())
        if "".join(moves) != re.sub(r"[\s,;]", "", str(text).lower()):
            raise IllegalMoveError(f"not an Othello transcript: {text!r}; expected moves like 'f5d6c3'")
        s = self.initial_state()
        for name in moves:
            a = self.parse_action(name)
            if a != self.pass_action and s[R.PASS_ONLY]:
                s = self.play(s, self.pass_action)
            s = self.play(s, a)
        return s

    # -- network encoding ---------------------------------------------------------------------
    def tokens(self, states: np.ndarray) -> Tokens:
        """One token per cell, row-major; pass has no token (its action_tokens entry is -1).

        - features float32 ``[B, n*n, 4]``: own disc, opponent disc (from the side to move),
          empty, a legal move of the side to move.
        - positions int32 ``[n*n, 2]``: (row, col).
        - globals float32 ``[B, 3]``: side to move (0 black, 1 white), n/16, must pass.
        """
        states = np.ascontiguousarray(np.atleast_2d(states))
        b, t = len(states), self.area
        cells = states[:, R.HEADER:]
        me = (states[:, R.TURN] + 1)[:, None]
        feats = np.zeros((b, t, 4), dtype=np.float32)
        feats[..., 0] = cells == me
        feats[..., 1] = (cells != me) & (cells != 0)
        feats[..., 2] = cells == 0
        mask = np.zeros(self.num_actions, dtype=np.bool_)
        for i in range(b):
            R.legal_mask(states[i], mask)
            feats[i, :, 3] = mask[:t]
        rows, cols = np.divmod(np.arange(t, dtype=np.int32), self.size)
        glob = np.zeros((b, 3), dtype=np.float32)
        glob[:, 0] = states[:, R.TURN]
        glob[:, 1] = self.size / R.MAX_SIZE
        glob[:, 2] = states[:, R.PASS_ONLY]
        return Tokens(feats, np.stack([rows, cols], axis=1).astype(np.int32),
                      np.append(np.arange(t, dtype=np.int64), -1), glob)

    # -- symmetries ---------------------------------------------------------------------------
    def _symmetry_map(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(source, perm): new cells = old cells[source]; perm[a] = image of action a.

        k = 0..3 rotate by k quarter turns, k = 4..7 mirror then rotate; pass maps to pass.
        The rules are the same under all eight (only the start position is not symmetric
        under a quarter turn, which swaps the centre colours).
        """
        idx = np.arange(self.area).reshape(self.size, self.size)
        moved = np.rot90(np.fliplr(idx) if k >= 4 else idx, k % 4)
        source = moved.reshape(-1).copy()
        perm = np.empty(self.num_actions, dtype=np.int64)
        perm[source] = np.arange(self.area)
        perm[self.area] = self.area
        return source, perm

    def _check_symmetry(self, k: int) -> None:
        if not 0 <= k < self.num_symmetries:
            raise ValueError(f"symmetry {k} out of range 0..{self.num_symmetries - 1}")

    def transform_states(self, states: np.ndarray, k: int) -> np.ndarray:
        self._check_symmetry(k)
        source, perm = self._maps[k]
        out = np.array(states, copy=True)
        out[..., R.HEADER:] = states[..., R.HEADER + source]
        last = out[..., R.LAST]
        out[..., R.LAST] = np.where(last >= 0, perm[np.maximum(last, 0)], -1)
        return out

    def action_permutation(self, k: int) -> np.ndarray:
        self._check_symmetry(k)
        return self._maps[k][1].copy()
