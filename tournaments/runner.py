"""The tournament runner: a deterministic schedule, games in worker processes, each result
committed to the store the moment it arrives, resumable after any interruption."""

from __future__ import annotations

import logging
import multiprocessing as mp
import re
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from varena.engine import __version__
from varena.engine.atomic import write_atomic
from varena.engine.errors import SpecError, VarenaError
from varena.engine.host import get_host
from varena.tournaments.config import Config
from varena.tournaments.schedule import (  # noqa: F401  (the schedule's names, as before)
    Schedule,
    Task,
    _seed,
    agent_supports,
    make_opening,
    schedule,
    with_sims,
)
from varena.tournaments.store import GameRow, Store

log = logging.getLogger("varena.tournament")


def play_task(task: Task) -> dict:
    """Play one scheduled game (in a worker process). Returns ``row`` (the store's row as a
    dict), ``record`` (the :class:`GameRecord`, for ``varena_game_finished`` in the parent),
    ``text`` (the game's record file, or None) and ``suffix`` (its file suffix)."""
    from varena.engine.play import play_game

    host = get_host()
    game = host.make_game(task.game)
    specs = [task.first_spec] + ([task.second_spec] if task.second_spec else [])
    names = [task.first] + ([task.second] if task.second else [])
    agents = []
    try:
        for i, s in enumerate(specs):
            agents.append(host.make_agent(s, game, task.seed + i))
            if task.move_time is not None:
                agents[-1].set_move_time(task.move_time)
        record, state = play_game(game, agents, names=names, seed=task.seed,
                                  max_moves=task.max_moves, opening=list(task.opening))
    finally:
        for agent in agents:
            agent.close()
    extra: dict = {}
    reason = record.reason
    if game.num_players == 1:
        score = record.returns[0]
        if reason == "end":
            try:
                extra = {k: float(v) for k, v in game.metrics(state).items()}
            except VarenaError as exc:  # e.g. a degenerate triangle: unsolved, not a crash
                reason = f"invalid solution: {exc}"
    else:
        score = 0.5 + 0.5 * record.returns[0]  # returns in [-1, 1] -> score in [0, 1]
    record = replace(record, reason=reason, extra={**record.extra, "key": task.key,
                                                    "score": float(score), "metrics": extra})
    row = GameRow(task.key, task.game, task.first, task.second, task.first_spec, task.second_spec,
                  list(task.opening), list(record.moves), list(record.move_names), record.result,
                  reason, float(score), extra, record.seconds, task.seed, __version__)
    return {"row": asdict(row), "record": record, "text": game.record_text(record),
            "suffix": game.record_suffix}


def _worker_init() -> None:
    # Ctrl-C belongs to the parent, which decides to finish or discard games in flight.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from varena.engine.lifeline import watch_parent

    watch_parent()  # a parent killed with SIGKILL leaves no worker behind


def _file_name(index: int, key: str, suffix: str) -> str:
    return f"{index:05d}-" + re.sub(r"[^A-Za-z0-9_.=+-]+", "_", key)[:120] + suffix


class GamesFailedError(VarenaError):
    """Every game a tournament tried to play failed: nothing could be played."""


@dataclass(frozen=True, slots=True)
class Failure:
    """A scheduled game that raised instead of finishing (played again on --resume)."""

    key: str
    error: str  # the exception in one line; a plugin's names its distribution


