"""Playing an SPRT: pairs of games scheduled on the tournament's workers until a decision."""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

import numpy as np

from varena.engine.errors import SpecError
from varena.engine.host import get_host
from varena.tournaments.runner import Task, _seed, _worker_init, agent_supports, make_opening, play_task
from varena.tournaments.sprt import Sprt


def run_sprt(game_spec: str, base: str, test: str, *, elo0: float, elo1: float, alpha: float,
             beta: float, model: str, max_pairs: int, concurrency: int, seed: int,
             opening_moves: int, max_moves: int | None, echo: Callable[[str], None]) -> str:
    """Run the test; ``echo`` receives one progress line per finished pair. Returns the verdict."""
    game = get_host().make_game(game_spec)
    if game.num_players != 2:
        raise SpecError(f"sprt needs a two-player game; {game.spec} has one player")
    for role, spec in (("base", base), ("test", test)):
        if not agent_supports(spec, game):
            raise SpecError(f"sprt: --{role} {spec!r} cannot play {game.spec}")
    state = Sprt(elo0, elo1, alpha, beta, model)
    echo(f"SPRT {game.spec}: test={test} base={base} elo0={elo0:g} elo1={elo1:g} "
         f"bounds=[{state.bounds.lower:.3f}, {state.bounds.upper:.3f}] ({model})")

    def tasks(k: int) -> list[Task]:
        opening = make_opening(game, opening_moves, np.random.default_rng(_seed(seed, f"open{k}")))
        key = f"sprt|{k}"
        return [Task(f"{key}|0", game.spec, "test", "base", test, base, opening, _seed(seed, key), max_moves),
                Task(f"{key}|1", game.spec, "base", "test", base, test, opening, _seed(seed, key) + 1, max_moves)]

    scores: dict[int, dict[int, float]] = {}
    pairs = 0

    def finish(k: int, half: int, row: dict) -> str | None:
        nonlocal pairs
        s = row["score"] if half == 0 else 1.0 - row["score"]
        scores.setdefault(k, {})[half] = s
        if len(scores[k]) < 2:
            return None
        pairs += 1
        state.add_pair(scores[k][0], scores[k][1])
        wins, draws, losses = state.tri[2], state.tri[1], state.tri[0]
        echo(f"pairs {pairs:4d}  W/D/L {wins:.0f}/{draws:.0f}/{losses:.0f}  "
             f"LLR {state.llr:+.3f}  [{state.bounds.lower:.3f}, {state.bounds.upper:.3f}]")
        return state.decision

    decision = None
    if concurrency == 1:
        for k in range(max_pairs):
            for half, task in enumerate(tasks(k)):
                decision = finish(k, half, play_task(task)["row"]) or decision
            if decision:
                break
    else:
        pool = ProcessPoolExecutor(concurrency, mp_context=mp.get_context("spawn"), initializer=_worker_init)
        running, next_pair = {}, 0
        try:
            while decision is None and (running or next_pair < max_pairs):
                while next_pair < max_pairs and len(running) < 2 * concurrency:
                    for half, task in enumerate(tasks(next_pair)):
                        running[pool.submit(play_task, task)] = (next_pair, half)
                    next_pair += 1
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for f in done:
                    k, half = running.pop(f)
                    decision = finish(k, half, f.result()["row"]) or decision
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
    if decision == "H1":
        return f"H1 accepted: test is stronger (LLR {state.llr:+.3f} after {pairs} pairs)"
    if decision == "H0":
        return f"H0 accepted: test is not elo1 stronger (LLR {state.llr:+.3f} after {pairs} pairs)"
    return f"no decision after {pairs} pairs (LLR {state.llr:+.3f})"
