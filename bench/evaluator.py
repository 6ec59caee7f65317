"""Benchmark of the batched network evaluator and of MCTS driven by it (CPU or CUDA).

1. Positions per second for batches mixing 7x7, 9x9, 13x13 and 19x19 boards (equal shares;
   batch 1 cycles through the sizes), grouped by sequence length (the evaluator's default)
   against everything padded to the longest sequence in one forward.
2. MCTS with the network on B trees at once: the share of wall time spent inside the network
   forward, and the search plus game code's cost on top of it (target < 10% at B >= 64).
3. ``--pool``: searches of the game at 7x7, 9x9 and 13x13 (``--pool-trees`` trees each) in one
   :class:`varena.engine.mcts.pool.SearchPool` (one network call per simulation step for
   all three) against the same searches run one after another.

Prints one JSON object per figure:
``{"name", "value", "unit", "baseline", "baseline_value", "ratio", "params"}``.

    .venv/bin/python bench/evaluator.py                    # small and paper presets
    .venv/bin/python bench/evaluator.py --presets small --batches 1,8,64,256 --seconds 2
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from varena.engine.host import get_host
from varena.engine.mcts import MCTS, MCTSOptions, SearchPool
from varena.engine.nn.device import configure_cpu_threads
from varena.engine.nn.evaluator import NetEvaluator
from varena.solvers.alphavit.checkpoints import new_network

SIZES = (7, 9, 13, 19)


def emit(name, value, unit, baseline, baseline_value, params):
    ratio = value / baseline_value if baseline_value else None
    print(json.dumps({"name": name, "value": round(value, 4), "unit": unit, "baseline": baseline,
                      "baseline_value": None if baseline_value is None else round(baseline_value, 4),
                      "ratio": None if ratio is None else round(ratio, 4), "params": params}),
          flush=True)


def positions(game, n, rng, plies=20):
    """``n`` positions after up to ``plies`` random moves."""
    out = []
    for _ in range(n):
        s = game.initial_state(rng)
        for _ in range(int(rng.integers(0, plies + 1))):
            legal = np.flatnonzero(game.legal_mask(s))
            if legal.size == 0 or game.outcome(s)[0]:
                break
            nxt = game.next_state(s, int(rng.choice(legal)))
            if game.outcome(nxt)[0]:
                break
            s = nxt
        out.append(s)
    return np.stack(out)


def timed_pair(fa, fb, seconds):
    """Calls per second of ``fa`` and of ``fb``, alternated so that load from other processes
    on a shared machine hits both alike (one warm-up call each; at least one timed call)."""
    fa(), fb()
    spent = [0.0, 0.0]
    reps = 0
    while True:
        for i, fn in enumerate((fa, fb)):
            start = time.perf_counter()
            fn()
            spent[i] += time.perf_counter() - start
        reps += 1
        if sum(spent) >= 2 * seconds or reps >= 200:
            return reps / spent[0], reps / spent[1]


def bench_evaluator(net, games, batches, seconds, params):
    rng = np.random.default_rng(0)
    pools = {g.spec: positions(g, 256, rng) for g in games}
    grouped = NetEvaluator(net, "auto")
    padded = NetEvaluator(net, "auto", pad_ratio=float("inf"))
    for batch in batches:
        if batch < len(games):  # cycle through the sizes, one call per size
            calls = [[(g, pools[g.spec][:batch])] for g in games]
        else:
            share = batch // len(games)
            calls = [[(g, pools[g.spec][:share]) for g in games]]
        n = sum(len(s) for call in calls for _, s in call)

        def run(ev, calls=calls):
            for call in calls:
                ev.evaluate(call)

        fast, slow = timed_pair(lambda: run(grouped), lambda: run(padded), seconds)
        fast, slow = fast * n, slow * n
        emit("evaluator.positions_per_s", fast, "positions/s", "padded to the longest", slow,
             {**params, "batch": batch, "sizes": list(SIZES), "grouped": "by token count"})


def bench_mcts(net, game, trees_list, sims, params):
    ev = NetEvaluator(net, "auto")
    evaluate = ev.for_game(game)
    rng = np.random.default_rng(1)
    for trees in trees_list:
        opts = MCTSOptions(sims=sims, rule="puct", c=1.25, reuse=False)
        search = MCTS(game, opts, evaluate, seed=0)
        states = positions(game, trees, rng, plies=6)
        search.run(states[:1] if trees > 1 else states)  # compile / warm up
        search = MCTS(game, opts, evaluate, seed=0)
        ev.reset_stats()
        start = time.perf_counter()
        search.run(states)
        wall = time.perf_counter() - start
        fwd, enc = ev.stats.forward_seconds, ev.stats.encode_seconds
        p = {**params, "game": game.spec, "trees": trees, "sims": sims,
             "wall_s": round(wall, 3), "forward_s": round(fwd, 3), "encode_s": round(enc, 3)}
        emit("mcts.network_share", fwd / wall, "fraction of wall time", None, None, p)
        emit("mcts.overhead_over_network", (wall - fwd) / fwd, "fraction of forward time",
             "target", 0.10, p)
        emit("mcts.simulations_per_s", trees * sims / wall, "simulations/s", None, None, p)


def bench_pool(net, games, trees, sims, params):
    ev = NetEvaluator(net, "auto")
    rng = np.random.default_rng(2)
    opts = MCTSOptions(sims=sims, rule="puct", c=1.25, root="gumbel", gumbel_m=8, reuse=False)
    states = [positions(g, trees, rng, plies=6) for g in games]

    def searches():
        return [MCTS(g, opts, ev.for_game(g), seed=i) for i, g in enumerate(games)]

    SearchPool(ev.evaluate).run(list(zip(searches(), states, strict=True)))  # warm up
    ev.reset_stats()
    t = time.perf_counter()
    SearchPool(ev.evaluate).run(list(zip(searches(), states, strict=True)))
    pooled, pooled_calls = time.perf_counter() - t, ev.stats.calls
    ev.reset_stats()
    t = time.perf_counter()
    for search, st in zip(searches(), states, strict=True):
        search.run(st)
    alone, alone_calls = time.perf_counter() - t, ev.stats.calls
    total = len(games) * trees * sims
    emit("mcts.pool_simulations_per_s", total / pooled, "simulations/s",
         "the same searches one after another", total / alone,
         {**params, "games": [g.spec for g in games], "trees": trees, "sims": sims, "root": "gumbel",
          "network_calls": pooled_calls, "network_calls_alone": alone_calls})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", default="small,paper")
    ap.add_argument("--arch", default="vit", choices=("vit", "vid", "vda"))
    ap.add_argument("--batches", default="1,8,64,256")
    ap.add_argument("--paper-batches", default="1,8,64",
                    help="batches for the paper preset (a 256-batch paper forward takes "
                         "tens of seconds on 2 CPU cores)")
    ap.add_argument("--trees", default="1,64,256")
    ap.add_argument("--paper-trees", default="1,64")
    ap.add_argument("--sims", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=1.0, help="time per figure")
    ap.add_argument("--game", default="gomoku")
    ap.add_argument("--pool", action="store_true", help="also time a SearchPool of three sizes")
    ap.add_argument("--pool-trees", type=int, default=16)
    ap.add_argument("--threads", type=int, default=None,
                    help="torch CPU threads (default: varena.engine.nn.device's choice)")
    args = ap.parse_args()
    configure_cpu_threads(args.threads)
    host = get_host()
    games = [host.make_game(f"{args.game}:size={s}") for s in SIZES]
    mcts_game = host.make_game(f"{args.game}:size=9")
    for preset in args.presets.split(","):
        net = new_network(args.arch, preset, [args.game], seed=0)
        dev = "cuda" if torch.cuda.is_available() else "cpu"
        params = {"preset": preset, "arch": args.arch, "device": dev,
                  "threads": torch.get_num_threads(), "parameters": net.num_parameters()}
        batches = args.paper_batches if preset == "paper" else args.batches
        trees = args.paper_trees if preset == "paper" else args.trees
        bench_evaluator(net, games, [int(b) for b in batches.split(",")], args.seconds, params)
        bench_mcts(net, mcts_game, [int(t) for t in trees.split(",")], args.sims, params)
        if args.pool:
            bench_pool(net, [host.make_game(f"{args.game}:size={s}") for s in (7, 9, 13)],
                       args.pool_trees, args.sims, params)


if __name__ == "__main__":
    main()