def run(config: Config, out: Path, *, resume: bool = False,
        on_result: Callable[[GameRow, int, int], None] | None = None,
        on_failure: Callable[[Failure], None] | None = None) -> Store:
    """Play every scheduled game not yet in ``out/results.sqlite``; return the open store.

    Each result is committed in this process as it arrives: its record file written, its
    row stored, then ``varena_game_finished`` fired with its :class:`GameRecord`. A game
    that raises is logged, passed to ``on_failure`` and played again on resume; when every
    game tried fails, :class:`GamesFailedError` says so (nothing could be played).
    A first Ctrl-C stops scheduling and waits for the games in flight (they are committed);
    a second one abandons them (they are played again on resume).
    """
    out.mkdir(parents=True, exist_ok=True)
    db = out / "results.sqlite"
    fresh = not db.exists()
    store = Store(db)
    wanted = config.schedule_json()
    stored = store.get_meta("config")
    if stored is not None and not resume:
        store.close()
        raise SpecError(f"{out} already holds a tournament; use --resume to continue it, or "
                        "another --out")
    if stored is not None and stored != wanted:
        store.close()
        diff = sorted(k for k in wanted if stored.get(k) != wanted[k])
        raise SpecError(f"{out}: --resume with a different tournament (differs in: "
                        f"{', '.join(diff)}); use another --out")
    try:
        plan = schedule(config)
    except BaseException:
        store.close()
        raise
    if fresh or stored is None:
        # Only a valid tournament claims the folder: a typo in an agent must not lock it.
        store.set_meta("config", wanted)
    done = store.done_keys()
    total = len(plan)
    count = [sum(1 for key in done if plan.index_of(key) is not None)]
    # lazy: a schedule of 10**9 games starts at once, committed keys skipped as they come
    todo: Iterator[tuple[int, Task]] = ((i, t) for i, t in enumerate(plan) if t.key not in done)
    tried = [0]
    failures: list[Failure] = []
    host = get_host()

    def commit(result: dict, i: int) -> None:
        row = GameRow(**result["row"])
        if result["text"] is not None:
            name = _file_name(i, row.key, result["suffix"])
            write_atomic(out / "games" / name, result["text"])
            row = GameRow(**{**result["row"], "record": f"games/{name}"})
        if store.add(row):
            count[0] += 1
            host.notify("varena_game_finished", record=result["record"])
        if on_result is not None:
            on_result(row, count[0], total)

    def fail(task: Task, exc: BaseException) -> None:
        failure = Failure(task.key, host.blame(exc) or f"{type(exc).__name__}: {exc}")
        failures.append(failure)
        log.error("game %s failed: %s (it is played again on --resume)", task.key, failure.error)
        if on_failure is not None:
            on_failure(failure)

    def counted() -> Iterator[tuple[int, Task]]:
        for item in todo:
            tried[0] += 1
            yield item

    if config.concurrency == 1 or total - count[0] <= 1:
        try:
            for i, task in counted():
                try:
                    result = play_task(task)
                except Exception as exc:  # as in the pool: one broken game is logged, not fatal
                    fail(task, exc)
                    continue
                commit(result, i)
        except KeyboardInterrupt:
            log.warning("interrupted: %d of %d games stored; --resume continues", count[0], total)
            raise
    else:
        _run_pool(counted(), config.concurrency, commit, fail)
    if tried[0] and len(failures) == tried[0]:
        store.close()
        first = failures[0]
        raise GamesFailedError(f"no game could be played: all {tried[0]} failed (the first, "
                               f"{first.key}: {first.error}); see the log for the others")
    return store


def _run_pool(pending: Iterator[tuple[int, Task]], workers: int,
              commit: Callable[[dict, int], None],
              fail: Callable[[Task, BaseException], None]) -> None:
    ctx = mp.get_context("spawn")  # fork after torch/numba threads start is unsafe
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init)
    running: dict[Future, tuple[int, Task]] = {}
    stopping = False

    def submit() -> None:
        while not stopping and len(running) < 2 * workers:
            item = next(pending, None)
            if item is None:
                return
            running[pool.submit(play_task, item[1])] = item

    try:
        submit()
        while running:
            try:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
            except KeyboardInterrupt:
                if stopping:
                    raise
                stopping = True
                for f in list(running):
                    if f.cancel():
                        running.pop(f)
                log.warning("stopping: finishing %d game(s) in flight (Ctrl-C again to abandon them)",
                            len(running))
                continue
            for f in finished:
                i, task = running.pop(f)
                try:
                    result = f.result()
                except Exception as exc:  # one broken game must not end the tournament
                    fail(task, exc)
                else:
                    commit(result, i)
            submit()
    except KeyboardInterrupt:
        for proc in list(getattr(pool, "_processes", {}).values()):
            proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    if stopping:
        raise KeyboardInterrupt
