"""Playing an SPRT: pairs of games scheduled on the tournament's workers until a decision."""

from __future__ import annotations

import logging
import multiprocessing as mp
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

import numpy as np

from varena.engine.errors import SpecError
from varena.engine.host import get_host
from varena.tournaments.runner import (
    GamesFailedError,
    Task,
    _seed,
    _worker_init,
    agent_supports,
    make_opening,
    play_task,
)
from varena.tournaments.sprt import Sprt

log = logging.getLogger("varena.sprt")


def run_sprt(game_spec: str, base: str, test: str, *, elo0: float, elo1: float, alpha: float,
             beta: float, model: str, max_pairs: int, concurrency: int, seed: int,
             opening_moves: int, max_moves: int | None, echo: Callable[[str], None]) -> str:
    """Run the test; ``echo`` receives one progress line per finished pair. Returns the verdict.

    Each finished game fires ``varena_game_finished`` here, in the parent process. A game
    that raises drops its pair (the test goes on with the next); when no pair could be
    played, :class:`GamesFailedError` says how many games failed.
    """
    host = get_host()
    game = host.make_game(game_spec)
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

    scores: dict[int, dict[int, float | None]] = {}
    pairs = 0
    failed: list[str] = []

    def finish(k: int, half: int, run) -> str | None:
        nonlocal pairs
        try:
            result = run()
        except Exception as exc:  # a broken game drops its pair, not the test
            failed.append(f"sprt|{k}|{half}: {host.blame(exc) or f'{type(exc).__name__}: {exc}'}")
            log.error("game %s failed", failed[-1])
            scores.setdefault(k, {})[half] = None
            return None
        host.notify("varena_game_finished", record=result["record"])
        row = result["row"]
        s = row["score"] if half == 0 else 1.0 - row["score"]
        scores.setdefault(k, {})[half] = s
        if len(scores[k]) < 2 or None in scores[k].values():
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
                decision = finish(k, half, lambda t=task: play_task(t)) or decision
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
                    decision = finish(k, half, f.result) or decision
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
    if failed and pairs == 0:
        raise GamesFailedError(f"sprt: no pair could be played: {len(failed)} game(s) failed "
                               f"(the first, {failed[0]})")
    if failed:
        echo(f"warning: {len(failed)} game(s) failed; their pairs were left out "
             f"(the first, {failed[0]})")
    if decision == "H1":
        return f"H1 accepted: test is stronger (LLR {state.llr:+.3f} after {pairs} pairs)"
    if decision == "H0":
        return f"H0 accepted: test is not elo1 stronger (LLR {state.llr:+.3f} after {pairs} pairs)"
    return f"no decision after {pairs} pairs (LLR {state.llr:+.3f})"
