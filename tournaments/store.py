"""The results store: one SQLite file per tournament directory, one row per finished game.

Each game is committed the moment it finishes (WAL journal, synchronous=FULL), keyed by its
place in the deterministic schedule, so a killed tournament resumes with exactly the
missing games: nothing lost, nothing counted twice.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from varena.engine.errors import CheckpointError

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS games (
    key         TEXT PRIMARY KEY,   -- place in the schedule; unique, so never counted twice
    game        TEXT NOT NULL,      -- canonical game spec
    first       TEXT NOT NULL,      -- agent names; 'first' moves first (Black)
    second      TEXT,               -- NULL for one-player problems
    first_spec  TEXT NOT NULL,
    second_spec TEXT,
    opening     TEXT NOT NULL,      -- JSON list of opening actions (played by the referee)
    moves       TEXT NOT NULL,      -- JSON list of all actions, opening included
    move_names  TEXT NOT NULL,      -- JSON list
    result      TEXT NOT NULL,      -- human result ('Black wins', 'B+3.5', 'draw', ...)
    reason      TEXT NOT NULL,      -- 'end', 'max_moves', 'forfeit: ...'
    score       REAL NOT NULL,      -- first player's score: 1, 0.5, 0 (objective for problems)
    extra       TEXT NOT NULL,      -- JSON: per-problem metrics (gap, solved, ...)
    seconds     REAL NOT NULL,
    seed        INTEGER NOT NULL,
    version     TEXT NOT NULL,
    record      TEXT,               -- path of the game record (SGF) relative to the directory
    finished_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
"""

COLUMNS = ("key", "game", "first", "second", "first_spec", "second_spec", "opening", "moves",
           "move_names", "result", "reason", "score", "extra", "seconds", "seed", "version", "record")


@dataclass(frozen=True, slots=True)
class GameRow:
    key: str
    game: str
    first: str
    second: str | None
    first_spec: str
    second_spec: str | None
    opening: list[int]
    moves: list[int]
    move_names: list[str]
    result: str
    reason: str
    score: float
    extra: dict
    seconds: float
    seed: int
    version: str
    record: str | None = None


class Store:
    """Open (or create) ``DIR/results.sqlite``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise CheckpointError(f"{self.path}: damaged or not a varena results database "
                                  f"({' '.join(str(exc).split())[:200]})") from None
        version = self.get_meta("schema_version")
        if version is None:
            self.set_meta("schema_version", SCHEMA_VERSION)
        elif version != SCHEMA_VERSION:
            raise CheckpointError(f"{self.path}: results schema {version}, this varena reads "
                                  f"{SCHEMA_VERSION}")

    def close(self) -> None:
        self.db.close()

    def _corrupt(self, exc: Exception, where: str) -> CheckpointError:
        # A damaged file or another program's database: one line, never a traceback.
        what = " ".join(str(exc).split())[:200]
        return CheckpointError(f"{self.path}: damaged or not a varena results database "
                               f"({where}: {what})")

    def get_meta(self, key: str) -> Any:
        try:
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            value = None if row is None else json.loads(row[0])
        except (sqlite3.DatabaseError, ValueError, TypeError, RecursionError) as exc:
            raise self._corrupt(exc, f"meta {key!r}") from None
        if key == "config" and value is not None and not isinstance(value, dict):
            raise self._corrupt(TypeError(f"a JSON {type(value).__name__}, not an object"),
                                "meta 'config'")
        return value

    def stored_config(self) -> dict:
        """The stored tournament config ({} if none yet)."""
        return self.get_meta("config") or {}

    def set_meta(self, key: str, value: Any) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    def done_keys(self) -> set[str]:
        try:
            keys = {k for (k,) in self.db.execute("SELECT key FROM games")}
        except sqlite3.DatabaseError as exc:
            raise self._corrupt(exc, "games") from None
        bad = next((k for k in keys if not isinstance(k, str)), None)
        if bad is not None:
            raise self._corrupt(TypeError(f"a key of type {type(bad).__name__}"), "games")
        return keys

    def add(self, row: GameRow) -> bool:
        """Commit one finished game; False if its key was already stored (not counted twice)."""
        values = [getattr(row, c) for c in COLUMNS]
        for i, c in enumerate(COLUMNS):
            if c in ("opening", "moves", "move_names", "extra"):
                values[i] = json.dumps(values[i])
        try:
            cur = self.db.execute(
                f"INSERT OR IGNORE INTO games ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                values,
            )
        except sqlite3.DatabaseError as exc:  # e.g. a damaged file found while resuming
            raise self._corrupt(exc, f"adding game {row.key!r}") from None
        return cur.rowcount == 1

    def rows(self) -> list[GameRow]:
        """Every stored game, each checked field by field: a damaged or edited database is
        one CheckpointError naming the game and the field, before anything is reported."""
        out, d = [], None
        try:
            for values in self.db.execute(f"SELECT {', '.join(COLUMNS)} FROM games ORDER BY rowid"):
                d = dict(zip(COLUMNS, values, strict=True))
                for c in ("opening", "moves", "move_names", "extra"):
                    if not isinstance(d[c], str):
                        raise TypeError(f"{c} is a {type(d[c]).__name__}, not JSON text")
                    d[c] = json.loads(d[c])
                _check_row(d)
                out.append(GameRow(**d))
        except (sqlite3.DatabaseError, ValueError, TypeError, RecursionError) as exc:
            where = "games" if d is None else f"game {str(d['key'])[:80]!r}"
            raise self._corrupt(exc, where) from None
        return out


_TEXT = ("key", "game", "first", "first_spec", "result", "reason", "version")
_TEXT_OR_NULL = ("second", "second_spec", "record")


def _check_row(d: dict[str, Any]) -> None:
    """TypeError/ValueError naming the first field of a stored game that is not as written."""
    for c in _TEXT:
        if not isinstance(d[c], str):
            raise TypeError(f"{c} is a {type(d[c]).__name__}, not text")
    for c in _TEXT_OR_NULL:
        if d[c] is not None and not isinstance(d[c], str):
            raise TypeError(f"{c} is a {type(d[c]).__name__}, not text")
    if (d["second"] is None) != (d["second_spec"] is None):
        raise ValueError("second and second_spec must both be set or both be NULL")
    for c in ("opening", "moves"):
        if not isinstance(d[c], list) or not all(type(a) is int for a in d[c]):
            raise TypeError(f"{c} is not a list of integers")
    if not isinstance(d["move_names"], list) or not all(isinstance(a, str) for a in d["move_names"]):
        raise TypeError("move_names is not a list of texts")
    extra = d["extra"]
    if not isinstance(extra, dict) or not all(isinstance(v, int | float) and not isinstance(v, bool)
                                              and math.isfinite(v) for v in extra.values()):
        raise TypeError("extra is not an object of numbers")
    for c in ("score", "seconds"):
        if not isinstance(d[c], int | float) or isinstance(d[c], bool) or not math.isfinite(d[c]):
            raise ValueError(f"{c} {d[c]!r} is not a finite number")
    if d["second"] is not None and not 0.0 <= d["score"] <= 1.0:
        raise ValueError(f"score {d['score']!r} of a two-player game is not in 0..1")
    if type(d["seed"]) is not int:
        raise TypeError(f"seed is a {type(d['seed']).__name__}, not an integer")
