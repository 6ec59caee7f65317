"""The replay buffer on disk: shards per game spec, a window of the newest positions, sampling
with the game's symmetries.

Layout under the run directory::

    buffer/<slug>/shard-00000012.safetensors   states, policy, value (+ JSON metadata)

A shard is written atomically once its batch of finished games is complete (temp file,
fsync, rename), so after any kill the folder holds whole shards only; a shard on disk is
*committed*. Its metadata records the game spec and ``first``, the index of its first
position among every position ever committed for that game, so the committed count
survives the deletion of shards that fell out of the window.

Minibatches hold one game spec each: a small board is never padded to a large one.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from safetensors import safe_open
from safetensors.numpy import save as st_save

from varena.engine.api import Game
from varena.engine.atomic import write_atomic
from varena.engine.errors import CheckpointError, VarenaError

log = logging.getLogger("varena.train")

FORMAT = "varena-shard/1"


class BufferError(VarenaError):
    """A shard cannot be written (disk full, permissions) or read (damaged)."""


def slug(spec: str) -> str:
    """A folder name for a game spec: readable, and unique through a short digest."""
    readable = re.sub(r"[^A-Za-z0-9_.=+-]+", "_", spec)[:60]
    return f"{readable}-{hashlib.blake2b(spec.encode(), digest_size=4).hexdigest()}"


@dataclass
class _Store:
    """The in-memory window of one game spec."""

    game: Game
    folder: Path
    shards: list[tuple[int, int, dict[str, np.ndarray]]] = field(default_factory=list)  # (seq, first, arrays)
    committed: int = 0  # positions ever committed
    games: int = 0  # games ever committed
    next_seq: int = 0
    held: int = 0  # positions in memory
    _cat: dict[str, np.ndarray] | None = None
    values: np.ndarray | None = None


class ReplayBuffer:
    """Shards of ``games`` (configured games, in config order) under ``root``.

    ``window``: positions kept per game; ``augment``: sample under a random symmetry.
    """

    def __init__(self, root: str | Path, games: list[Game], window: int, augment: bool = True) -> None:
        self.root = Path(root)
        self.window = int(window)
        self.augment = augment
        self.stores = [_Store(g, self.root / slug(g.spec)) for g in games]
        self._meta: dict[Path, dict] = {}
        self._load()

    # -- disk -----------------------------------------------------------------------------------
    def _load(self) -> None:
        for st in self.stores:
            if not st.folder.is_dir():
                continue
            for tmp in st.folder.glob(".shard-*.tmp"):  # a write cut by a kill: never committed
                tmp.unlink(missing_ok=True)
            files = sorted(st.folder.glob("shard-*.safetensors"))
            for path in files:
                seq, first, arrays = self._read(st, path)
                st.next_seq = max(st.next_seq, seq + 1)
                st.committed = max(st.committed, first + len(arrays["value"]))
                st.games = max(st.games, int(self._meta[path].get("games_before", 0))
                               + int(self._meta[path].get("games", 0)))
                st.shards.append((seq, first, arrays))
                st.held += len(arrays["value"])
            self._trim(st, delete=False)
            if files:
                log.info("buffer %s: %d positions committed, %d in the window", st.game.spec,
                         st.committed, st.held)
        self._meta.clear()

    def _read(self, st: _Store, path: Path) -> tuple[int, int, dict[str, np.ndarray]]:
        try:
            with safe_open(str(path), framework="numpy") as f:
                meta = json.loads((f.metadata() or {})["varena"])
                arrays = {k: f.get_tensor(k) for k in f.keys()}
        except Exception as exc:  # safetensors' own error types for damaged files
            raise BufferError(f"replay shard {path} is damaged ({exc}); delete it to go on "
                              "without its positions") from None
        g = st.game
        n = len(arrays.get("value", ()))
        ok = (meta.get("format") == FORMAT and meta.get("spec") == g.spec
              and set(arrays) == {"states", "policy", "value"}
              and arrays["states"].shape == (n, g.state_len)
              and arrays["policy"].shape == (n, g.num_actions) and n == meta.get("count"))
        if not ok:
            raise BufferError(f"replay shard {path} does not hold {n} positions of {g.spec} "
                              "in the expected shapes; delete it to go on without it")
        self._meta[path] = meta
        return int(meta["seq"]), int(meta["first"]), arrays

    def commit(self, index: int, states: np.ndarray, policy: np.ndarray, value: np.ndarray,
               games: int) -> Path:
        """Write one shard of game ``index`` atomically; only then does it count."""
        st = self.stores[index]
        n = len(value)
        arrays = {"states": np.ascontiguousarray(states), "policy": np.ascontiguousarray(policy, np.float32),
                  "value": np.ascontiguousarray(value, np.float32)}
        meta = {"format": FORMAT, "spec": st.game.spec, "seq": st.next_seq, "first": st.committed,
                "count": n, "games": int(games), "games_before": st.games}
        path = st.folder / f"shard-{st.next_seq:08d}.safetensors"
        try:
            write_atomic(path, st_save(arrays, metadata={"varena": json.dumps(meta)}))
        except OSError as exc:
            why = "the disk is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else exc.strerror
            raise BufferError(f"cannot write replay shard {path}: {why}; nothing of it was "
                              "committed (free space, then --resume)") from None
        st.shards.append((st.next_seq, st.committed, arrays))
        st.next_seq += 1
        st.committed += n
        st.games += int(games)
        st.held += n
        self._trim(st, delete=True)
        return path

    def _trim(self, st: _Store, delete: bool) -> None:
        """Drop the oldest shards while the rest still cover the window."""
        while len(st.shards) > 1 and st.held - len(st.shards[0][2]["value"]) >= self.window:
            seq, _, arrays = st.shards.pop(0)
            st.held -= len(arrays["value"])
            if delete:
                (st.folder / f"shard-{seq:08d}.safetensors").unlink(missing_ok=True)
        st._cat = None

    # -- counts ---------------------------------------------------------------------------------
    @property
    def committed(self) -> int:
        """Positions ever committed, over all games."""
        return sum(st.committed for st in self.stores)

    @property
    def games(self) -> int:
        """Games ever committed (finished games whose positions are in shards)."""
        return sum(st.games for st in self.stores)

    def committed_per_game(self) -> list[int]:
        return [st.committed for st in self.stores]

    def held(self) -> list[int]:
        """Positions in the window, per game (at most ``window`` each, plus part of a shard)."""
        return [min(st.held, self.window) for st in self.stores]

    # -- sampling -------------------------------------------------------------------------------
    def _arrays(self, st: _Store) -> dict[str, np.ndarray]:
        if st._cat is None:
            parts = [a for _, _, a in st.shards]
            st._cat = {k: np.concatenate([p[k] for p in parts]) for k in ("states", "policy", "value")}
            st._cat = {k: v[-self.window:] for k, v in st._cat.items()}
            if st.game.num_players == 1:
                st.values = normalise_objective(st._cat["value"])
            else:
                st.values = st._cat["value"]
        return st._cat

    def sample(self, batch: int, rng: np.random.Generator
               ) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """(game index, states, policy targets, value targets) of one game spec, chosen in
        proportion to the positions each holds; each row under a random symmetry."""
        held = np.array(self.held(), dtype=np.float64)
        if held.sum() <= 0:
            raise CheckpointError("the replay buffer is empty")
        index = int(rng.choice(len(held), p=held / held.sum()))
        st = self.stores[index]
        data = self._arrays(st)
        rows = rng.integers(len(data["value"]), size=batch)
        states = data["states"][rows]
        policy = data["policy"][rows]
        value = st.values[rows].astype(np.float32)
        g = st.game
        if self.augment and g.num_symmetries > 1:
            ks = rng.integers(g.num_symmetries, size=batch)
            for k in np.unique(ks):
                if k == 0:
                    continue
                sel = np.flatnonzero(ks == k)
                states[sel] = g.transform_states(states[sel], int(k))
                moved = np.empty_like(policy[sel])
                moved[:, g.action_permutation(int(k))] = policy[sel]
                policy[sel] = moved
        return index, states, policy, value


def normalise_objective(values: np.ndarray) -> np.ndarray:
    """A one-player game's objectives as value targets in [-1, 1]: standardised over the
    window and squashed with tanh, so the value head (tanh) can fit them whatever their
    scale (tour lengths, sorting errors)."""
    v = values.astype(np.float64)
    std = v.std()
    if not np.isfinite(std) or std < 1e-9:
        return np.zeros_like(values, dtype=np.float32)
    return np.tanh((v - v.mean()) / (2.0 * std)).astype(np.float32)
