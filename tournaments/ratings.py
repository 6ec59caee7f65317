"""Bradley-Terry / Elo ratings by maximum likelihood, with draws, an anchor and bootstrap CIs.

Model: P(i scores against j) = 1 / (1 + 10 ** ((R_j - R_i) / 400)); a draw counts as half a
win for each side (the score likelihood, as Elo and OpenSpiel's Bradley-Terry use). To keep
ratings finite when someone wins every game, each pair of players that met gets ``prior``
virtual draws (bayeselo's habit); ``prior=0`` gives the plain maximum likelihood.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from varena.engine.errors import VarenaError

ELO = 400.0 / math.log(10.0)  # natural-log units to Elo


@dataclass(frozen=True, slots=True)
class Result:
    """One game between two named players: ``score`` is a's score (1 win, 0.5 draw, 0 loss)."""

    a: str
    b: str
    score: float


@dataclass(frozen=True, slots=True)
class Rating:
    name: str
    elo: float
    ci: float  # half-width of the 95% bootstrap interval (nan without bootstrap)
    games: int
    wins: int
    draws: int
    losses: int

    @property
    def score(self) -> float:
        return (self.wins + 0.5 * self.draws) / self.games if self.games else float("nan")


def _arrays(results: Sequence[Result], names: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    index = {n: i for i, n in enumerate(names)}
    ia = np.array([index[r.a] for r in results], dtype=np.int64)
    ib = np.array([index[r.b] for r in results], dtype=np.int64)
    return ia, ib, np.array([r.score for r in results], dtype=float)


def _tables(ia: np.ndarray, ib: np.ndarray, sc: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(games[i, j], score[i, j]) aggregated over the games (ia[k], ib[k], score sc[k])."""
    games = np.zeros((n, n))
    score = np.zeros((n, n))
    np.add.at(games, (ia, ib), 1.0)
    np.add.at(games, (ib, ia), 1.0)
    np.add.at(score, (ia, ib), sc)
    np.add.at(score, (ib, ia), 1.0 - sc)
    return games, score


def fit(games: np.ndarray, score: np.ndarray, anchor: int, prior: float = 1.0,
        iterations: int = 100) -> np.ndarray:
    """Elo ratings maximising the likelihood of ``score`` given ``games`` (both [n, n]).

    Newton's method on the concave log-likelihood; ``anchor`` is held at 0.
    """
    n = len(games)
    met = games > 0
    g = games + prior * met
    s = score + 0.5 * prior * met
    r = np.zeros(n)
    free = np.arange(n) != anchor
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(r[None, :] - r[:, None]))  # p[i, j] = P(i beats j)
        grad = (s - g * p).sum(axis=1)
        w = g * p * (1.0 - p)
        hess = -np.diag(w.sum(axis=1)) + w
        step = np.zeros(n)
        h = hess[np.ix_(free, free)] - 1e-9 * np.eye(free.sum())
        step[free] = np.linalg.solve(h, -grad[free])
        step = np.clip(step, -3.0, 3.0)  # damped: far from the optimum Newton overshoots
        r += step
        if np.abs(step).max() < 1e-10:
            break
    return r * ELO


def ratings(results: Sequence[Result], *, anchor: str | None = "random", prior: float = 1.0,
            bootstrap: int = 200, seed: int = 0) -> list[Rating]:
    """Ratings of every player in ``results``, best first, anchored at ``anchor`` (= 0 Elo).

    With ``anchor`` None or absent from the results, the mean rating is 0 instead. The CI is the half-width of the 2.5-97.5 percentile range of
    ``bootstrap`` refits on games resampled with replacement.
    """
    names = sorted({r.a for r in results} | {r.b for r in results})
    if not names:
        return []
    ia, ib, sc = _arrays(results, names)
    games, score = _tables(ia, ib, sc, len(names))
    _check_connected(games, names)
    a = names.index(anchor) if anchor in names else 0
    elo = fit(games, score, a, prior)
    if anchor not in names:
        elo -= elo.mean()
    ci = np.full(len(names), float("nan"))
    if bootstrap > 0 and len(results) > 1:
        rng = np.random.default_rng(seed)
        draws = np.empty((bootstrap, len(names)))
        for k in range(bootstrap):
            pick = rng.integers(len(results), size=len(results))
            gk, sk = _tables(ia[pick], ib[pick], sc[pick], len(names))
            e = fit(gk, sk, a, prior)
            draws[k] = e if anchor in names else e - e.mean()
        lo, hi = np.percentile(draws, [2.5, 97.5], axis=0)
        ci = (hi - lo) / 2.0
    out = []
    for i, name in enumerate(names):
        wins = draws_ = losses = 0
        for r in results:
            if name not in (r.a, r.b):
                continue
            s = r.score if r.a == name else 1.0 - r.score
            wins += s == 1.0
            draws_ += s == 0.5
            losses += s == 0.0
        out.append(Rating(name, float(elo[i]), float(ci[i]), int(games[i].sum()), wins, draws_, losses))
    return sorted(out, key=lambda x: -x.elo)


def score_matrix(results: Sequence[Result]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(names, score fraction [i, j] of i against j (nan if they never met), games [i, j])."""
    names = sorted({r.a for r in results} | {r.b for r in results})
    games, score = _tables(*_arrays(results, names), len(names))
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(games > 0, score / np.maximum(games, 1), np.nan)
    return names, frac, games


def _check_connected(games: np.ndarray, names: list[str]) -> None:
    seen, todo = {0}, [0]
    while todo:
        i = todo.pop()
        for j in np.flatnonzero(games[i] > 0):
            if j not in seen:
                seen.add(int(j))
                todo.append(int(j))
    if len(seen) != len(names):
        apart = ", ".join(names[i] for i in range(len(names)) if i not in seen)
        raise VarenaError(f"ratings need every player linked by games; not linked to "
                          f"{names[0]!r}: {apart}")
