"""The base of the agents that play by tree search (``mcts``, ``alphavit``).

A subclass declares its parameters (the search's, from ``SEARCH_PARAMS``, plus its own),
says what evaluates the leaves (:meth:`SearchAgent.make_evaluator`) and, if it can play
without searching (``sims=0``), how (:meth:`SearchAgent.play_unsearched`). The base holds
the rest once: the options and their check, the search, ``last_result``, the move time
and ``reset``. Numba (and torch, for networks) is imported when an agent is made, not
when this module is.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

import numpy as np

from varena.engine.api import Game, Solver
from varena.engine.errors import SpecError
from varena.engine.mcts.options import MCTSOptions, check_options


class SearchAgent(Solver):
    """A solver whose moves come from :class:`varena.engine.mcts.MCTS`.

    - ``options``: the :class:`MCTSOptions` of the spec (checked against the game);
    - ``search``: the MCTS (None when ``sims=0``), kept between moves (tree reuse);
    - ``last_result``: the :class:`varena.engine.mcts.SearchResult` of the latest move
      (visit counts, policy targets, values), None before the first or without search.
    """

    @classmethod
    def supports(cls, game: Game) -> bool:
        """One- and two-player games, compiled or plain Python (searched interpreted)."""
        return game.num_players in (1, 2)

    def __init__(self, game: Game, seed: int | None = None, **config: Any) -> None:
        super().__init__(game, seed, **config)
        self.options = MCTSOptions.from_config(self.config)
        self.search: Any = None
        self.last_result: Any = None

    def start_search(self) -> None:
        """Check the options and build the search around :meth:`make_evaluator` (subclasses
        call it at the end of their constructor, when the evaluator can be made)."""
        if self.options.sims <= 0:
            return
        check_options(self.options, f"solver {self.name!r}", self.game)
        from varena.engine.mcts.search import MCTS

        self.search = MCTS(self.game, self.options, self.make_evaluator(), seed=self.seed,
                           owner=f"solver {self.name!r}")

    @abstractmethod
    def make_evaluator(self) -> Any:
        """What the search asks about its leaves (see :mod:`varena.engine.mcts.evaluators`)."""

    def play_unsearched(self, states: np.ndarray) -> np.ndarray:
        """Moves without a search (``sims=0``), for agents that have a policy of their own."""
        raise SpecError(f"solver {self.name!r}: sims=0 is not accepted; accepted: sims >= 1")

    def select_actions(self, states: np.ndarray) -> np.ndarray:
        states = np.atleast_2d(states)
        if self.search is None:
            return self.play_unsearched(states)
        self.last_result = self.search.run(states)
        return self.last_result.actions.astype(np.int64)

    def set_move_time(self, seconds: float | None) -> None:
        """Think at most ``seconds`` per move (``sims`` stays the cap); None lifts the limit."""
        if self.search is not None:
            self.search.move_time = seconds

    def reset(self) -> None:
        """Forget the trees: a new game starts."""
        if self.search is not None:
            self.search.reset()
