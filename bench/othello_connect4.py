"""Othello and Connect Four (the plugin distributions) against OpenSpiel, one run.

Needs ``plugins/varena-othello`` and ``plugins/varena-connect4`` installed (``pip install
./plugins/varena-othello ./plugins/varena-connect4``) and open-spiel. Games are made
through varena's host, as any user of the plugins gets them. Figures, one JSON object
each (house format):

- random play: uniformly random legal moves from the start to the end of the game.
  varena's ``playout`` kernel and its generic path (``step`` + ``legal_mask`` per move
  from Python, what a search without a playout kernel does) against OpenSpiel's C++ loop
  (``pyspiel.evaluate_bots`` with two uniform random bots); the playout also against
  OpenSpiel driven from Python (``legal_actions`` + ``apply_action``). Othello 8x8 (OpenSpiel
  has no other size), Connect Four 7x6 and 5x4.
- rollout MCTS: one search of ``--sims`` simulations from the start position, one tree,
  one thread, UCT c=1.4, one random rollout per leaf, against OpenSpiel's C++
  ``pyspiel.MCTSBot`` with ``RandomRolloutEvaluator(1)`` and the same c and simulations.

Other processes share the machine: every figure is the best of ``--repeats`` timings.

    .venv/bin/python bench/othello_connect4.py [--seconds 2] [--sims 5000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import line, openspiel_cpp, openspiel_python, timed

C = 1.4
#: (varena spec, OpenSpiel name, OpenSpiel parameters, label)
GAMES = (
    ("othello", "othello", {}, "othello8"),
    ("connect4", "connect_four", {"columns": 7, "rows": 6, "x_in_row": 4}, "connect4_7x6"),
    ("connect4:width=5,height=4", "connect_four", {"columns": 5, "rows": 4, "x_in_row": 4},
     "connect4_5x4"),
)


def _game(spec: str):
    from varena.engine.host import get_host

    return get_host().make_game(spec)


def _moves(game, state) -> int:
    """Moves played from the start to ``state`` (both games keep the count in the header)."""
    if game.name == "othello":
        from varena_othello import rules

        return int(state[rules.MOVES])
    from varena_connect4 import rules

    return int(state[rules.COUNT])


def best(repeats: int, measure, *args) -> tuple[int, int, float]:
    """The fastest run (by moves or simulations per second) of ``repeats``."""
    runs = [measure(*args) for _ in range(max(1, repeats))]
    return max(runs, key=lambda r: r[1] / r[2])


def varena_playout(spec: str, seconds: float) -> tuple[int, int, float]:
    game = _game(spec)
    init = game.initial_state()
    state = init.copy()
    game.kernels.playout(state, 0)  # compile or load from cache outside the timing

    def one(i: int) -> int:
        state[:] = init
        game.kernels.playout(state, i)
        return _moves(game, state)

    return timed(one, seconds)


def varena_step(spec: str, seconds: float) -> tuple[int, int, float]:
    game = _game(spec)
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


def varena_mcts(spec: str, sims: int) -> tuple[int, int, float]:
    from varena.engine.mcts import MCTS, MCTSOptions

    game = _game(spec)
    search = MCTS(game, MCTSOptions(sims=sims, c=C, reuse=False, threads=1), seed=0)
    states = game.initial_state()[None]
    search.run(states)  # compile or load, allocate
    t = time.perf_counter()
    r = search.run(states)
    return 1, int(r.simulations.sum()), time.perf_counter() - t


def openspiel_mcts(name: str, params: dict, sims: int, seed: int = 0) -> tuple[int, int, float]:
    import pyspiel

    game = pyspiel.load_game(name, params)
    bot = pyspiel.MCTSBot(game, pyspiel.RandomRolloutEvaluator(1, seed), C, sims, 4000, False,
                          seed, False)
    state = game.new_initial_state()
    bot.step(state)  # warm up
    t = time.perf_counter()
    bot.step(state)
    return 1, sims, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=2.0, help="time per random-play measurement")
    ap.add_argument("--sims", type=int, default=5000, help="simulations of one MCTS search")
    ap.add_argument("--repeats", type=int, default=3, help="timings per figure (best is kept)")
    ap.add_argument("--games", default="othello8,connect4_7x6,connect4_5x4",
                    help="labels of the games to measure, comma separated")
    args = ap.parse_args()
    wanted = set(args.games.split(","))
    for spec, sname, sparams, label in GAMES:
        if label not in wanted:
            continue
        params = {"game": spec, "openspiel": sname, **sparams, "seconds": args.seconds,
                  "repeats": args.repeats}
        r = args.repeats
        results = {
            "varena_playout": best(r, varena_playout, spec, args.seconds),
            "varena_step_legal_mask": best(r, varena_step, spec, args.seconds),
            "openspiel_cpp": best(r, openspiel_cpp, sname, sparams, args.seconds),
            "openspiel_python": best(r, openspiel_python, sname, sparams, args.seconds),
        }
        rate = {k: (m / t, g / t, m / g) for k, (g, m, t) in results.items()}
        cpp_m, cpp_g, _ = rate["openspiel_cpp"]
        for name in ("varena_playout", "varena_step_legal_mask"):
            mps, gps, length = rate[name]
            p = dict(params, mean_game_length=round(length, 1))
            print(line(f"{label}_{name}_moves_per_s", mps, "moves/s", "openspiel_cpp", cpp_m, p),
                  flush=True)
            print(line(f"{label}_{name}_games_per_s", gps, "games/s", "openspiel_cpp", cpp_g, p),
                  flush=True)
        mps, _, length = rate["varena_playout"]
        print(line(f"{label}_varena_playout_moves_per_s", mps, "moves/s", "openspiel_python",
                   rate["openspiel_python"][0], dict(params, mean_game_length=round(length, 1))),
              flush=True)
        for name in ("openspiel_cpp", "openspiel_python"):
            mps, _, length = rate[name]
            print(line(f"{label}_{name}_moves_per_s", mps, "moves/s", None, None,
                       dict(params, mean_game_length=round(length, 1))), flush=True)

        mp = {"game": spec, "openspiel": sname, **sparams, "sims": args.sims, "c": C,
              "rollouts": 1, "batch": 1, "threads": 1, "repeats": args.repeats}
        _, sv, tv = best(r, varena_mcts, spec, args.sims)
        _, so, to = best(r, openspiel_mcts, sname, sparams, args.sims)
        print(line(f"{label}_mcts_one_core", sv / tv, "simulations/s",
                   "openspiel MCTSBot (C++)", so / to, mp), flush=True)


if __name__ == "__main__":
    main()
