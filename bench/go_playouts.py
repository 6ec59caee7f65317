"""Random Go games and rollout MCTS, varena side by side with OpenSpiel's ``go``, one run.

Both sides play uniformly random legal actions, pass included, until two passes or the
move cap; varena's games use OpenSpiel's cap (``max_game_length`` = 2 x points) so the game
length distributions match. Baselines, all in this run:

- ``openspiel_cpp``: ``pyspiel.evaluate_bots`` with two uniform random bots (the whole game
  loop in C++; the strongest OpenSpiel figure);
- ``openspiel_python``: ``legal_actions()`` + ``apply_action()`` driven from Python.

varena reports its playout kernels (uniform and no-eye-fill) and its generic path
(``legal_mask`` + ``step`` per move in a compiled loop, as a Numba search without the
playout kernel runs them), and rollout MCTS (one tree, one thread, UCT c=1.4, one uniform
playout per leaf) against OpenSpiel's C++ ``MCTSBot`` with ``RandomRolloutEvaluator(1)``,
the same number of simulations from the empty board. Every figure is the best of
``--repeats`` timings (other processes share the machine). Note: varena checks positional
superko on every move; OpenSpiel's go checks basic ko only.

Usage: ``python bench/go_playouts.py [--seconds 2] [--sizes 9,19] [--repeats 3]
[--mcts-sims 9:2000,19:500]``; one JSON object per line.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import best_of, line, openspiel_cpp, openspiel_python, timed

C = 1.4


def varena_playout(size: int, seconds: float, rollout: str = "uniform") -> tuple[int, int, float]:
    from varena.games.go import Go

    game = Go(size=size, max_moves=2 * size * size, rollout=rollout)
    init = game.initial_state()
    state = init.copy()
    game.kernels.playout(state, 0)  # compile or load from cache outside the timing

    def one(i: int) -> int:
        state[:] = init
        game.kernels.playout(state, i)
        return game.move_number(state)

    return timed(one, seconds)


def compiled_random_game(legal_mask, step, outcome):
    """A compiled loop of random games through the generic kernels (one pass over the
    mask collects the legal actions, then one is drawn)."""
    from numba import njit

    @njit
    def random_game(state, mask, legal, seed):
        np.random.seed(seed)
        n = 0
        while not outcome(state)[0]:
            legal_mask(state, mask)
            m = 0
            for a in range(mask.shape[0]):
                if mask[a]:
                    legal[m] = a
                    m += 1
            step(state, legal[np.random.randint(0, m)], state)
            n += 1
        return n

    return random_game


def varena_step(size: int, seconds: float) -> tuple[int, int, float]:
    """Random games through ``legal_mask`` + ``step`` per move in a compiled loop."""
    from varena.games.go import Go

    game = Go(size=size, max_moves=2 * size * size)
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


def varena_mcts(size: int, sims: int, repeats: int) -> float:
    """Simulations per second of one rollout MCTS search from the empty board, one thread."""
    from varena.engine.mcts import MCTS, MCTSOptions
    from varena.games.go import Go

    game = Go(size=size, max_moves=2 * size * size)
    search = MCTS(game, MCTSOptions(sims=sims, c=C, reuse=False, threads=1), seed=0)
    states = game.initial_state()[None]
    search.run(states)  # compile or load, allocate
    best = 0.0
    for _ in range(repeats):
        t = time.perf_counter()
        r = search.run(states)
        best = max(best, float(r.simulations.sum()) / (time.perf_counter() - t))
    return best


def openspiel_mcts(size: int, sims: int, repeats: int) -> float:
    import pyspiel

    game = pyspiel.load_game("go", {"board_size": size})
    best = 0.0
    for r in range(repeats + 1):
        bot = pyspiel.MCTSBot(game, pyspiel.RandomRolloutEvaluator(1, r), C, sims, 4000, False,
                              r, False)
        state = game.new_initial_state()
        t = time.perf_counter()
        bot.step(state)
        if r:  # the first search warms up
            best = max(best, sims / (time.perf_counter() - t))
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    ap.add_argument("--sizes", default="9,19", help="board sizes, comma separated")
    ap.add_argument("--repeats", type=int, default=3, help="timings per figure (best kept)")
    ap.add_argument("--mcts-sims", default="9:2000,19:500",
                    help="size:simulations of the MCTS figures ('' for none)")
    args = ap.parse_args()
    sec, rep = args.seconds, args.repeats
    for size in (int(s) for s in args.sizes.split(",")):
        params = {"board_size": size, "max_moves": 2 * size * size, "seconds": sec,
                  "repeats": rep}
        spiel = {"board_size": size}
        results = {
            "varena_playout": best_of(rep, varena_playout, size, sec),
            "varena_playout_noeye": best_of(rep, varena_playout, size, sec, "noeye"),
            "varena_step_legal_mask": best_of(rep, varena_step, size, sec),
            "openspiel_cpp": best_of(rep, openspiel_cpp, "go", spiel, sec),
            "openspiel_python": best_of(rep, openspiel_python, "go", spiel, sec),
        }
        rate = {k: (m / t, g / t, m / g) for k, (g, m, t) in results.items()}
        cpp_m, cpp_g, _ = rate["openspiel_cpp"]
        py_m, py_g, _ = rate["openspiel_python"]
        for name, (mps, gps, length) in rate.items():
            if name.startswith("openspiel"):
                continue
            p = dict(params, mean_game_length=round(length, 1))
            print(line(f"go{size}_{name}_moves_per_s", mps, "moves/s", "openspiel_cpp",
                       cpp_m, p), flush=True)
            print(line(f"go{size}_{name}_games_per_s", gps, "games/s", "openspiel_cpp",
                       cpp_g, p), flush=True)
        mps, gps, length = rate["varena_playout"]
        p = dict(params, mean_game_length=round(length, 1))
        print(line(f"go{size}_varena_playout_moves_per_s", mps, "moves/s",
                   "openspiel_python", py_m, p), flush=True)
        for name in ("openspiel_cpp", "openspiel_python"):
            mps, gps, length = rate[name]
            p = dict(params, mean_game_length=round(length, 1))
            print(line(f"go{size}_{name}_moves_per_s", mps, "moves/s", None, None, p),
                  flush=True)
    for item in filter(None, args.mcts_sims.split(",")):
        size, sims = (int(x) for x in item.split(":"))
        ours = varena_mcts(size, sims, rep)
        theirs = openspiel_mcts(size, sims, rep)
        p = {"board_size": size, "max_moves": 2 * size * size, "sims": sims, "c": C,
             "rollouts": 1, "threads": 1, "repeats": rep}
        print(line(f"go{size}_mcts_one_core", ours, "simulations/s",
                   "openspiel MCTSBot (C++)", theirs, p), flush=True)


if __name__ == "__main__":
    main()
