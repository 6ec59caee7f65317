"""Classical solvers of the problem games, as varena.engine.api.Solver plugins.

Each computes a whole solution once per instance (cached by the instance's bytes) and
replays it action by action, so it plays the game contract like any agent. If the game
has left the solver's plan (another agent moved), it falls back to a sensible legal move
(the nearest unvisited city for TSP) instead of failing.

TSP: ``nearest_neighbour``, ``insertion`` (farthest/nearest/random), ``2opt`` (2-opt +
Or-opt local search from a construction), ``held_karp`` (exact, n <= 20), ``lkh`` (LKH-3
via the optional elkai package). ``reference``: the problem's own reference solution for
tsp, convex_hull, delaunay and sorting (Held-Karp/LKH, Qhull, argsort).

The TSP solvers also solve TSPLIB files: ``solver.tour(problem)`` takes any
:class:`varena.games.tsp_distance.TspProblem`; they may then be built with ``game=None``.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, ClassVar

import numpy as np

from varena.engine.api import Game, Problem, Solver
from varena.engine.params import Param
from varena.games.tsp_distance import TspProblem

_CACHE = 1024


class ReplaySolver(Solver):
    """Plans a full action sequence per instance (``plan``) and plays it back; it reads a
    state only through the :class:`varena.engine.api.Problem` methods."""

    games: ClassVar[tuple[str, ...]] = ()
    game: Problem

    def __init__(self, game: Problem | None, seed: int | None = None, **config: Any) -> None:
        super().__init__(game, seed=seed, **config)
        self._plans: OrderedDict[bytes, np.ndarray] = OrderedDict()

    @classmethod
    def supports(cls, game: Game) -> bool:
        return isinstance(game, Problem) and game.name in cls.games

    def plan(self, state: np.ndarray) -> np.ndarray:
        """int64: every action from the start state of ``state``'s instance to the end."""
        raise NotImplementedError

    def _plan_for(self, state: np.ndarray) -> np.ndarray:
        key = np.ascontiguousarray(self.game.instance(state)).tobytes()
        plan = self._plans.get(key)
        if plan is None:
            plan = np.asarray(self.plan(state), dtype=np.int64)
            self._plans[key] = plan
            if len(self._plans) > _CACHE:
                self._plans.popitem(last=False)
        else:
            self._plans.move_to_end(key)
        return plan

    def select_actions(self, states: np.ndarray) -> np.ndarray:
        states = np.atleast_2d(states)
        out = np.empty(len(states), dtype=np.int64)
        for i, state in enumerate(states):
            plan = self._plan_for(state)
            done = self.game.history(state)
            t = len(done)
            if t < len(plan) and np.array_equal(plan[:t], done):
                out[i] = plan[t]
            else:
                out[i] = self.fallback(state, plan)
        return out

    def fallback(self, state: np.ndarray, plan: np.ndarray) -> int:
        """A legal move when the game left the plan: the next legal planned action, else the
        highest legal action (the end action where a game has one)."""
        legal = self.game.legal_mask(state)
        if not legal.any():
            raise ValueError(f"{self.name}: no legal action (the game is over)")
        for a in plan:
            if legal[a]:
                return int(a)
        return int(np.flatnonzero(legal)[-1])

    def reset(self) -> None:
        pass  # plans depend only on the instance; keeping them across games is safe


class TspSolver(ReplaySolver):
    """Base of the TSP solvers: ``tour(problem)`` gives a tour; the plan starts at city 0."""

    games = ("tsp",)

    def tour(self, problem: TspProblem) -> np.ndarray:
        """int64 ``[n]``: a tour of ``problem``'s cities."""
        raise NotImplementedError

    def plan(self, state: np.ndarray) -> np.ndarray:
        tour = self.tour(TspProblem.euclidean(self.game.instance(state)))
        return self.game.solution_actions(tour)

    def fallback(self, state: np.ndarray, plan: np.ndarray) -> int:
        """The nearest unvisited city to the last one placed."""
        pts = self.game.instance(state)
        legal = self.game.legal_mask(state)
        last = int(self.game.tour(state)[-1])
        d = np.where(legal, np.hypot(*(pts - pts[last]).T), np.inf)
        return int(np.argmin(d))


