"""Pure-Python games with token encodings that exercise what real games may not: a pass
action without a token, off-board tokens, rectangular boards, point sets (no positions)."""

from __future__ import annotations

import numpy as np

from varena.engine.api import Game, Tokens
from varena.engine.params import Param


class ToyBoard(Game):
    """Two players fill cells of a width x height board or pass; over after ``moves`` plies.

    Tokens: one per cell (own, opponent, empty) plus, with ``extra=true``, one off-board token
    (position -1). Actions: cells, then pass (action_tokens -1).
    """

    name = "toyboard"
    params = (
        Param("width", int, 5, "columns", 2, 25),
        Param("height", int, 5, "rows", 2, 25),
        Param("moves", int, 6, "plies before the end", 1, 1000),
        Param("extra", bool, False, "add an off-board token"),
    )

    def __init__(self, **config):
        super().__init__(**config)
        self.w, self.h, self.moves, self.extra = (config["width"], config["height"],
                                                  config["moves"], config["extra"])
        self.cells = self.w * self.h
        self.num_actions = self.cells + 1
        self.state_len = self.cells + 2  # board, turn, plies
        self.state_dtype = np.dtype(np.int16)
        self.num_players = 2

    def initial_state(self, rng=None):
        return np.zeros(self.state_len, np.int16)

    def next_state(self, state, action):
        s = state.copy()
        if action < self.cells:
            s[action] = s[-2] + 1
        s[-2] = 1 - s[-2]
        s[-1] += 1
        return s

    def legal_mask(self, state):
        m = np.zeros(self.num_actions, np.bool_)
        if state[-1] < self.moves:
            m[: self.cells] = state[: self.cells] == 0
            m[-1] = True
        return m

    def outcome(self, state):
        return bool(state[-1] >= self.moves), 0.0

    def to_play(self, state):
        return int(state[-2])

    def tokens(self, states):
        states = np.atleast_2d(states)
        b = len(states)
        cells = states[:, : self.cells]
        me = (states[:, -2] + 1)[:, None]
        t = self.cells + int(self.extra)
        feats = np.zeros((b, t, 3), np.float32)
        feats[:, : self.cells, 0] = cells == me
        feats[:, : self.cells, 1] = (cells != me) & (cells != 0)
        feats[:, : self.cells, 2] = cells == 0
        rows, cols = np.divmod(np.arange(self.cells), self.w)
        pos = np.stack([rows, cols], 1)
        if self.extra:
            feats[:, -1, :] = states[:, -1:] / self.moves
            pos = np.concatenate([pos, [[-1, -1]]])
        act = np.concatenate([np.arange(self.cells), [-1]]).astype(np.int64)
        glob = np.stack([states[:, -2], np.full(b, self.w / 25)], 1).astype(np.float32)
        return Tokens(feats, pos.astype(np.int32), act, glob)


class ToyPoints(Game):
    """One player visits ``n`` random points in any order (a TSP without distances)."""

    name = "toypoints"
    params = (Param("n", int, 6, "points", 2, 200),)

    def __init__(self, **config):
        super().__init__(**config)
        self.n = config["n"]
        self.num_actions = self.n
        self.state_len = 3 * self.n  # x, y, visited
        self.state_dtype = np.dtype(np.float32)
        self.num_players = 1

    def initial_state(self, rng=None):
        rng = rng or np.random.default_rng(0)
        return np.concatenate([rng.random(2 * self.n), np.zeros(self.n)]).astype(np.float32)

    def next_state(self, state, action):
        s = state.copy()
        s[2 * self.n + action] = 1
        return s

    def legal_mask(self, state):
        return state[2 * self.n:] == 0

    def outcome(self, state):
        return bool((state[2 * self.n:] == 1).all()), 0.0

    def to_play(self, state):
        return 0

    def tokens(self, states):
        states = np.atleast_2d(states)
        n = self.n
        feats = np.stack([states[:, :n], states[:, n : 2 * n], states[:, 2 * n :]], -1)
        return Tokens(feats.astype(np.float32), None, np.arange(n, dtype=np.int64),
                      np.full((len(states), 1), n / 100, np.float32))
