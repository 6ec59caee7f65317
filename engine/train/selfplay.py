"""Self-play: hundreds of games of every configured game and size in flight in one process.

Each configured game has a fixed number of slots; every :meth:`SelfPlay.step` advances every
slot by one move. The searches of all games run in lockstep through the search pool
(:class:`varena.engine.mcts.pool.SearchPool`): one network call per simulation step for all
of them, bucketed by sequence length by the evaluator, never padded across sizes. A slot
whose game ends starts a new game at once, so the batch of each search stays the same and
tree reuse keeps working within each game.

Recorded per searched position: the state, the search's policy (visit distribution, or the
Gumbel improved policy) and, once the game is over, its result for the player to move at
that position (one-player problems: the final objective, normalised by the buffer).

Playout-cap randomisation (KataGo): with ``cheap_sims > 0`` each game group's move is a
full search with probability ``full_fraction`` (recorded) and a cheap one otherwise (played
only). The draw is per group and step, so the search batch never changes size.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from varena.engine.api import Game
from varena.engine.mcts.options import MCTSOptions

log = logging.getLogger("varena.train")


@dataclass(frozen=True, slots=True)
class Finished:
    """The recorded positions of finished games of one configured game (``index``)."""

    index: int
    states: np.ndarray   # [n, L]
    policy: np.ndarray   # float32 [n, A]
    value: np.ndarray    # float32 [n]
    games: int
    moves: int           # moves played in those games, recorded or not


@dataclass
class _Slot:
    state: np.ndarray
    moves: int = 0
    states: list[np.ndarray] = field(default_factory=list)
    policies: list[np.ndarray] = field(default_factory=list)
    players: list[int] = field(default_factory=list)


def search_options(o: dict[str, Any], sims: int) -> MCTSOptions:
    """The search options of self-play (``o``: the checked [selfplay] section)."""
    return MCTSOptions(sims=sims, rule=o["rule"], c=o["c"], root=o["root"],
                       gumbel_m=o["gumbel_m"], dirichlet_alpha=o["dirichlet_alpha"],
                       dirichlet_eps=o["dirichlet_eps"], leaves=o["leaves"],
                       threads=o["threads"], temperature=0.0, reuse=True)


def _pool_class():
    try:
        from varena.engine.mcts.pool import SearchPool
    except ImportError:
        return None
    return SearchPool


class SelfPlay:
    """Self-play over ``games`` (configured games) with ``slots[i]`` games in flight each.

    ``evaluator``: a network evaluator with ``evaluate([(game, states), ...])`` and
    ``for_game(game)`` (:class:`varena.engine.nn.evaluator.Evaluator`).
    """

    def __init__(self, games: list[Game], slots: list[int], evaluator: Any, options: dict[str, Any],
                 seed: int) -> None:
        from varena.engine.mcts import MCTS

        self.games = games
        self.o = dict(options)
        self.evaluator = evaluator
        self.rng = np.random.default_rng(seed)
        full = search_options(self.o, self.o["sims"])
        cheap = replace(full, sims=self.o["cheap_sims"]) if self.o["cheap_sims"] else None
        self.full = [MCTS(g, full, evaluator.for_game(g), seed=int(self.rng.integers(2**31)))
                     for g in games]
        self.cheap = ([MCTS(g, cheap, evaluator.for_game(g), seed=int(self.rng.integers(2**31)))
                       for g in games] if cheap else None)
        self.slots = [[_Slot(g.initial_state(self.rng)) for _ in range(n)]
                      for g, n in zip(games, slots, strict=True)]
        pool_cls = _pool_class()
        self.pool = pool_cls(evaluator.evaluate) if pool_cls is not None else None
        if self.pool is None:
            log.info("self-play: no search pool in this build; one network call per game "
                     "per simulation step")
        self.positions = 0  # recorded
        self.games_done = 0
        self.moves = 0
        self.search_seconds = 0.0

    def _search(self, searches: list[Any], states: list[np.ndarray]) -> list[Any]:
        if self.pool is not None and len(searches) > 1:
            return self.pool.run(list(zip(searches, states, strict=True)))
        return [s.run(x) for s, x in zip(searches, states, strict=True)]

    def step(self) -> list[Finished]:
        """One move in every game in flight; returns the games that ended, per game."""
        o = self.o
        full = [self.cheap is None or self.rng.random() < o["full_fraction"] for _ in self.games]
        searches = [self.full[i] if full[i] else self.cheap[i] for i in range(len(self.games))]
        states = [np.stack([s.state for s in slots]) for slots in self.slots]
        t0 = time.perf_counter()
        results = self._search(searches, states)
        self.search_seconds += time.perf_counter() - t0
        out = []
        for i, (g, slots, res) in enumerate(zip(self.games, self.slots, results, strict=True)):
            done_rows: list[tuple[list, list, np.ndarray]] = []
            moves_done = games_done = 0
            for j, slot in enumerate(slots):
                policy = res.policy[j]
                if full[i]:
                    slot.states.append(slot.state.copy())
                    slot.policies.append(policy.astype(np.float32, copy=True))
                    slot.players.append(g.to_play(slot.state))
                action = int(res.actions[j])
                if slot.moves < o["temperature_moves"]:
                    action = self._sample(policy, g.legal_mask(slot.state), action)
                slot.state = g.next_state(slot.state, action)
                slot.moves += 1
                done, _ = g.outcome(slot.state)
                limit = o["max_moves"] or g.max_moves
                if not done and slot.moves < limit:
                    continue
                values = self._values(g, slot, done)
                if slot.states:
                    done_rows.append((slot.states, slot.policies, values))
                moves_done += slot.moves
                games_done += 1
                slots[j] = _Slot(g.initial_state(self.rng))
            self.moves += len(slots)
            if games_done:
                self.games_done += games_done
                if done_rows:
                    st = np.stack([s for rows in done_rows for s in rows[0]])
                    pol = np.stack([p for rows in done_rows for p in rows[1]])
                    val = np.concatenate([rows[2] for rows in done_rows]).astype(np.float32)
                else:
                    st = np.zeros((0, g.state_len), states[i].dtype)
                    pol = np.zeros((0, g.num_actions), np.float32)
                    val = np.zeros(0, np.float32)
                self.positions += len(val)
                out.append(Finished(i, st, pol, val, games_done, moves_done))
        return out

    def _sample(self, policy: np.ndarray, legal: np.ndarray, fallback: int) -> int:
        p = np.where(legal, policy.astype(np.float64), 0.0)
        if p.sum() <= 0:
            return fallback
        p = p ** (1.0 / self.o["temperature"])
        total = p.sum()
        if not np.isfinite(total) or total <= 0:
            return fallback
        return int(self.rng.choice(p.size, p=p / total))

    @staticmethod
    def _values(g: Game, slot: _Slot, done: bool) -> np.ndarray:
        """The value target of each recorded position of a finished (or cut) game."""
        n = len(slot.states)
        if not done:  # cut by max_moves: no winner
            if g.num_players == 1:
                return np.full(n, float(g.outcome(slot.state)[1]), np.float32)
            return np.zeros(n, np.float32)
        returns = g.returns(slot.state)
        return np.array([returns[p] for p in slot.players], np.float32)

    def reset_stats(self) -> None:
        self.positions = self.games_done = self.moves = 0
        self.search_seconds = 0.0
