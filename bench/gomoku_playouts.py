"""Random Gomoku games, varena's Numba playout kernel side by side with OpenSpiel's ``gomoku``.

Both sides play uniformly random legal moves from the empty board to the end (five in a
row, freestyle, or a full board). Baselines, all measured in this run:

- ``openspiel_cpp``: ``pyspiel.evaluate_bots`` with two uniform random bots (the whole game
  loop in C++; the strongest OpenSpiel figure);
- ``openspiel_python``: ``legal_actions()`` + ``apply_action()`` driven from Python.

varena also reports its generic path, ``legal_mask`` + ``step`` per move in a compiled
loop (as a Numba search without the playout kernel runs them; freestyle and renju) and the
same from Python (what a gymnasium user pays), and the renju playout (forbidden-move
detection for every black move), all against the same C++ baseline. Every figure is the
best of ``--repeats`` timings (other processes share the machine).

Usage: ``python bench/gomoku_playouts.py [--seconds 2] [--sizes 9,15] [--repeats 3]``; one
JSON object per line.
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import best_of, line, openspiel_cpp, openspiel_python, timed
from go_playouts import compiled_random_game


def varena_playout(size: int, seconds: float, rule: str = "freestyle") -> tuple[int, int, float]:
    from varena.games import gomoku_rules as R
    from varena.games.gomoku import Gomoku

    game = Gomoku(size=size, rule=rule)
    init = game.initial_state()
    state = init.copy()
    game.kernels.playout(state, 0)  # compile or load from cache outside the timing

    def one(i: int) -> int:
        state[:] = init
        game.kernels.playout(state, i)
        return int(state[R.COUNT])

    return timed(one, seconds)


def varena_step(size: int, seconds: float, rule: str = "freestyle") -> tuple[int, int, float]:
    """Random games through ``legal_mask`` + ``step`` per move in a compiled loop."""
    from varena.games.gomoku import Gomoku

    game = Gomoku(size=size, rule=rule)
    k = game.kernels
    random_game = compiled_random_game(k.legal_mask, k.step, k.outcome)
    init = game.initial_state()
    state = init.copy()
    mask = np.zeros(game.num_actions, np.bool_)
    legal = np.zeros(game.num_actions, np.int64)
    random_game(state, mask, legal, 0)

    def one(i: int) -> int:
        state[:] = init
        return random_game(state, mask, legal, i)

    return timed(one, seconds)


def varena_step_python(size: int, seconds: float) -> tuple[int, int, float]:
    """The same loop driven from Python, one kernel call at a time."""
    from varena.games.gomoku import Gomoku

    game = Gomoku(size=size)
    k = game.kernels
    init = game.initial_state()
    mask = np.zeros(game.num_actions, np.bool_)
    rng = np.random.default_rng(0)

    def one(i: int) -> int:
        s = init.copy()
        n = 0
        while not k.outcome(s)[0]:
            k.legal_mask(s, mask)
            legal = np.flatnonzero(mask)
            k.step(s, int(legal[rng.integers(legal.size)]), s)
            n += 1
        return n

    one(0)
    return timed(one, seconds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    ap.add_argument("--sizes", default="9,15", help="board sizes, comma separated")
    ap.add_argument("--repeats", type=int, default=3, help="timings per figure (best kept)")
    args = ap.parse_args()
    sec, rep = args.seconds, args.repeats
    for size in (int(s) for s in args.sizes.split(",")):
        params = {"size": size, "connect": 5, "seconds": sec, "repeats": rep}
        spiel = {"size": size, "connect": 5}
        results = {
            "varena_playout": best_of(rep, varena_playout, size, sec),
            "varena_playout_renju": best_of(rep, varena_playout, size, sec, "renju"),
            "varena_step_legal_mask": best_of(rep, varena_step, size, sec),
            "varena_step_legal_mask_renju": best_of(rep, varena_step, size, sec, "renju"),
            "varena_step_legal_mask_from_python": best_of(rep, varena_step_python, size, sec),
            "openspiel_cpp": best_of(rep, openspiel_cpp, "gomoku", spiel, sec),
            "openspiel_python": best_of(rep, openspiel_python, "gomoku", spiel, sec),
        }
        rate = {k: (m / t, g / t, m / g) for k, (g, m, t) in results.items()}
        cpp_m, cpp_g, _ = rate["openspiel_cpp"]
        py_m, py_g, _ = rate["openspiel_python"]
        for name, (mps, gps, length) in rate.items():
            if name.startswith("openspiel"):
                continue
            p = dict(params, mean_game_length=round(length, 1))
            print(line(f"gomoku{size}_{name}_moves_per_s", mps, "moves/s", "openspiel_cpp",
                        cpp_m, p), flush=True)
            print(line(f"gomoku{size}_{name}_games_per_s", gps, "games/s", "openspiel_cpp",
                        cpp_g, p), flush=True)
        mps, gps, length = rate["varena_playout"]
        p = dict(params, mean_game_length=round(length, 1))
        print(line(f"gomoku{size}_varena_playout_moves_per_s", mps, "moves/s",
                    "openspiel_python", py_m, p), flush=True)
        for name in ("openspiel_cpp", "openspiel_python"):
            mps, gps, length = rate[name]
            p = dict(params, mean_game_length=round(length, 1))
            print(line(f"gomoku{size}_{name}_moves_per_s", mps, "moves/s", None, None, p),
                  flush=True)


if __name__ == "__main__":
    main()
