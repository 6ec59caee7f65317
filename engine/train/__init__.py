"""Training (DESIGN.md section 6): ``varena train CONFIG.toml``.

- :mod:`varena.engine.train.rundir`: the run directory every trainer writes (config,
  checkpoints, metrics, resumable state), atomically;
- :mod:`varena.engine.train.trainer`: the :class:`Trainer` contract and the run budget.

Solvers that can be trained name their trainer class (``Solver.trainer()``); ``varena
train`` reads the config's ``solver`` and hands the run to that trainer.
"""
