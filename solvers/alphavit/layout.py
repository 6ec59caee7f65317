"""The token layout of one game configuration: which tokens are board cells, where they lie,
which token each action points at. Computed once per configuration (numpy only).

The network's sequence for a position of this layout is::

    [value, game, token_0 .. token_{T-1}, special_0 .. special_{S-1}]

where tokens keep the game's order and ``special_k`` is a learned token for the k-th action
whose ``action_tokens`` entry is -1 (pass). ``L = T + S + 2``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from varena.engine.api import Tokens
from varena.engine.errors import VarenaError

#: Sequence slots before the game's tokens: the value token and the game token.
PREFIX = 2


class LayoutError(VarenaError, ValueError):
    """A game's token encoding does not fit the network (too many features, bad positions)."""


@dataclass(frozen=True, eq=False)
class Layout:
    """Shapes and index maps of one configured game (all arrays int64 unless said).

    - ``key``: the game's spec, ``game``: its name.
    - ``num_tokens`` T, ``num_special`` S, ``num_actions`` A, ``seq_len`` L = T + S + 2.
    - ``board_idx`` [Tb]: tokens with a grid position; ``rows``/``cols`` [Tb] their cells on an
      ``height x width`` board (0 x 0 when there are none).
    - ``other_idx`` [To]: tokens without a position (point sets, off-board tokens); their
      features are embedded linearly.
    - ``order`` [T]: ``cat(board tokens, other tokens)[:, order]`` restores the game's order.
    - ``action_seq`` [A]: for each action, its index among ``tokens + specials`` (0..T+S-1).
    """

    key: str
    game: str
    num_tokens: int
    num_special: int
    num_actions: int
    num_features: int
    num_globals: int
    height: int
    width: int
    board_idx: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    other_idx: np.ndarray
    order: np.ndarray
    action_seq: np.ndarray

    @property
    def seq_len(self) -> int:
        return self.num_tokens + self.num_special + PREFIX

    @property
    def cells(self) -> np.ndarray:
        """Flat cell index ``row * width + col`` of each board token ([Tb])."""
        return self.rows * self.width + self.cols

    def relative_index(self) -> np.ndarray:
        """[Tb, Tb] index of (dy, dx) of every board-token pair in :meth:`relative_offsets`."""
        dy = self.rows[:, None] - self.rows[None, :] + (self.height - 1)
        dx = self.cols[:, None] - self.cols[None, :] + (self.width - 1)
        return dy * (2 * self.width - 1) + dx

    def relative_offsets(self) -> np.ndarray:
        """float32 [(2H-1)(2W-1), 2]: every (dy, dx) a pair of cells can have."""
        dy, dx = np.meshgrid(np.arange(-(self.height - 1), self.height),
                             np.arange(-(self.width - 1), self.width), indexing="ij")
        return np.stack([dy.ravel(), dx.ravel()], axis=1).astype(np.float32)


def build_layout(key: str, game: str, tokens: Tokens, max_features: int, max_globals: int,
                 max_special: int) -> Layout:
    """The layout of a game configuration from one :class:`Tokens` of it."""
    feats = tokens.features
    if feats.ndim != 3:
        raise LayoutError(f"{key}: token features must be [B, T, F], got shape {feats.shape}")
    _, t, f = feats.shape
    g = tokens.globals.shape[-1] if tokens.globals.ndim == 2 else 0
    if f > max_features:
        raise LayoutError(f"{key}: {f} token features; this network accepts at most {max_features}")
    if g > max_globals:
        raise LayoutError(f"{key}: {g} global inputs; this network accepts at most {max_globals}")
    act = np.asarray(tokens.action_tokens, dtype=np.int64)
    if act.ndim != 1 or ((act < -1) | (act >= t)).any():
        raise LayoutError(f"{key}: action_tokens must be [A] with values in -1..{t - 1}")
    special = np.flatnonzero(act == -1)
    if special.size > max_special:
        raise LayoutError(f"{key}: {special.size} actions without a token; "
                          f"this network has {max_special} special tokens")
    action_seq = act.copy()
    action_seq[special] = t + np.arange(special.size)

    if tokens.positions is None:
        board = np.zeros(0, dtype=np.int64)
        rows = cols = np.zeros(0, dtype=np.int64)
    else:
        pos = np.asarray(tokens.positions, dtype=np.int64)
        if pos.shape != (t, 2):
            raise LayoutError(f"{key}: positions must be [T, 2] = [{t}, 2], got {pos.shape}")
        board = np.flatnonzero(pos[:, 0] >= 0)
        rows, cols = pos[board, 0], pos[board, 1]
        if (cols < 0).any():
            raise LayoutError(f"{key}: a token has a row but no column (negative column)")
    other = np.setdiff1d(np.arange(t), board)
    height = int(rows.max()) + 1 if rows.size else 0
    width = int(cols.max()) + 1 if cols.size else 0
    if rows.size and np.unique(rows * width + cols).size != rows.size:
        raise LayoutError(f"{key}: two tokens share one board cell")
    order = np.argsort(np.concatenate([board, other]), kind="stable")
    return Layout(key=key, game=game, num_tokens=t, num_special=int(special.size),
                  num_actions=int(act.size), num_features=f, num_globals=g, height=height,
                  width=width, board_idx=board, rows=rows, cols=cols, other_idx=other,
                  order=order, action_seq=action_seq)

