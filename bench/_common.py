"""What the playout benchmarks share: the timing loop, OpenSpiel's two random-play loops and
the JSON line (house format: name, value, unit, baseline, baseline_value, ratio, params)."""

from __future__ import annotations

import json
import time

import numpy as np


def timed(run_one, seconds: float) -> tuple[int, int, float]:
    """Run ``run_one(i) -> moves`` until ``seconds`` pass; (games, moves, elapsed)."""
    games = moves = 0
    start = time.perf_counter()
    while True:
        moves += run_one(games)
        games += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return games, moves, elapsed


def best_of(repeats: int, measure, *args) -> tuple[int, int, float]:
    """The fastest (by moves per second) of ``repeats`` runs of ``measure(*args)``, which
    returns (games, moves, elapsed): other processes share the machine."""
    runs = [measure(*args) for _ in range(max(1, repeats))]
    return max(runs, key=lambda r: r[1] / r[2])


def openspiel_cpp(name: str, params: dict, seconds: float) -> tuple[int, int, float]:
    """Whole random games inside OpenSpiel's C++ loop (``evaluate_bots``, two random bots)."""
    import pyspiel

    game = pyspiel.load_game(name, params)
    bots = [pyspiel.make_uniform_random_bot(0, 1), pyspiel.make_uniform_random_bot(1, 2)]

    def one(i: int) -> int:
        state = game.new_initial_state()
        pyspiel.evaluate_bots(state, bots, i)
        return state.move_number()

    return timed(one, seconds)


def openspiel_python(name: str, params: dict, seconds: float) -> tuple[int, int, float]:
    """Random games driven from Python through ``legal_actions`` + ``apply_action``."""
    import pyspiel

    game = pyspiel.load_game(name, params)
    rng = np.random.default_rng(0)

    def one(i: int) -> int:
        state = game.new_initial_state()
        n = 0
        while not state.is_terminal():
            legal = state.legal_actions()
            state.apply_action(legal[rng.integers(len(legal))])
            n += 1
        return n

    return timed(one, seconds)


def line(name: str, value: float, unit: str, baseline: str | None, base: float | None,
         params: dict) -> str:
    ratio = round(value / base, 2) if base else None
    return json.dumps({"name": name, "value": round(value, 1), "unit": unit,
                       "baseline": baseline, "baseline_value": None if base is None else
                       round(base, 1), "ratio": ratio, "params": params})
