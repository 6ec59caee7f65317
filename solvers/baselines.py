"""Baseline solvers that need nothing but the game contract.

- ``random``: uniformly random legal moves (any game).
- ``mcts``: Monte Carlo tree search with uniform priors and random-rollout values, entirely
  compiled (:mod:`varena.engine.mcts`); UCT by default.
- ``alphabeta``: depth-limited negamax with alpha-beta pruning and move ordering
  (:mod:`varena.solvers.negamax`); leaves scored by the game's heuristic kernel, else by rollouts.

These are the baselines of the AlphaViT paper (random, Minimax depth 3, MCTS with 100 and
400 rollouts). ``mcts`` and ``alphabeta`` play plain-Python games too (no compiled
kernels): the same search code runs interpreted (:mod:`varena.engine.interpreted`), about
two orders of magnitude slower. Numba is imported when an agent is made, not when listing
plugins.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from varena.engine.api import Game, Solver
from varena.engine.errors import VarenaError
from varena.engine.mcts.options import SEARCH_PARAMS
from varena.engine.params import Param
from varena.solvers.search_agent import SearchAgent


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


class MCTSSolver(SearchAgent):
    """Rollout MCTS: uniform priors, each leaf valued by ``rollouts`` random playouts.

    ``last_result`` holds the :class:`varena.engine.mcts.SearchResult` of the latest move (visit
    counts, policy targets, values). The tree is kept between moves (``reuse``): the agent
    finds the new position among its tree's nodes by comparing states.
    """

    name = "mcts"
    description = "Monte Carlo tree search with random rollouts (UCT), compiled with Numba"
    params = (SEARCH_PARAMS[0],
              Param("rollouts", int, 1, "random playouts per leaf (values are their mean)", 1, 10_000),
              *SEARCH_PARAMS[1:])

    def __init__(self, game: Game, seed: int | None = None, **config: Any) -> None:
        super().__init__(game, seed, **config)
        self.start_search()

    def make_evaluator(self) -> Any:
        from varena.engine.mcts.evaluators import RolloutEvaluator

        return RolloutEvaluator(self.game, int(self.config.get("rollouts", 1)))


class AlphaBetaSolver(Solver):
    """Negamax to a fixed depth with alpha-beta pruning; ``last_values`` holds the root
    values of the latest move (a win scores above 2, a loss below -2, see
    :mod:`varena.solvers.negamax`)."""

    name = "alphabeta"
    description = "depth-limited negamax with alpha-beta and move ordering, compiled with Numba"
    params = (
        Param("depth", int, 3, "plies searched", 1, 64),
        Param("rollouts", int, 4, "random playouts per leaf when the game has no heuristic", 1, 10_000),
        Param("threads", int, 1, "threads searching positions of a batch in parallel", 1, 256),
    )

    @classmethod
    def supports(cls, game: Game) -> bool:
        """Two-player games, compiled or plain Python (searched interpreted)."""
        return game.num_players == 2

    def __init__(self, game: Game, seed: int | None = None, **config: Any) -> None:
        super().__init__(game, seed, **config)
        from varena.engine.kernels import game_functions

        self.gf = game_functions(game)
        self.depth = int(config.get("depth", 3))
        self.rollouts = int(config.get("rollouts", 4))
        self.threads = int(config.get("threads", 1))
        self.last_values: np.ndarray | None = None
        self.last_visited: np.ndarray | None = None
        if not self.gf.python:  # load (or compile, announced) the search now, not in a move
            from varena.engine.kernels import specialise
            from varena.solvers.negamax import negamax_batch

            specialise(negamax_batch, self._args(np.zeros((1, game.state_len), self.gf.state_dtype),
                                                 np.zeros(1, np.uint64)), self.gf, parallel=True)

    def _args(self, states: np.ndarray, rng: np.ndarray) -> tuple:
        """negamax_batch's arguments; the last three are its outputs (actions, values, visited)."""
        g, b = self.game, len(states)
        return (states, np.int64(g.num_actions), np.int64(self.depth), np.int64(self.rollouts),
                self.gf.has_heuristic, self.gf.has_playout, np.int64(g.max_moves), rng,
                np.empty(b, np.int64), np.empty(b, np.float64), np.empty(b, np.int64))

    def select_actions(self, states: np.ndarray) -> np.ndarray:
        from varena.engine.kernels import call, set_threads
        from varena.solvers.negamax import negamax_batch

        g = self.game
        states = np.atleast_2d(states)
        for i, s in enumerate(states):
            if g.outcome(s)[0]:
                raise VarenaError(f"alphabeta: state {i} is terminal; there is no move to search")
        # the search's dtype (the game's own, or a wider one: kernels.GameFunctions)
        states = np.ascontiguousarray(states, dtype=self.gf.state_dtype)
        args = self._args(states, self.rng.integers(2**63, size=len(states)).astype(np.uint64))
        set_threads(self.threads)
        call(negamax_batch, args, self.gf, parallel=True)
        actions, self.last_values, self.last_visited = args[-3:]
        return actions
