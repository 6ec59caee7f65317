"""Training (DESIGN.md section 6, docs/TRAINING.md): ``varena train CONFIG.toml``.

- :mod:`varena.engine.train.rundir`: the run directory every trainer writes (config,
  checkpoints, metrics, resumable state), atomically;
- :mod:`varena.engine.train.trainer`: the :class:`Trainer` contract and the run budget;
- :mod:`varena.engine.train.cli`, :mod:`varena.engine.train.plugin`: ``varena train`` and
  ``varena train-report``, registered as a built-in plugin;
- the AlphaZero self-play trainer (``trainer = "alphazero"``, offered by ``alphavit``):
  :mod:`.config` (every key checked), :mod:`.selfplay` (games of every size in flight through
  the search pool), :mod:`.buffer` (shards on disk), :mod:`.learner`, :mod:`.state`
  (checkpoints and resume), :mod:`.evaluate` (gauntlets, Elo), :mod:`.metrics`,
  :mod:`.report`, :mod:`.ray_backend` (self-play actors; the only module importing ray),
  :mod:`.alphazero` (the loop).

Solvers that can be trained name their trainer classes (``Solver.trainers()``); ``varena
train`` reads the config's ``solver`` and hands the run to the trainer the config names.
"""
