"""Cold start: the first searched move of each built-in agent in a new process.

Each figure runs a fresh ``python`` process that builds the game and the agent and times
its first ``select_actions`` on the start position (then a second one, the steady state).
Numba's cache goes to ``NUMBA_CACHE_DIR``, a new empty folder per agent:

- ``to_first_move_fresh_cache``: the first process on that empty cache (a fresh install:
  everything compiles), from its start to the end of its first move (a search agent loads
  or compiles its code when it is made, so this counts the making too);
- ``to_first_move_after_varena_compile``: the same on a cache filled only by ``varena
  compile`` (the install step), which must be as quick as a warm cache (for the int8 game:
  it compiles its kernels for int16 states, not a search);
- ``first_move_warm_cache``: the first move alone in a later process (what every run pays
  in its game; the issue's target is under 0.3 s); ``setup_s`` in its params is the import
  and the making of the game and agent.

Baselines: fresh and after-compile against warm. One JSON object per figure (value in
wall-clock seconds; ``first_move_cpu_s`` in the params is the process's CPU time for the
move, which a loaded machine inflates less). ``--shared-cache`` gives the warm figures on
the default cache without compiling anything from scratch.

Usage: ``python bench/cold_start.py [--agents mcts_gomoku,alphabeta] [--skip-fresh] [--shared-cache]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: (label, agent spec, game spec)
AGENTS = (
    ("random", "random", "gomoku:size=9"),
    ("mcts_gomoku", "mcts:sims=200", "gomoku:size=9"),
    ("mcts_go", "mcts:sims=200", "go:size=9"),
    ("mcts_tsp", "mcts:sims=200", "tsp:n=10"),
    ("alphabeta", "alphabeta:depth=2", "gomoku:size=9"),
    ("alphavit", "alphavit:sims=16", "gomoku:size=9"),
    # a game of a state dtype no built-in game uses (int8): searched in int16, so it
    # compiles its own small kernels, not a search of its own (36 s before)
    ("mcts_int8_game", "mcts:sims=200", "class:tests.engine.connect4:ConnectFourNumba"),
)

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from varena.engine.host import get_host
host = get_host()
if sys.argv[2].startswith("class:"):  # a game class outside the registry, e.g. a test's
    import importlib
    module, name = sys.argv[2][6:].split(":")
    sys.path.insert(0, sys.argv[3])
    game = getattr(importlib.import_module(module), name)()
else:
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


def child(agent: str, game: str, cache: str | None) -> dict:
    env = dict(os.environ) if cache is None else dict(os.environ, NUMBA_CACHE_DIR=cache)
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, agent, game, str(ROOT)], env=env,
                         check=True, capture_output=True, text=True).stdout
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
    return dict(params, first_move_s=round(run["first_move"], 3),
                first_move_cpu_s=round(run["first_move_cpu"], 3), setup_s=round(run["setup"], 3),
                process_s=round(run["process"], 3))


def _ready(run: dict) -> float:
    """Seconds from the start of the process to the end of its first move: a search agent
    loads (or compiles) its code when it is made, so the setup holds that cost."""
    return run["setup"] + run["first_move"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", default=",".join(a[0] for a in AGENTS),
                    help="labels to run, comma separated: " + ", ".join(a[0] for a in AGENTS))
    ap.add_argument("--skip-fresh", action="store_true", help="only warm and after-compile")
    ap.add_argument("--shared-cache", action="store_true",
                    help="only the warm figures, on the default (shared) cache: one process "
                         "fills what is missing, the next is measured (no compile from scratch)")
    args = ap.parse_args()
    chosen = [a for a in AGENTS if a[0] in args.agents.split(",")]
    if args.shared_cache:
        for label, agent, game in chosen:
            child(agent, game, None)
            warm = child(agent, game, None)
            _emit_warm(label, {"agent": agent, "game": game, "cache": "shared"}, warm)
        return
    with tempfile.TemporaryDirectory(prefix="varena-cold-") as root:
        compiled = os.path.join(root, "compiled")
        seconds = compile_into(compiled)
        emit("varena_compile_fresh_cache", seconds, None, None, {"command": "varena compile"})
        for label, agent, game in chosen:
            params = {"agent": agent, "game": game}
            cache = os.path.join(root, label)
            fresh = None if args.skip_fresh else child(agent, game, cache)
            after = child(agent, game, compiled)
            warm = child(agent, game, compiled if fresh is None else cache)
            if fresh:
                emit(f"{label}_to_first_move_fresh_cache", _ready(fresh), "warm cache",
                     _ready(warm), _details(params, fresh))
            emit(f"{label}_to_first_move_after_varena_compile", _ready(after), "warm cache",
                 _ready(warm), _details(params, after))
            _emit_warm(label, params, warm)


def _emit_warm(label: str, params: dict, warm: dict) -> None:
    emit(f"{label}_first_move_warm_cache", warm["first_move"], "target 0.3 s", 0.3,
         dict(_details(params, warm), second_move_s=round(warm["second_move"], 4)))


if __name__ == "__main__":
    main()
