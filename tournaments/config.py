"""Tournament configuration: from a TOML file, from CLI flags, or both (flags win).

```toml
games = ["gomoku:size=9", "go:size=9"]
format = "round-robin"          # or "gauntlet" (the first agent meets every other) or "leaderboard"
games_per_pairing = 4           # colours alternate within each pair of games
opening_moves = 2               # random opening moves, the same opening played with both colours
max_moves = 400
seed = 1
# sims = 400                    # per-move limits: simulations (agents with a sims parameter)
# move_time = 1.0               # and/or seconds (agents that honour a move time)

[agents]
random = "random"
ab2 = "alphabeta:depth=2"

[agents.gnugo]                  # an agent that is skipped (with a note) when its engine is absent
spec = 'gtp:cmd="gnugo --mode gtp --level 1 --chinese-rules"'
optional = true
```
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from varena.engine.bounded import read_bytes
from varena.engine.errors import FormatError, SpecError
from varena.engine.params import SEED_MAX

FORMATS = ("round-robin", "gauntlet", "leaderboard")
#: Sanity bounds, checked before anything is built. The schedule is lazy (a count of 10**9
#: starts at once and costs no memory), so these only catch typos: far above real tournaments.
MAX_COUNT = 10**9
MAX_GAMES = 10**12
MAX_AGENTS = 256
MAX_CONCURRENCY = 512
MAX_CONFIG_BYTES = 1024 * 1024
_UPPER = {"games_per_pairing": MAX_COUNT, "concurrency": MAX_CONCURRENCY,
          "opening_moves": 10_000, "instances": MAX_COUNT}


@dataclass
class Config:
    games: list[str] = field(default_factory=list)
    agents: dict[str, str] = field(default_factory=dict)
    optional: list[str] = field(default_factory=list)  # agent names that may be skipped
    format: str = "round-robin"
    games_per_pairing: int = 2
    concurrency: int = field(default_factory=lambda: os.cpu_count() or 1)
    seed: int = 0
    max_moves: int | None = None
    opening_moves: int = 2
    openings_file: str | None = None
    instances: int = 20  # leaderboard: instances per game
    sims: int | None = None  # per-move limit: overrides `sims` of every agent that has one
    move_time: float | None = None  # per-move limit in seconds, for agents that honour one
    anchor: str | None = "random"
    out: str | None = None

    def validate(self) -> Config:
        if not self.games:
            raise SpecError("tournament: no game given (--game SPEC or games = [...] in the config)")
        if self.format not in FORMATS:
            raise SpecError(f"tournament: format {self.format!r} is not accepted; accepted: {', '.join(FORMATS)}")
        need = 1 if self.format == "leaderboard" else 2
        if len(self.agents) < need:
            raise SpecError(f"tournament: {self.format} needs at least {need} agents "
                            f"(--agent NAME=SPEC), got {len(self.agents)}")
        if len(self.agents) > MAX_AGENTS:
            raise SpecError(f"tournament: {len(self.agents)} agents; accepted: up to {MAX_AGENTS}")
        if len(self.games) > MAX_AGENTS:
            raise SpecError(f"tournament: {len(self.games)} games; accepted: up to {MAX_AGENTS}")
        for name in self.agents:
            if not name or not all(c.isascii() and (c.isalnum() or c in "_-.+") for c in name):
                raise SpecError(f"tournament: bad agent name {name[:40]!r}; use letters, digits, _ - . +")
        for what, value, low in (("games_per_pairing", self.games_per_pairing, 1),
                                 ("concurrency", self.concurrency, 1),
                                 ("opening_moves", self.opening_moves, 0),
                                 ("instances", self.instances, 1)):
            if not _is_int(value) or not low <= value <= _UPPER[what]:
                raise SpecError(f"tournament: {what}={_short(value)} is not accepted; accepted: "
                                f"integer {low}..{_UPPER[what]}")
        if not _is_int(self.seed) or not 0 <= self.seed <= SEED_MAX:
            raise SpecError(f"tournament: seed={self.seed!r} is not accepted; "
                            f"accepted: integer 0..{SEED_MAX}")
        if self.sims is not None and (not _is_int(self.sims) or not 1 <= self.sims <= 10**7):
            raise SpecError(f"tournament: sims={_short(self.sims)} is not accepted; accepted: "
                            "integer 1..10000000")
        if self.move_time is not None and (isinstance(self.move_time, bool)
                                           or not isinstance(self.move_time, int | float)
                                           or not 0 < self.move_time <= 3600):
            raise SpecError(f"tournament: move_time={self.move_time!r} is not accepted; "
                            "accepted: seconds in (0, 3600]")
        if self.max_moves is not None and (not _is_int(self.max_moves)
                                           or not 1 <= self.max_moves <= 10**7):
            raise SpecError(f"tournament: max_moves={_short(self.max_moves)} is not accepted; "
                            "accepted: integer 1..10000000")
        for what in ("openings_file", "anchor", "out"):
            value = getattr(self, what)
            if value is not None and (not isinstance(value, str) or (not value and what != "anchor")
                                      or "\x00" in value):
                raise SpecError(f"tournament: {what}={_short(value)} is not accepted; accepted: a "
                                "non-empty string without NUL")
        for text in [*self.games, *self.agents.values()]:
            if not isinstance(text, str):
                raise SpecError(f"tournament: spec {_short(text)} is not a string")
            if "\x00" in text:
                raise SpecError(f"tournament: spec {_short(text)} holds a NUL character")
        total = self.scheduled_games()
        if total > MAX_GAMES:
            raise SpecError(f"tournament: {total} games scheduled ({len(self.games)} game(s), "
                            f"{len(self.agents)} agents, {self.format}); accepted: up to "
                            f"{MAX_GAMES}; lower games_per_pairing, instances or the agents")
        return self

    def scheduled_games(self) -> int:
        """An upper bound of the games the schedule holds (every agent playing every game),
        computed without building it."""
        n, games = len(self.agents), len(self.games)
        if self.format == "leaderboard":
            return games * n * self.instances
        pairs = n - 1 if self.format == "gauntlet" else n * (n - 1) // 2
        return games * pairs * self.games_per_pairing

    def schedule_json(self) -> dict[str, Any]:
        """The part of the config that fixes the schedule (a resume must match it)."""
        keep = ("games", "agents", "format", "games_per_pairing", "seed", "max_moves",
                "opening_moves", "openings_file", "instances", "sims", "move_time")
        return {k: v for k, v in asdict(self).items() if k in keep}


def _short(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return f"<an integer of {value.bit_length()} bits>"  # repr of 5,000 digits raises
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_int(value: Any) -> bool:
    # TOML's `true` is a Python bool, which is an int: it must not pass for a count.
    return isinstance(value, int) and not isinstance(value, bool)


def load_config(path: str | os.PathLike) -> Config:
    """Read a tournament TOML file; every mistake is one SpecError line naming the file."""
    if "\x00" in os.fspath(path):
        raise SpecError(f"config file {os.fspath(path)!r}: the path holds a NUL character")
    path = Path(path)
    if not path.exists():
        raise SpecError(f"{path}: no such config file")
    try:  # bounded: '/dev/zero' or a FIFO is refused, not read for ever
        raw = read_bytes(path, limit=MAX_CONFIG_BYTES, what="config file")
    except FormatError as exc:
        raise SpecError(str(exc)) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except ValueError as exc:  # TOMLDecodeError, UnicodeDecodeError, an integer of 5,000 digits
        raise SpecError(f"{path}: not valid TOML ({' '.join(str(exc).split())[:200]})") from None
    except RecursionError:  # tomllib recurses into nested arrays and inline tables
        raise SpecError(f"{path}: not valid TOML (arrays or tables nested too deeply)") from None
    known = {f.name for f in fields(Config)} - {"optional"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise SpecError(f"{path}: unknown key {unknown[0]!r}; accepted: {', '.join(sorted(known))}")
    agents, optional = {}, []
    table = data.pop("agents", {})
    if not isinstance(table, dict):
        raise SpecError(f"{path}: agents must be a table of NAME = \"SPEC\" lines ([agents])")
    if len(table) > MAX_AGENTS:
        raise SpecError(f"{path}: {len(table)} agents; accepted: up to {MAX_AGENTS}")
    for name, value in table.items():
        if isinstance(value, str):
            agents[name] = value
        elif isinstance(value, dict) and isinstance(value.get("spec"), str):
            extra = sorted(set(value) - {"spec", "optional"})
            if extra:  # a typo such as 'optinal' must not be silently ignored
                raise SpecError(f"{path}: agent {name[:40]!r}: unknown key {extra[0][:40]!r}; "
                                "accepted: spec, optional")
            if not isinstance(value.get("optional", False), bool):
                raise SpecError(f"{path}: agent {name[:40]!r}: optional="
                                f"{_short(value['optional'])} is not accepted; accepted: true or false")
            agents[name] = value["spec"]
            if value.get("optional"):
                optional.append(name)
        else:
            raise SpecError(f"{path}: agent {name[:40]!r} must be a spec string or a table with 'spec'")
    if isinstance(data.get("games"), str):
        data["games"] = [data["games"]]
    try:
        config = Config(agents=agents, optional=optional, **data)
    except TypeError as exc:
        raise SpecError(f"{path}: {exc}") from None
    if not isinstance(config.games, list) or not all(isinstance(g, str) for g in config.games):
        raise SpecError(f"{path}: games must be a list of game specs")
    return config
