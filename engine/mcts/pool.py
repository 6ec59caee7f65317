"""Many searches in lockstep, their leaves evaluated in one network call per simulation step.

Self-play across games and sizes runs one :class:`varena.engine.mcts.MCTS` per
configuration (each with its own B trees); a :class:`SearchPool` drives their steps
together and sends every search's leaves of a step to ONE
``evaluate([(game, states), ...]) -> [(priors, values), ...]`` call, such as
:meth:`varena.engine.nn.evaluator.NetEvaluator.evaluate` (which groups them by sequence
length). Searches that finish early drop out of the call. Each search's results are those
it gives alone with the same seed, for an evaluator whose answer for a state does not
depend on the other states of the call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from varena.engine.api import Game
from varena.engine.errors import VarenaError
from varena.engine.mcts.search import MCTS, SearchResult

GroupEvaluate = Callable[[list[tuple[Game, np.ndarray]]], Sequence[tuple[np.ndarray, np.ndarray]]]


class SearchPool:
    """Runs searches together around one batched evaluator.

    ``calls``: evaluator calls made so far (one per simulation step of the longest search).
    """

    def __init__(self, evaluate: GroupEvaluate) -> None:
        self.evaluate = evaluate
        self.calls = 0

    def run(self, jobs: Sequence[tuple[MCTS, np.ndarray]]) -> list[SearchResult]:
        """Search ``states`` with each ``search`` of ``jobs`` (``(search, states [B_i, L_i])``
        pairs, every search at most once); results in the order given."""
        searches = [s for s, _ in jobs]
        if len({id(s) for s in searches}) != len(searches):
            raise VarenaError("search pool: a search appears twice; give each its own MCTS")
        try:
            for search, states in jobs:
                search.begin(states)
            active = list(range(len(jobs)))
            while active:
                step = []
                for i in active:
                    leaves = searches[i].select()
                    if leaves is not None:
                        step.append((i, leaves))
                active = [i for i, _ in step]
                if not step:
                    break
                answers = self.evaluate([(searches[i].game, leaves) for i, leaves in step])
                self.calls += 1
                if len(answers) != len(step):
                    raise VarenaError(f"search pool: the evaluator answered {len(answers)} groups "
                                      f"for {len(step)}")
                for (i, _), answer in zip(step, answers, strict=True):
                    searches[i]._update(answer)
            return [s.finish() for s in searches]
        except BaseException:
            for s in searches:  # pending leaves hold virtual loss; trees may be half written
                s.reset()
            raise
