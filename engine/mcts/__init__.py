"""Batched Monte Carlo tree search compiled with Numba (DESIGN.md section 4).

- :mod:`engine.mcts.tree`: the trees as arrays, reuse (re-rooting) and root statistics;
- :mod:`engine.mcts.select`, :mod:`engine.mcts.expand`: descent, expansion, back-up;
- :mod:`engine.mcts.batched`: the compiled entry points over B trees (``prange``);
- :mod:`engine.mcts.policies`: root policies (Dirichlet noise, Gumbel sequential halving)
  and move choice;
- :mod:`engine.mcts.evaluators`: the evaluator interface and the rollout evaluator;
- :mod:`engine.mcts.search`: :class:`MCTS`, the object agents use;
- :mod:`engine.mcts.options`: :class:`MCTSOptions` and the spec parameters (no Numba import,
  so solver classes can declare their parameters cheaply);
- :mod:`engine.mcts.compile`: specialising the compiled code to a game's kernels;
- :mod:`engine.mcts._cache`: dropping stale cache files when the search's sources change.

The names below are imported on first use, so ``import engine.mcts.options`` stays light.
"""

from typing import Any

from engine.mcts._cache import drop_stale_cache

drop_stale_cache()

__all__ = ["MCTS", "SEARCH_PARAMS", "Evaluator", "MCTSOptions", "RolloutEvaluator", "SearchResult"]

_WHERE = {
    "MCTS": "engine.mcts.search", "SearchResult": "engine.mcts.search",
    "Evaluator": "engine.mcts.evaluators", "RolloutEvaluator": "engine.mcts.evaluators",
    "MCTSOptions": "engine.mcts.options", "SEARCH_PARAMS": "engine.mcts.options",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'engine.mcts' has no attribute {name!r}")
