"""Sequential probability ratio test: is ``test`` stronger than ``base`` by elo1 rather than elo0?

GSPRT (Van den Bergh's generalised SPRT, as fishtest uses) on the logistic Elo scale. Games
come in pairs with the same opening and colours swapped; the pentanomial model scores each
pair (0, 0.5, 1, 1.5, 2 points for ``test``), which cancels most of the opening's bias.
The trinomial model scores single games (loss, draw, win).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def elo_to_score(elo: float) -> float:
    return 1.0 / (1.0 + 10.0 ** (-elo / 400.0))


@dataclass(frozen=True, slots=True)
class Bounds:
    lower: float  # accept H0 (test is not elo1 better) at or below
    upper: float  # accept H1 at or above


def bounds(alpha: float, beta: float) -> Bounds:
    """Wald's bounds on the log-likelihood ratio for error rates alpha (false H1) and beta."""
    if not (0 < alpha < 1 and 0 < beta < 1):
        raise ValueError("alpha and beta must lie in (0, 1)")
    return Bounds(math.log(beta / (1 - alpha)), math.log((1 - beta) / alpha))


def _tilt(p: np.ndarray, x: np.ndarray, s: float) -> np.ndarray:
    """The distribution closest to ``p`` (in KL) whose mean is ``s``: p_i / (1 + lam (x_i - s))."""
    d = x - s
    if d.max() <= 0 or d.min() >= 0:
        raise ValueError("the target score must lie strictly inside the outcome range")
    lo, hi = -1.0 / d.max() + 1e-12, -1.0 / d.min() - 1e-12  # keep every 1 + lam d_i > 0
    for _ in range(60):  # bisection: the constraint sum p d / (1 + lam d) decreases in lam
        lam = 0.5 * (lo + hi)
        if (p * d / (1.0 + lam * d)).sum() > 0:
            lo = lam
        else:
            hi = lam
    q = p / (1.0 + lam * d)
    return q / q.sum()


def llr(counts: Sequence[float], elo0: float, elo1: float) -> float:
    """Generalised log-likelihood ratio (H1: score s1 vs H0: s0) from outcome counts.

    ``counts`` has 3 entries (trinomial: losses, draws, wins of single games) or 5
    (pentanomial: pairs scoring 0, 0.5, 1, 1.5, 2). Under each hypothesis the outcome
    distribution is the maximum-likelihood one with the hypothesis' mean score; the
    empirical distribution gets a prior of one observation spread over the cells so that
    the first few games cannot decide on their own.
    """
    counts = np.asarray(counts, dtype=float)
    if counts.shape not in ((3,), (5,)):
        raise ValueError("counts must have 3 (trinomial) or 5 (pentanomial) entries")
    n = counts.sum()
    if n == 0:
        return 0.0
    reg = counts + 1.0 / len(counts)
    p = reg / reg.sum()
    x = np.linspace(0.0, 1.0, len(counts))
    q0 = _tilt(p, x, elo_to_score(elo0))
    q1 = _tilt(p, x, elo_to_score(elo1))
    return float(n * (p * np.log(q1 / q0)).sum())


@dataclass
class Sprt:
    """Running SPRT state; ``add_pair(first_score, second_score)`` with test's scores."""

    elo0: float
    elo1: float
    alpha: float = 0.05
    beta: float = 0.05
    model: str = "pentanomial"

    def __post_init__(self) -> None:
        if self.model not in ("pentanomial", "trinomial"):
            raise ValueError("model must be 'pentanomial' or 'trinomial'")
        if self.elo1 <= self.elo0:
            raise ValueError("elo1 must be greater than elo0")
        self.bounds = bounds(self.alpha, self.beta)
        self.penta = np.zeros(5)
        self.tri = np.zeros(3)

    def add_pair(self, a: float, b: float) -> None:
        """Record a pair of games; ``a`` and ``b`` are test's scores (0, 0.5 or 1)."""
        for s in (a, b):
            self.tri[int(round(2 * s))] += 1
        self.penta[int(round(2 * (a + b)))] += 1

    @property
    def llr(self) -> float:
        return llr(self.penta if self.model == "pentanomial" else self.tri, self.elo0, self.elo1)

    @property
    def decision(self) -> str | None:
        value = self.llr
        if value >= self.bounds.upper:
            return "H1"
        if value <= self.bounds.lower:
            return "H0"
        return None
