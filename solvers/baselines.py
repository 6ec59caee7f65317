"""Baseline solvers that need nothing but the game contract."""

from __future__ import annotations

import numpy as np

from engine.api import Solver


class RandomSolver(Solver):
    """Uniformly random legal moves; the anchor of every rating table (Elo 0)."""

    name = "random"
    description = "uniformly random legal moves"

    def select_actions(self, states: np.ndarray) -> np.ndarray:
        masks = self.game.legal_masks(states)
        out = np.empty(len(states), dtype=np.int64)
        for i, mask in enumerate(masks):
            legal = np.flatnonzero(mask)
            if legal.size == 0:
                raise ValueError("random: no legal action (the game is over)")
            out[i] = legal[self.rng.integers(legal.size)]
        return out
