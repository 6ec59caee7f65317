"""The tournament runner: a deterministic schedule, games in worker processes, each result
committed to the store the moment it arrives, resumable after any interruption."""

from __future__ import annotations

import hashlib
import logging
import multiprocessing as mp
import re
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, replace
from itertools import combinations
from pathlib import Path

import numpy as np

from varena.engine import __version__
from varena.engine.atomic import write_atomic
from varena.engine.errors import SpecError, VarenaError
from varena.engine.host import get_host
from varena.engine.params import Spec, bind, parse_spec
from varena.tournaments.config import Config
from varena.tournaments.store import GameRow, Store

log = logging.getLogger("varena.tournament")


@dataclass(frozen=True, slots=True)
class Task:
    """One game of the schedule; ``key`` names its place, so it is played at most once."""

    key: str
    game: str
    first: str
    second: str | None
    first_spec: str
    second_spec: str | None
    opening: tuple[int, ...]
    seed: int
    max_moves: int | None
    move_time: float | None = None


def _seed(base: int, key: str) -> int:
    digest = hashlib.blake2b(f"{base}|{key}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "little") & 0x7FFFFFFF


def agent_supports(spec: str, game) -> bool:
    """Whether the solver named by ``spec`` can play ``game`` (its parameters are checked)."""
    host = get_host()
    parsed = parse_spec(spec)
    cls = host.solver_class(parsed.name)
    bind(cls.params, dict(parsed.args), f"solver {parsed.name!r}")
    reason = cls.available(dict(parsed.args))  # external engines: is the program there?
    if reason:
        raise SpecError(f"solver {parsed.name!r}: {reason}")
    return bool(cls.supports(game))


def with_sims(spec: str, sims: int | None) -> str:
    """``spec`` with its ``sims`` set to ``sims`` when its solver has that parameter."""
    if sims is None:
        return spec
    parsed = parse_spec(spec)
    cls = get_host().solver_class(parsed.name)
    if not any(p.name == "sims" for p in cls.params):
        return spec
    args = tuple((k, v) for k, v in parsed.args if k != "sims") + (("sims", str(sims)),)
    return str(Spec(parsed.name, args))


def make_opening(game, moves: int, rng: np.random.Generator) -> tuple[int, ...]:
    """``moves`` random legal moves (never 'pass'), stopping short of a finished game."""
    state = game.initial_state(np.random.default_rng(0))
    out: list[int] = []
    for _ in range(moves):
        mask = game.legal_mask(state)
        legal = [a for a in np.flatnonzero(mask) if game.action_name(int(a)).lower() != "pass"]
        if not legal:
            break
        a = int(legal[rng.integers(len(legal))])
        nxt = game.next_state(state, a)
        if game.outcome(nxt)[0]:
            break
        state, out = nxt, out + [a]
    return tuple(out)


OPENINGS_MAX_BYTES = 16 * 1024 * 1024


def _read_openings(path: str, game) -> list[tuple[int, ...]]:
    """An opening file: one opening per line, move names separated by spaces; '#' comments."""
    openings = []
    from varena.engine.bounded import read_text

    try:  # bounded: '/dev/zero' or a FIFO is refused, not read for ever
        lines = read_text(path, limit=OPENINGS_MAX_BYTES, what="openings file").splitlines()
    except VarenaError as exc:
        raise SpecError(str(exc)) from None
    for number, line in enumerate(lines, 1):
        line = line.split("#")[0].strip()
        if not line:
            continue
        state, moves = game.initial_state(np.random.default_rng(0)), []
        for name in line.split():
            try:
                a = game.parse_action(name)
                state = game.play(state, a)
            except VarenaError as exc:
                raise SpecError(f"openings file {path}, line {number}: {exc}") from None
            moves.append(a)
        openings.append(tuple(moves))
    if not openings:
        raise SpecError(f"openings file {path}: no opening in it")
    return openings


def schedule(config: Config) -> list[Task]:
    """Every game the tournament will play, in a fixed order (the same on every resume)."""
    host = get_host()
    tasks: list[Task] = []
    playing: set[str] = set()
    specs = {name: with_sims(spec, config.sims) for name, spec in config.agents.items()}
    given: dict[str, str] = {}
    for gspec in config.games:
        game = host.make_game(gspec)
        if game.spec in given:  # same keys twice: games played twice, stored once
            raise SpecError(f"game {gspec!r} is given twice (also as {given[game.spec]!r}); "
                            "list each game once")
        given[game.spec] = gspec
        players = []
        for name, spec in specs.items():
            try:
                ok = agent_supports(spec, game)
            except SpecError as exc:
                if name in config.optional:
                    log.warning("optional agent %r skipped: %s", name, exc)
                    continue
                raise SpecError(f"agent {name!r}: {exc}") from None
            if ok:
                players.append(name)
                playing.add(name)
            else:
                log.info("agent %r does not play %s; left out of that game", name, game.spec)
        if config.format == "leaderboard":
            if game.num_players != 1:
                raise SpecError(f"leaderboard needs one-player games; {game.spec} has two players")
            for name in players:
                for i in range(config.instances):
                    key = f"{game.spec}|{name}|{i}"
                    tasks.append(Task(key, game.spec, name, None, specs[name], None, (),
                                      config.seed + i, config.max_moves, config.move_time))
            continue
        if game.num_players != 2:
            raise SpecError(f"{config.format} needs two-player games; {game.spec} is a one-player "
                            "problem (use --format leaderboard)")
        if config.format == "gauntlet":
            hero = next(iter(config.agents))
            if hero not in players:
                raise SpecError(f"gauntlet: the first agent {hero!r} cannot play {game.spec}")
            pairs = [(hero, x) for x in players if x != hero]
        else:
            pairs = list(combinations(players, 2))
        if not pairs:
            unable = [f"{n!r} ({config.agents[n]})" for n in config.agents if n not in players]
            raise SpecError(f"fewer than two agents can play {game.spec}; agent "
                            f"{', '.join(unable)} cannot play it")
        rounds = (config.games_per_pairing + 1) // 2
        rng = np.random.default_rng(_seed(config.seed, game.spec))
        if config.openings_file:
            pool = _read_openings(config.openings_file, game)
            openings = [pool[r % len(pool)] for r in range(rounds)]
        else:
            openings = [make_opening(game, config.opening_moves, rng) for _ in range(rounds)]
        odd = config.games_per_pairing % 2 == 1
        for p, (a, b) in enumerate(pairs):
            # An odd count gives someone an extra first move; alternating it over the pairs
            # keeps the first agents listed from always having it.
            flip = odd and p % 2 == 1
            for k in range(config.games_per_pairing):
                first, second = (a, b) if (k % 2 == 0) != flip else (b, a)
                key = f"{game.spec}|{a}|{b}|{k}"
                tasks.append(Task(key, game.spec, first, second, specs[first], specs[second],
                                  openings[k // 2], _seed(config.seed, key), config.max_moves,
                                  config.move_time))
    idle = [n for n in config.agents if n not in playing and n not in config.optional]
    if idle:
        raise SpecError(f"agent {idle[0]!r} ({config.agents[idle[0]]}) cannot play any of the "
                        f"games: {', '.join(config.games)}")
    return tasks


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
        tasks = schedule(config)
    except BaseException:
        store.close()
        raise
    if fresh or stored is None:
        # Only a valid tournament claims the folder: a typo in an agent must not lock it.
        store.set_meta("config", wanted)
    index = {t.key: i for i, t in enumerate(tasks)}
    done = store.done_keys()
    todo = [t for t in tasks if t.key not in done]
    total = len(tasks)
    count = [len(tasks) - len(todo)]
    failures: list[Failure] = []
    host = get_host()

    def commit(result: dict) -> None:
        row = GameRow(**result["row"])
        if result["text"] is not None:
            name = _file_name(index[row.key], row.key, result["suffix"])
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

    if config.concurrency == 1 or len(todo) <= 1:
        try:
            for task in todo:
                try:
                    result = play_task(task)
                except Exception as exc:  # as in the pool: one broken game is logged, not fatal
                    fail(task, exc)
                    continue
                commit(result)
        except KeyboardInterrupt:
            log.warning("interrupted: %d of %d games stored; --resume continues", count[0], total)
            raise
    else:
        _run_pool(todo, config.concurrency, commit, fail)
    if todo and len(failures) == len(todo):
        store.close()
        first = failures[0]
        raise GamesFailedError(f"no game could be played: all {len(todo)} failed (the first, "
                               f"{first.key}: {first.error}); see the log for the others")
    return store


def _run_pool(todo: list[Task], workers: int, commit: Callable[[dict], None],
              fail: Callable[[Task, BaseException], None]) -> None:
    pending: Iterator[Task] = iter(todo)
    ctx = mp.get_context("spawn")  # fork after torch/numba threads start is unsafe
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init)
    running: dict[Future, Task] = {}
    stopping = False

    def submit() -> None:
        while not stopping and len(running) < 2 * workers:
            task = next(pending, None)
            if task is None:
                return
            running[pool.submit(play_task, task)] = task

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
                task = running.pop(f)
                try:
                    result = f.result()
                except Exception as exc:  # one broken game must not end the tournament
                    fail(task, exc)
                else:
                    commit(result)
            submit()
    except KeyboardInterrupt:
        for proc in list(getattr(pool, "_processes", {}).values()):
            proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    if stopping:
        raise KeyboardInterrupt
