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

from varena.engine.errors import SpecError
from varena.engine.params import SEED_MAX

FORMATS = ("round-robin", "gauntlet", "leaderboard")


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
        for name in self.agents:
            if not name or not all(c.isalnum() or c in "_-.+" for c in name):
                raise SpecError(f"tournament: bad agent name {name!r}; use letters, digits, _ - . +")
        for what, value, low in (("games_per_pairing", self.games_per_pairing, 1),
                                 ("concurrency", self.concurrency, 1),
                                 ("opening_moves", self.opening_moves, 0),
                                 ("instances", self.instances, 1)):
            if not _is_int(value) or value < low:
                raise SpecError(f"tournament: {what}={value!r} is not accepted; accepted: integer >= {low}")
        if not _is_int(self.seed) or not 0 <= self.seed <= SEED_MAX:
            raise SpecError(f"tournament: seed={self.seed!r} is not accepted; "
                            f"accepted: integer 0..{SEED_MAX}")
        if self.sims is not None and (not _is_int(self.sims) or self.sims < 1):
            raise SpecError(f"tournament: sims={self.sims!r} is not accepted; accepted: integer >= 1")
        if self.move_time is not None and (isinstance(self.move_time, bool)
                                           or not isinstance(self.move_time, int | float)
                                           or not 0 < self.move_time <= 3600):
            raise SpecError(f"tournament: move_time={self.move_time!r} is not accepted; "
                            "accepted: seconds in (0, 3600]")
        if self.max_moves is not None and (not _is_int(self.max_moves) or self.max_moves < 1):
            raise SpecError(f"tournament: max_moves={self.max_moves!r} is not accepted; accepted: integer >= 1")
        for what in ("openings_file", "anchor", "out"):
            value = getattr(self, what)
            if value is not None and (not isinstance(value, str) or (not value and what != "anchor")):
                raise SpecError(f"tournament: {what}={value!r} is not accepted; accepted: a non-empty string")
        return self

    def schedule_json(self) -> dict[str, Any]:
        """The part of the config that fixes the schedule (a resume must match it)."""
        keep = ("games", "agents", "format", "games_per_pairing", "seed", "max_moves",
                "opening_moves", "openings_file", "instances", "sims", "move_time")
        return {k: v for k, v in asdict(self).items() if k in keep}


def _is_int(value: Any) -> bool:
    # TOML's `true` is a Python bool, which is an int: it must not pass for a count.
    return isinstance(value, int) and not isinstance(value, bool)


def load_config(path: str | os.PathLike) -> Config:
    """Read a tournament TOML file; every mistake is one SpecError line naming the file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(f"{path}: no such config file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot read the config file ({exc.strerror})") from None
    known = {f.name for f in fields(Config)} - {"optional"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise SpecError(f"{path}: unknown key {unknown[0]!r}; accepted: {', '.join(sorted(known))}")
    agents, optional = {}, []
    table = data.pop("agents", {})
    if not isinstance(table, dict):
        raise SpecError(f"{path}: agents must be a table of NAME = \"SPEC\" lines ([agents])")
    for name, value in table.items():
        if isinstance(value, str):
            agents[name] = value
        elif isinstance(value, dict) and isinstance(value.get("spec"), str):
            agents[name] = value["spec"]
            if value.get("optional"):
                optional.append(name)
        else:
            raise SpecError(f"{path}: agent {name!r} must be a spec string or a table with 'spec'")
    if isinstance(data.get("games"), str):
        data["games"] = [data["games"]]
    try:
        config = Config(agents=agents, optional=optional, **data)
    except TypeError as exc:
        raise SpecError(f"{path}: {exc}") from None
    if not isinstance(config.games, list) or not all(isinstance(g, str) for g in config.games):
        raise SpecError(f"{path}: games must be a list of game specs")
    return config
