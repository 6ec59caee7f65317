"""Cold start: the first searched move of each built-in agent in a new process.

Each figure runs a fresh ``python`` process that builds the game and the agent and times
its first ``select_actions`` on the start position (then a second one, the steady state).
Numba's cache goes to ``NUMBA_CACHE_DIR``, a new empty folder per agent:

- ``fresh``: the first process on that empty cache (a fresh install: everything compiles);
- ``warm``: a second process on the same cache (what every later run pays);
- ``after_compile``: a process on a cache filled only by ``varena compile`` (the install
  step), which must make every agent's first move as quick as a warm one.

Baselines: ``fresh`` is compared with ``warm``; the issue's target is a warm first move
under 0.3 s. One JSON object per figure (value in wall-clock seconds; ``first_move_cpu_s``
in the params is the process's CPU time for it, which a loaded machine inflates less).

Usage: ``python bench/cold_start.py [--agents mcts,alphabeta] [--skip-fresh]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

#: (label, agent spec, game spec)
AGENTS = (
    ("random", "random", "gomoku:size=9"),
    ("mcts_gomoku", "mcts:sims=200", "gomoku:size=9"),
    ("mcts_go", "mcts:sims=200", "go:size=9"),
    ("mcts_tsp", "mcts:sims=200", "tsp:n=10"),
    ("alphabeta", "alphabeta:depth=2", "gomoku:size=9"),
    ("alphavit", "alphavit:sims=16", "gomoku:size=9"),
)

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from varena.engine.host import get_host
host = get_host()
game = host.make_game(sys.argv[2])
agent = host.make_agent(sys.argv[1], game, 0)
states = game.initial_state()[None]
t1, c1 = time.perf_counter(), time.process_time()
agent.select_actions(states)
t2, c2 = time.perf_counter(), time.process_time()
agent.select_actions(states)
t3 = time.perf_counter()
print(json.dumps({"setup": t1 - t0, "first_move": t2 - t1, "first_move_cpu": c2 - c1,
                  "second_move": t3 - t2}))
"""


def child(agent: str, game: str, cache: str) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, agent, game], env=env, check=True,
                         capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["process"] = time.perf_counter() - t
    return result


def compile_into(cache: str) -> float:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    exe = os.path.join(os.path.dirname(sys.executable), "varena")
    t = time.perf_counter()
    subprocess.run([exe, "compile"], env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - t


def emit(name: str, value: float, baseline: str | None, base: float | None, params: dict) -> None:
    print(json.dumps({"name": name, "value": round(value, 3), "unit": "s", "baseline": baseline,
                      "baseline_value": None if base is None else round(base, 3),
                      "ratio": round(value / base, 2) if base else None, "params": params}),
          flush=True)


def _details(params: dict, run: dict) -> dict:
    return dict(params, first_move_cpu_s=round(run["first_move_cpu"], 3),
                setup_s=round(run["setup"], 3), process_s=round(run["process"], 3))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", default=",".join(a[0] for a in AGENTS),
                    help="labels to run, comma separated: " + ", ".join(a[0] for a in AGENTS))
    ap.add_argument("--skip-fresh", action="store_true", help="only warm and after-compile")
    args = ap.parse_args()
    chosen = [a for a in AGENTS if a[0] in args.agents.split(",")]
    with tempfile.TemporaryDirectory(prefix="varena-cold-") as root:
        compiled = os.path.join(root, "compiled")
        seconds = compile_into(compiled)
        emit("varena_compile_fresh_cache", seconds, None, None, {"command": "varena compile"})
        for label, agent, game in chosen:
            params = {"agent": agent, "game": game}
            cache = os.path.join(root, label)
            fresh = None if args.skip_fresh else child(agent, game, cache)
            warm = child(agent, game, cache)
            after = child(agent, game, compiled)
            if fresh:
                emit(f"{label}_first_move_fresh_cache", fresh["first_move"], "warm cache",
                     warm["first_move"], _details(params, fresh))
            emit(f"{label}_first_move_warm_cache", warm["first_move"], "target 0.3 s", 0.3,
                 dict(_details(params, warm), second_move_s=round(warm["second_move"], 4)))
            emit(f"{label}_first_move_after_varena_compile", after["first_move"], "warm cache",
                 warm["first_move"], _details(params, after))


if __name__ == "__main__":
    main()
