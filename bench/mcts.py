"""Rollout MCTS speed: varena vs OpenSpiel's C++ MCTSBot vs a bare Numba UCT, one run.

9x9 freestyle Gomoku from the empty board, one random rollout per leaf, UCT (c=1.4 for
all three), the same number of simulations per search. Figures (one JSON object each):

- ``mcts_one_core``: one tree, one thread; baseline OpenSpiel ``pyspiel.MCTSBot`` with
  ``pyspiel.RandomRolloutEvaluator(1, seed)`` (target ratio >= 4);
- ``mcts_one_core_vs_bare``: the same figure against ``bench/bare_uct.py``, a single-purpose
  compiled UCT (target ratio >= 0.85): ``--rounds`` alternating timings of both, the median
  of their ratios (the per-round ratios in the params);
- ``mcts_two_cores_b64``: B=64 trees in flight, 2 threads, against the same 64 searches on
  one thread (target ratio >= 1.8);
- ``mcts_two_cores_b64_vs_openspiel``: the same figure against OpenSpiel's bot in 2
  processes running 32 searches each;
- ``mcts_plain_python_connect4``: a plain-Python Connect Four (no kernels: the search runs
  interpreted, :mod:`varena.engine.interpreted`) against the same rule functions compiled
  (``tests/engine/connect4.py``), ``--plain-sims`` simulations from the empty board.

Other processes share the machine, so each timing is the best of ``--repeats`` runs.
``--strength`` also runs bench/mcts_strength.py (20 games against OpenSpiel's bot).

    .venv/bin/python bench/mcts.py [--sims 10000] [--batch-sims 1000] [--strength]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import pathlib
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

C = 1.4
GAME = {"game": "gomoku 9x9 freestyle", "rollouts": 1, "c": C}


def emit(name, value, baseline, baseline_value, ratio=None, **params):
    if ratio is None:
        ratio = value / baseline_value if baseline_value else None
    print(json.dumps({"name": name, "value": round(value), "unit": "simulations/s",
                      "baseline": baseline, "baseline_value": round(baseline_value),
                      "ratio": round(ratio, 2) if ratio else None, "params": {**GAME, **params}}),
          flush=True)


def varena_rate(batch: int, sims: int, threads: int, repeats: int) -> float:
    from varena.engine.host import get_host
    from varena.engine.mcts import MCTS, MCTSOptions

    g = get_host().make_game("gomoku:size=9")
    search = MCTS(g, MCTSOptions(sims=sims, c=C, reuse=False, threads=threads), seed=0)
    states = np.repeat(g.initial_state()[None], batch, axis=0)
    search.run(states[:, :])  # compile or load, allocate
    best = 0.0
    for _ in range(repeats):
        t = time.perf_counter()
        r = search.run(states)
        best = max(best, r.simulations.sum() / (time.perf_counter() - t))
    return best


def connect4_rates(sims: int, repeats: int) -> tuple[float, float]:
    """(interpreted, compiled) simulations per second on Connect Four from the empty board."""
    from tests.engine.connect4 import ConnectFour, ConnectFourNumba
    from varena.engine.mcts import MCTS, MCTSOptions

    rates = []
    for game in (ConnectFour(), ConnectFourNumba()):
        search = MCTS(game, MCTSOptions(sims=sims, c=C, reuse=False), seed=0)
        state = game.initial_state()[None]
        search.run(state)  # compile or load, allocate
        best = 0.0
        for _ in range(repeats):
            t = time.perf_counter()
            r = search.run(state)
            best = max(best, r.simulations.sum() / (time.perf_counter() - t))
        rates.append(best)
    return rates[0], rates[1]


def openspiel_searches(args: tuple[int, int, int]) -> tuple[int, float]:
    """(simulations, seconds) of ``n`` OpenSpiel searches of ``sims`` from the empty board."""
    n, sims, seed = args
    import pyspiel

    game = pyspiel.load_game("gomoku", {"size": 9, "connect": 5})
    bot = pyspiel.MCTSBot(game, pyspiel.RandomRolloutEvaluator(1, seed), C, sims, 4000, False,
                          seed, False)
    state = game.new_initial_state()
    bot.step(state)  # warm up
    t = time.perf_counter()
    for _ in range(n):
        bot.step(state)
    return n * sims, time.perf_counter() - t


def openspiel_rate(searches: int, sims: int, procs: int, repeats: int) -> float:
    best = 0.0
    for r in range(repeats):
        if procs == 1:
            done, secs = openspiel_searches((searches, sims, r))
        else:
            with mp.get_context("spawn").Pool(procs) as pool:
                parts = pool.map(openspiel_searches,
                                 [(searches // procs, sims, 100 * r + i) for i in range(procs)])
            done, secs = sum(p[0] for p in parts), max(p[1] for p in parts)
        best = max(best, done / secs)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sims", type=int, default=10_000, help="simulations of the one-tree search")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--batch-sims", type=int, default=1000, help="simulations per tree, B trees")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=5,
                    help="alternating varena / bare UCT timings (median ratio reported)")
    ap.add_argument("--plain-sims", type=int, default=400,
                    help="simulations of the plain-Python Connect Four search (0: skip it)")
    ap.add_argument("--strength", action="store_true", help="also play bench/mcts_strength.py")
    args = ap.parse_args()

    from bench.bare_uct import sims_per_second

    one = varena_rate(1, args.sims, 1, args.repeats)
    spiel_one = openspiel_rate(1, args.sims, 1, args.repeats)
    emit("mcts_one_core", one, "openspiel MCTSBot (C++)", spiel_one, sims=args.sims, batch=1, threads=1)
    # the bare UCT and varena timed in turn, round after round: the median ratio of the
    # rounds, since other jobs on the machine come and go
    pairs = []
    for _ in range(args.rounds):
        pairs.append((varena_rate(1, args.sims, 1, args.repeats),
                      sims_per_second(args.sims, args.repeats)))
    ratios = [v / b for v, b in pairs]
    emit("mcts_one_core_vs_bare", statistics.median(v for v, _ in pairs),
         "bare numba UCT (bench/bare_uct.py)", statistics.median(b for _, b in pairs),
         ratio=statistics.median(ratios), sims=args.sims, batch=1, threads=1, rounds=args.rounds,
         round_ratios=[round(r, 3) for r in ratios])

    b, s = args.batch, args.batch_sims
    two = varena_rate(b, s, 2, args.repeats)
    one_b = varena_rate(b, s, 1, args.repeats)
    spiel_two = openspiel_rate(b, s, 2, args.repeats)
    emit("mcts_two_cores_b64", two, "varena, same 64 trees on one thread", one_b, sims=s, batch=b,
         threads=2)
    emit("mcts_two_cores_b64_vs_openspiel", two, "openspiel MCTSBot (C++), 2 processes", spiel_two,
         sims=s, batch=b, threads=2)
    if args.plain_sims > 0:
        plain, compiled = connect4_rates(args.plain_sims, args.repeats)
        print(json.dumps({"name": "mcts_plain_python_connect4", "value": round(plain),
                          "unit": "simulations/s", "baseline": "the same rules compiled (Numba game)",
                          "baseline_value": round(compiled), "ratio": round(plain / compiled, 4),
                          "params": {"game": "connect four 7x6 (tests/engine/connect4.py)",
                                     "rollouts": 1, "c": C, "sims": args.plain_sims, "batch": 1}}),
              flush=True)
    if args.strength:
        from bench.mcts_strength import main as strength

        strength([])


if __name__ == "__main__":
    main()
