"""Random Go games, varena's Numba playout kernel side by side with OpenSpiel's ``go``.

Both sides play uniformly random legal actions, pass included, until two passes or the
move cap; varena's games use OpenSpiel's cap (``max_game_length`` = 2 x points) so the game
length distributions match. Baselines, all in this run:

- ``openspiel_cpp``: ``pyspiel.evaluate_bots`` with two uniform random bots (the whole game
  loop in C++; the strongest OpenSpiel figure);
- ``openspiel_python``: ``legal_actions()`` + ``apply_action()`` driven from Python.

varena also reports its generic path (``legal_mask`` + ``step`` per move in a compiled loop,
as a Numba search without the playout kernel runs them) and the no-eye-fill rollout.
Note: varena checks positional superko on every move; OpenSpiel's go checks basic ko only.

Usage: ``python bench/go_playouts.py [--seconds 2] [--sizes 9,19]``; one JSON object per line.
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import line, openspiel_cpp, openspiel_python, timed


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


def varena_step(size: int, seconds: float) -> tuple[int, int, float]:
    """Random games through the generic kernels (``legal_mask`` + ``step`` per move) in a
    compiled loop, as a Numba search without the playout kernel would run them."""
    from numba import njit

    from varena.games.go import Go
    from varena.games.go.rules import legal_mask, step
    from varena.games.go.scoring import outcome

    @njit
    def random_game(state, mask, seed):
        np.random.seed(seed)
        n = 0
        while not outcome(state)[0]:
            legal_mask(state, mask)
            k = np.random.randint(0, mask.sum())
            a = -1
            while k >= 0:
                a += 1
                if mask[a]:
                    k -= 1
            step(state, a, state)
            n += 1
        return n

    game = Go(size=size, max_moves=2 * size * size)
    init = game.initial_state()
    state = init.copy()
    mask = np.zeros(game.num_actions, np.bool_)
    random_game(state, mask, 0)

    def one(i: int) -> int:
        state[:] = init
        return random_game(state, mask, i)

    return timed(one, seconds)








def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    ap.add_argument("--sizes", default="9,19", help="board sizes, comma separated")
    args = ap.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        params = {"board_size": size, "max_moves": 2 * size * size, "seconds": args.seconds}
        results = {
            "varena_playout": varena_playout(size, args.seconds),
            "varena_playout_noeye": varena_playout(size, args.seconds, "noeye"),
            "varena_step_legal_mask": varena_step(size, args.seconds),
            "openspiel_cpp": openspiel_cpp("go", {"board_size": size}, args.seconds),
            "openspiel_python": openspiel_python("go", {"board_size": size}, args.seconds),
        }
        rate = {k: (m / t, g / t, m / g) for k, (g, m, t) in results.items()}
        cpp_m, cpp_g, _ = rate["openspiel_cpp"]
        py_m, py_g, _ = rate["openspiel_python"]
        for name, (mps, gps, length) in rate.items():
            if name.startswith("openspiel"):
                continue
            p = dict(params, mean_game_length=round(length, 1))
            print(line(f"go{size}_{name}_moves_per_s", mps, "moves/s", "openspiel_cpp",
                        cpp_m, p))
            print(line(f"go{size}_{name}_games_per_s", gps, "games/s", "openspiel_cpp",
                        cpp_g, p))
        mps, gps, length = rate["varena_playout"]
        p = dict(params, mean_game_length=round(length, 1))
        print(line(f"go{size}_varena_playout_moves_per_s", mps, "moves/s",
                    "openspiel_python", py_m, p))
        print(line(f"go{size}_varena_playout_games_per_s", gps, "games/s",
                    "openspiel_python", py_g, p))
        for name in ("openspiel_cpp", "openspiel_python"):
            mps, gps, length = rate[name]
            p = dict(params, mean_game_length=round(length, 1))
            print(line(f"go{size}_{name}_moves_per_s", mps, "moves/s", None, None, p))


if __name__ == "__main__":
    main()
