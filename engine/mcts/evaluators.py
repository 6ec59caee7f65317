"""Evaluators: what the search asks about its leaves.

An evaluator is any callable ``evaluate(states) -> (priors, values)``:

- ``states``: ``[N, L]`` leaf states (the game's dtype), N = up to B trees x K leaves, all
  evaluated in one call per simulation step (this is where a batched network plugs in);
- ``priors``: float32 ``[N, A]``; illegal actions may hold anything (the search masks them
  and renormalises);
- ``values``: float32 ``[N]``, for the player to move in each state (two players: +1 means
  that player wins; one player: the objective to maximise).

:class:`RolloutEvaluator` is special: the search recognises it and runs the whole simulation
loop compiled, playouts included (no Python per simulation). Called directly it computes the
same kind of answer in Python, for tests and comparisons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from varena.engine.api import Game
from varena.engine.errors import KernelError, VarenaError


class Evaluator(Protocol):
    def __call__(self, states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(priors float32 ``[N, A]``, values float32 ``[N]``) for ``states`` ``[N, L]``."""
        ...


@dataclass
class RolloutEvaluator:
    """Uniform priors; the value is the mean result of ``rollouts`` uniformly random games."""

    game: Game
    rollouts: int = 1
    seed: int = 0
    rng: np.random.Generator = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.rollouts < 1:
            raise VarenaError(f"rollouts={self.rollouts} is not accepted; accepted: integer >= 1")
        self.rng = np.random.default_rng(self.seed)

    def __call__(self, states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        g = self.game
        priors = np.ones((len(states), g.num_actions), np.float32)
        values = np.zeros(len(states), np.float32)
        for i, s in enumerate(states):
            values[i] = np.mean([self._playout(s) for _ in range(self.rollouts)])
        return priors, values

    def _playout(self, state: np.ndarray) -> float:
        g = self.game
        x = np.array(state, copy=True)
        if g.kernels is not None and g.kernels.playout is not None:
            try:
                return float(g.kernels.playout(x, int(self.rng.integers(2**62))))
            except Exception as exc:  # one line naming the kernel, as inside the search
                raise KernelError(f"game {g.spec!r}: kernel playout raised {type(exc).__name__}: "
                                  f"{exc}; the rollout stopped") from exc
        me = g.to_play(x)
        for _ in range(g.max_moves + 1):
            done, value = g.outcome(x)
            if done:
                return value if g.num_players == 1 or g.to_play(x) == me else -value
            legal = np.flatnonzero(g.legal_mask(x))
            x = g.next_state(x, int(legal[self.rng.integers(legal.size)]))
        return 0.0


def checked(result: tuple, n: int, num_actions: int) -> tuple[np.ndarray, np.ndarray]:
    """The evaluator's answer as (float32 ``[n, A]``, float32 ``[n]``), or a VarenaError."""
    try:
        priors, values = result
    except (TypeError, ValueError):
        raise VarenaError("evaluator must return (priors [N, A], values [N])") from None
    priors = np.ascontiguousarray(priors, dtype=np.float32)
    values = np.ascontiguousarray(values, dtype=np.float32).reshape(-1)
    if priors.shape != (n, num_actions) or values.shape != (n,):
        raise VarenaError(f"evaluator returned priors {priors.shape} and values {values.shape}; "
                          f"expected ({n}, {num_actions}) and ({n},)")
    if not (np.isfinite(priors).all() and np.isfinite(values).all()):
        raise VarenaError("evaluator returned NaN or infinite priors or values")
    return priors, values
