"""The tournament schedule: every game of a tournament in a fixed order, computed lazily.

A schedule of 10**9 games costs no more to start than one of ten: it holds one block per game
(its players, pairs and openings source) and yields :class:`Task` objects by index arithmetic;
:meth:`Schedule.index_of` finds a key's place without walking the schedule, so a resume
skips the committed keys without building the games before them.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from varena.engine.errors import SpecError, VarenaError
from varena.engine.host import get_host
from varena.engine.params import Spec, bind, parse_spec
from varena.tournaments.config import Config

log = logging.getLogger("varena.tournament")

OPENINGS_MAX_BYTES = 16 * 1024 * 1024
#: Random openings kept after they are drawn (each is shared by every pair of a game); the
#: rounds beyond are drawn again for each pair from the generator's saved state.
OPENINGS_CACHED = 4096


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


class _Openings:
    """The openings of one game's rounds, in order: from a file (cycled), or drawn one after
    another from one generator (the first OPENINGS_CACHED kept; later ones drawn again per
    pair from the generator's state after the kept ones, so every pair sees the same)."""

    def __init__(self, game, moves: int, seed: int, pool: list[tuple[int, ...]] | None) -> None:
        self.game, self.moves, self.pool = game, moves, pool
        self.rng = np.random.default_rng(seed)
        self.cache: list[tuple[int, ...]] = []
        self.tail: dict | None = None  # generator state after the cached openings

    def stream(self, rounds: int) -> Iterator[tuple[int, ...]]:
        if self.pool is not None:
            for r in range(rounds):
                yield self.pool[r % len(self.pool)]
            return
        for r in range(min(rounds, OPENINGS_CACHED)):
            if r == len(self.cache):
                self.cache.append(make_opening(self.game, self.moves, self.rng))
            yield self.cache[r]
        if rounds <= OPENINGS_CACHED:
            return
        if self.tail is None:
            self.tail = self.rng.bit_generator.state
        rng = np.random.Generator(np.random.PCG64())
        rng.bit_generator.state = self.tail
        for _ in range(OPENINGS_CACHED, rounds):
            yield make_opening(self.game, self.moves, rng)


@dataclass(frozen=True, slots=True)
class _Block:
    """The games of one game spec: ``players`` (leaderboard) or ``pairs``, ``count`` each."""

    spec: str
    start: int
    players: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    count: int
    openings: _Openings | None

    @property
    def size(self) -> int:
        return len(self.pairs or self.players) * self.count


class Schedule:
    """Every game the tournament will play, in a fixed order (the same on every resume):
    game by game; within a game, pair by pair (``games_per_pairing`` games each, colours
    alternating) or, for a leaderboard, solver by solver (``instances`` games each).

    Building it checks the games and agents (one line for anything wrong); the games
    themselves are made when iterated."""

    def __init__(self, config: Config) -> None:
        self.config = config
        host = get_host()
        self.specs = {name: with_sims(spec, config.sims) for name, spec in config.agents.items()}
        self.blocks: list[_Block] = []
        self._pair_index: list[dict[tuple[str, str] | str, int]] = []
        self._by_spec: dict[str, int] = {}
        playing: set[str] = set()
        start = 0
        given: dict[str, str] = {}
        for gspec in config.games:
            game = host.make_game(gspec)
            if game.spec in given:  # same keys twice: games played twice, stored once
                raise SpecError(f"game {gspec!r} is given twice (also as {given[game.spec]!r}); "
                                "list each game once")
            given[game.spec] = gspec
            players = self._players(game, playing)
            block = self._block(game, players, start)
            self._by_spec[game.spec] = len(self.blocks)
            self.blocks.append(block)
            self._pair_index.append({x: i for i, x in enumerate(block.pairs or block.players)})
            start += block.size
        self.total = start
        idle = [n for n in config.agents if n not in playing and n not in config.optional]
        if idle:
            raise SpecError(f"agent {idle[0]!r} ({config.agents[idle[0]]}) cannot play any of the "
                            f"games: {', '.join(config.games)}")

    def _players(self, game, playing: set[str]) -> list[str]:
        players = []
        for name, spec in self.specs.items():
            try:
                ok = agent_supports(spec, game)
            except SpecError as exc:
                if name in self.config.optional:
                    log.warning("optional agent %r skipped: %s", name, exc)
                    continue
                raise SpecError(f"agent {name!r}: {exc}") from None
            if ok:
                players.append(name)
                playing.add(name)
            else:
                log.info("agent %r does not play %s; left out of that game", name, game.spec)
        return players

    def _block(self, game, players: list[str], start: int) -> _Block:
        config = self.config
        if config.format == "leaderboard":
            if game.num_players != 1:
                raise SpecError(f"leaderboard needs one-player games; {game.spec} has two players")
            return _Block(game.spec, start, tuple(players), (), config.instances, None)
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
        pool = _read_openings(config.openings_file, game) if config.openings_file else None
        openings = _Openings(game, config.opening_moves, _seed(config.seed, game.spec), pool)
        return _Block(game.spec, start, (), tuple(pairs), config.games_per_pairing, openings)

    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Iterator[Task]:
        c = self.config
        for block in self.blocks:
            if not block.pairs:
                for name in block.players:
                    for i in range(block.count):
                        yield Task(f"{block.spec}|{name}|{i}", block.spec, name, None,
                                   self.specs[name], None, (), c.seed + i, c.max_moves, c.move_time)
                continue
            odd = block.count % 2 == 1
            for p, (a, b) in enumerate(block.pairs):
                # An odd count gives someone an extra first move; alternating it over the pairs
                # keeps the first agents listed from always having it.
                flip = odd and p % 2 == 1
                openings = block.openings.stream((block.count + 1) // 2)
                for k in range(block.count):
                    if k % 2 == 0:
                        opening = next(openings)
                    first, second = (a, b) if (k % 2 == 0) != flip else (b, a)
                    key = f"{block.spec}|{a}|{b}|{k}"
                    yield Task(key, block.spec, first, second, self.specs[first],
                               self.specs[second], opening, _seed(c.seed, key), c.max_moves,
                               c.move_time)

    def index_of(self, key: str) -> int | None:
        """The place of ``key`` in the schedule, or None when it is not one of its games
        (agent names hold no '|', so the key splits from the right)."""
        leaderboard = self.config.format == "leaderboard"
        parts = key.rsplit("|", 2 if leaderboard else 3)
        if len(parts) != (3 if leaderboard else 4):
            return None
        b = self._by_spec.get(parts[0])
        k = parts[-1]
        if b is None or not (k.isascii() and k.isdigit()) or str(int(k)) != k:
            return None
        block, k_ = self.blocks[b], int(k)
        who = parts[1] if leaderboard else (parts[1], parts[2])
        p = self._pair_index[b].get(who)
        if p is None or k_ >= block.count:
            return None
        return block.start + p * block.count + k_


def schedule(config: Config) -> Schedule:
    """The tournament's :class:`Schedule` (checked now, its games made when iterated)."""
    return Schedule(config)
