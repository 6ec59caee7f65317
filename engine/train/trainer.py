"""The contract between ``varena train`` and a solver's trainer.

``varena train`` parses the TOML, makes (or reopens, with ``--resume``) the run directory and
calls ``TrainerClass(config, run, device, seed).train(budget)``. The trainer checks its own
section of the config (every key, like a spec), resumes from ``run.latest_checkpoint()``
and ``run.load_state()`` when they exist, and writes checkpoints, metrics and its state
through ``run`` as it goes, so the process can be killed at any moment and resumed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from varena.engine.train.rundir import RunDir


@dataclass(frozen=True, slots=True)
class Budget:
    """When to stop: after ``max_steps`` learner steps in all (counting earlier sittings) or
    ``max_minutes`` of wall time in this sitting, whichever comes first (None: no limit)."""

    max_steps: int | None = None
    max_minutes: float | None = None
    started: float = field(default_factory=time.monotonic)

    def exhausted(self, step: int) -> bool:
        if self.max_steps is not None and step >= self.max_steps:
            return True
        return self.max_minutes is not None and (time.monotonic() - self.started) >= 60.0 * self.max_minutes


class Trainer(Protocol):
    """A training algorithm for one solver family (self-play AlphaZero, supervised or
    REINFORCE pointer networks, ...)."""

    #: The name a config's ``trainer`` key selects (a solver may offer several).
    name: ClassVar[str]

    def __init__(self, config: dict[str, Any], run: RunDir, device: Any, seed: int) -> None: ...

    def train(self, budget: Budget) -> dict[str, Any]:
        """Train until ``budget`` is spent; return the final metrics (for the CLI's summary)."""
        ...
