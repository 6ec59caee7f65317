"""Labelled instances for supervised training: generated once, cached on disk, deterministic.

``labelled(game, count, seed, cache_dir)`` samples ``count`` instances of a configured problem
from ``np.random.default_rng([seed, n, problem code])`` and labels each with the game's
reference in the paper's order: TSP tours from city 0 counter-clockwise (Held-Karp up to
n = 13, LKH-3 through elkai above), hull vertices counter-clockwise from the lowest index,
Delaunay triangles as increasing triples in lexicographic order (Qhull), then ``end``.

The file ``{problem}-n{n}-c{count}-s{seed}.npz`` holds ``labels`` ``[count, T]`` (-1 padded,
int16: every action is below 32,768) and the CRC-32 of the instances' bytes. The instances
themselves are not stored: they are re-drawn from the seed (a second for 100,000), and the
CRC proves they are the ones labelled, which keeps the cache small (200,000 hulls of 50
points: 7 MB of labels instead of 160 MB of float64 points; Qhull's labels are what costs).
It is written atomically, so a killed run leaves no half file, and the same (problem, n,
count, seed) always gives the same bytes. Older caches that also hold ``items`` still load.
"""

from __future__ import annotations

import io
import logging
import zlib
from pathlib import Path

import numpy as np

from varena.engine.api import Game
from varena.engine.atomic import write_atomic
from varena.engine.errors import VarenaError
from varena.solvers.ptrnet.env import ccw_tour, label_actions, problem_info

log = logging.getLogger("varena.ptrnet")
VERSION = 1


def problem_code(name: str) -> int:
    return zlib.crc32(name.encode())


def instance_rng(seed: int, n: int, problem: str, salt: int = 0) -> np.random.Generator:
    return np.random.default_rng([int(seed), int(n), problem_code(problem), int(salt), VERSION])


def sample_items(game: Game, count: int, rng: np.random.Generator) -> np.ndarray:
    return np.stack([game.sample(game.n, rng) for _ in range(count)])


def label(game: Game, items: np.ndarray) -> np.ndarray:
    """The action sequence of the reference solution of one instance."""
    ref = np.asarray(game.reference(items), dtype=np.int64)
    if problem_info(game).name == "tsp":
        ref = ccw_tour(items, ref)
    return label_actions(game, ref)


def labelled(game: Game, count: int, seed: int, cache_dir: str | Path | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """(items, labels) for ``count`` seeded instances of ``game``; see the module doc."""
    name = problem_info(game).name
    items = sample_items(game, count, instance_rng(seed, game.n, name))
    crc = zlib.crc32(np.ascontiguousarray(items).tobytes())
    path = None
    if cache_dir is not None:
        path = Path(cache_dir) / f"{name}-n{game.n}-c{count}-s{seed}.npz"
        if path.is_file():
            try:
                with np.load(path) as z:
                    if "items" in z:  # an older cache with the instances in it
                        return z["items"], z["labels"].astype(np.int64)
                    if int(z["items_crc32"]) != crc:
                        raise ValueError("its labels are for other instances")
                    return items, z["labels"].astype(np.int64)
            except Exception as exc:  # a damaged cache file is regenerated, never trusted
                log.warning("ptrnet: cache %s unreadable (%s); regenerating", path, exc)
    seqs = [label(game, x) for x in items]
    width = max(len(s) for s in seqs)
    labels = np.full((count, width), -1, dtype=np.int64)
    for i, s in enumerate(seqs):
        labels[i, : len(s)] = s
    if path is not None:
        buf = io.BytesIO()
        np.savez(buf, labels=labels.astype(np.int16), items_crc32=np.uint32(crc))
        try:
            write_atomic(path, buf.getvalue())
        except OSError as exc:
            raise VarenaError(f"ptrnet: cannot write the label cache {path}: {exc}") from None
        log.info("ptrnet: wrote %d labelled %s n=%d instances to %s", count, name, game.n, path)
    return items, labels
