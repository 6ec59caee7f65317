"""Classical TSP heuristics: mean optimality gap on random instances and 2-opt's speed.

For each size (default 50 and 100; 100 instances each, uniform in the unit square) the
reference is LKH-3 through elkai (costs scaled by 1e6; Held-Karp when n <= 13), and each
heuristic's mean gap is printed beside the published anchor (Kool et al. 2019, table 1, 10k
instances: nearest neighbour 22.9% / 24.7%, farthest insertion 5.5% / 7.6% at n = 50 / 100).
Then the time of 2-opt + Or-opt (including its nearest-neighbour start and neighbour lists)
at n = 1000 and 10,000, with the gap against LKH at n = 1000.

Usage: ``python bench/tsp_classical.py [--count 100] [--sizes 50,100] [--runs 1]``; one
JSON object per line.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

ANCHORS = {("nearest_neighbour", 20): 0.172, ("nearest_neighbour", 50): 0.229,
           ("nearest_neighbour", 100): 0.247, ("farthest_insertion", 20): 0.024,
           ("farthest_insertion", 50): 0.055, ("farthest_insertion", 100): 0.076}


def emit(name: str, value: float, unit: str, params: dict, baseline: str = "", base: float | None = None) -> None:
    ratio = value / base if base else None
    print(json.dumps({"name": name, "value": round(value, 6), "unit": unit, "baseline": baseline,
                      "baseline_value": base, "ratio": None if ratio is None else round(ratio, 4),
                      "params": params}), flush=True)


def heuristics():
    from varena.solvers.tsp_construct import insertion, nearest_neighbour
    from varena.solvers.tsp_local import local_search

    return {
        "nearest_neighbour": nearest_neighbour,
        "farthest_insertion": lambda p: insertion(p, "farthest"),
        "nearest_insertion": lambda p: insertion(p, "nearest"),
        "random_insertion": lambda p: insertion(p, "random", 0),
        "2opt": lambda p: local_search(p, nearest_neighbour(p), oropt=False),
        "2opt_oropt": lambda p: local_search(p, nearest_neighbour(p)),
        "2opt_oropt_from_farthest": lambda p: local_search(p, insertion(p, "farthest")),
    }


def gaps(n: int, count: int, runs: int, seed: int) -> None:
    from varena.games.tsp_distance import TspProblem
    from varena.games.tsp_reference import EXACT_UP_TO, held_karp, lkh

    rng = np.random.default_rng(seed)
    problems = [TspProblem.euclidean(rng.random((n, 2))) for _ in range(count)]
    start = time.perf_counter()
    best = np.array([p.length(held_karp(p) if n <= EXACT_UP_TO else lkh(p, runs=runs, seed=1))
                     for p in problems])
    ref_seconds = (time.perf_counter() - start) / count
    ref = "held_karp" if n <= EXACT_UP_TO else f"lkh(runs={runs})"
    emit(f"tsp{n}_reference_mean_length", float(best.mean()), "length",
         {"n": n, "count": count, "reference": ref, "seconds_per_instance": round(ref_seconds, 4)})
    for name, solve in heuristics().items():
        solve(problems[0])  # load the compiled kernels outside the timing
        start = time.perf_counter()
        lengths = np.array([p.length(solve(p)) for p in problems])
        seconds = (time.perf_counter() - start) / count
        gap = float(np.mean(lengths / best - 1.0))
        anchor = ANCHORS.get((name, n))
        emit(f"tsp{n}_{name}_gap", 100 * gap, "%",
             {"n": n, "count": count, "reference": ref, "ms_per_instance": round(1000 * seconds, 3)},
             "Kool et al. 2019 (10k instances)" if anchor else "", None if anchor is None else 100 * anchor)


def speed(n: int, seed: int, runs: int, with_gap: bool) -> None:
    from varena.games.tsp_distance import TspProblem
    from varena.games.tsp_reference import lkh
    from varena.solvers.tsp_construct import nearest_neighbour
    from varena.solvers.tsp_local import local_search

    problem = TspProblem.euclidean(np.random.default_rng(seed).random((n, 2)))
    local_search(TspProblem.euclidean(np.random.default_rng(0).random((20, 2))), np.arange(20))
    start = time.perf_counter()
    tour = local_search(problem, nearest_neighbour(problem))
    seconds = time.perf_counter() - start
    params = {"n": n, "includes": "nearest neighbour start + k-d tree neighbour lists (k=10)"}
    if with_gap:
        start = time.perf_counter()
        best = problem.length(lkh(problem, runs=runs, seed=1))
        params["lkh_seconds"] = round(time.perf_counter() - start, 2)
        params["gap_vs_lkh_percent"] = round(100 * (problem.length(tour) / best - 1), 3)
    emit(f"tsp{n}_2opt_oropt_time", seconds, "s", params)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--sizes", default="50,100")
    ap.add_argument("--runs", type=int, default=1, help="LKH runs per reference instance")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--speed-sizes", default="1000,10000")
    args = ap.parse_args()
    for n in (int(x) for x in args.sizes.split(",") if x):
        gaps(n, args.count, args.runs, args.seed)
    for n in (int(x) for x in args.speed_sizes.split(",") if x):
        speed(n, args.seed, args.runs, with_gap=n <= 1000)


if __name__ == "__main__":
    main()
