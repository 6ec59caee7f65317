"""Batched Monte Carlo tree search compiled with Numba (DESIGN.md section 4).

- :mod:`varena.engine.mcts.tree`: the trees as arrays, reuse (re-rooting) and root statistics;
- :mod:`varena.engine.mcts.select`, :mod:`varena.engine.mcts.expand`: descent, expansion, back-up;
- :mod:`varena.engine.mcts.batched`: the compiled entry points over B trees (``prange``);
- :mod:`varena.engine.mcts.roots`: root policies as objects (plain, Dirichlet, Gumbel
  sequential halving); :mod:`varena.engine.mcts.policies`: their per-tree arithmetic and
  move choice;
- :mod:`varena.engine.mcts.evaluators`: the evaluator interface and the rollout evaluator;
- :mod:`varena.engine.mcts.search`: :class:`MCTS`, the object agents use (``run``, or the
  steps ``begin``/``select``/``update``/``finish``);
- :mod:`varena.engine.mcts.pool`: :class:`SearchPool`, many searches sharing one evaluator
  call per simulation step;
- :mod:`varena.engine.mcts.options`: :class:`MCTSOptions` and the spec parameters (no Numba import,
  so solver classes can declare their parameters cheaply);
- :mod:`varena.engine.kernels` (outside this package, alpha-beta uses it too): specialising the
  compiled code to a game's kernels, and errors raised inside them;
- :mod:`varena.engine.mcts._cache`: dropping stale cache files when the search's sources change.

The names below are imported on first use, so ``import varena.engine.mcts.options`` stays light.
"""

from typing import Any

from varena.engine.mcts._cache import drop_stale_cache

drop_stale_cache()

__all__ = ["MCTS", "SEARCH_PARAMS", "Evaluator", "MCTSOptions", "RolloutEvaluator", "SearchPool",
           "SearchResult"]

_WHERE = {
    "MCTS": "varena.engine.mcts.search", "SearchResult": "varena.engine.mcts.search",
    "Evaluator": "varena.engine.mcts.evaluators", "RolloutEvaluator": "varena.engine.mcts.evaluators",
    "MCTSOptions": "varena.engine.mcts.options", "SEARCH_PARAMS": "varena.engine.mcts.options",
    "SearchPool": "varena.engine.mcts.pool",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'varena.engine.mcts' has no attribute {name!r}")