class NearestNeighbour(TspSolver):
    name = "nearest_neighbour"
    description = "TSP: always go to the nearest unvisited city (from city 0)"

    def tour(self, problem: TspProblem) -> np.ndarray:
        from varena.solvers.tsp_construct import nearest_neighbour

        return nearest_neighbour(problem)


class Insertion(TspSolver):
    name = "insertion"
    description = "TSP: insertion heuristic (farthest, nearest or random city next, cheapest place)"
    params = (Param("rule", str, "farthest", "which city to insert next", choices=("farthest", "nearest", "random")),)

    def tour(self, problem: TspProblem) -> np.ndarray:
        from varena.solvers.tsp_construct import insertion

        return insertion(problem, self.config["rule"], int(self.rng.integers(2**31)))


class TwoOpt(TspSolver):
    name = "2opt"
    description = "TSP: 2-opt + Or-opt local search (Numba, neighbour lists) from a construction"
    params = (
        Param("init", str, "nearest_neighbour", "starting tour",
              choices=("nearest_neighbour", "farthest", "nearest", "random")),
        Param("neighbours", int, 10, "candidate cities per city (nearest first)", 2, 100),
        Param("oropt", bool, True, "also move segments of 1-3 cities (Or-opt)"),
    )

    def tour(self, problem: TspProblem) -> np.ndarray:
        from varena.solvers.tsp_construct import insertion, nearest_neighbour
        from varena.solvers.tsp_local import local_search

        init = self.config["init"]
        if init == "nearest_neighbour":
            start = nearest_neighbour(problem)
        else:
            start = insertion(problem, init, int(self.rng.integers(2**31)))
        return local_search(problem, start, self.config["neighbours"], self.config["oropt"])


class HeldKarp(TspSolver):
    name = "held_karp"
    description = "TSP: exact dynamic programming (Held-Karp), n <= 20"

    @classmethod
    def supports(cls, game: Game) -> bool:
        from varena.games.tsp_reference import HELD_KARP_MAX

        return super().supports(game) and game.n <= HELD_KARP_MAX

    def tour(self, problem: TspProblem) -> np.ndarray:
        from varena.games.tsp_reference import held_karp

        return held_karp(problem)


class Lkh(TspSolver):
    name = "lkh"
    description = "TSP: LKH-3 (Helsgaun) through the optional elkai package"
    params = (
        Param("runs", int, 1, "independent LKH runs (best kept)", 1, 1000),
        Param("max_trials", int, 0, "trials per run (0: LKH's default, n)", 0, 10**9),
    )

    def __init__(self, game: Game | None, seed: int | None = None, **config: Any) -> None:
        from varena.games.tsp_reference import MissingDependencyError, elkai_available

        if not elkai_available():
            raise MissingDependencyError("solver 'lkh' is unavailable: it needs the optional "
                                         "package elkai (pip install elkai)")
        super().__init__(game, seed=seed, **config)

    def tour(self, problem: TspProblem) -> np.ndarray:
        from varena.games.tsp_reference import lkh

        trials = self.config["max_trials"] or None
        return lkh(problem, runs=self.config["runs"], seed=1 if self.seed is None else int(self.seed) + 1,
                   max_trials=trials)


class Reference(ReplaySolver):
    name = "reference"
    description = ("each problem's reference: Held-Karp/LKH for tsp, Qhull for convex_hull "
                   "and delaunay, argsort for sorting")
    games = ("tsp", "convex_hull", "delaunay", "sorting")

    @classmethod
    def supports(cls, game: Game) -> bool:
        if not super().supports(game):
            return False
        if game.name == "tsp":
            from varena.games.tsp_reference import EXACT_UP_TO, elkai_available

            return game.n <= EXACT_UP_TO or elkai_available()
        return True

    def plan(self, state: np.ndarray) -> np.ndarray:
        game = self.game
        return game.solution_actions(game.reference(game.instance(state)))

