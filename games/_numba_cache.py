"""Numba's on-disk cache of the game kernels: kept honest, loaded early (no Numba import).

Numba invalidates a cached function only when *its own* file changes, not when a function
it calls (or inlines) from another file does: an edit of ``go/chains.py`` would leave
``go/rules.py``'s cached ``legal_mask`` running the old chains. Each group of modules that
link into each other is checked once per process, before its kernels load: when the digest
of their sources changed, their cache files are removed (the engine's search does the same,
``varena.engine.mcts._cache``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pathlib

log = logging.getLogger("varena.games")

_GAMES = pathlib.Path(__file__).resolve().parent
_CHECKED: set[str] = set()


_LOADED: set[type] = set()


def load_kernels(game) -> None:
    """Load (or compile) a Numba game's kernels once per process and class, when the game
    is made: the first move of any agent then pays no loading in the middle of a timed
    game (a search agent loads its own compiled code when it is made)."""
    if type(game) in _LOADED:
        return
    _LOADED.add(type(game))
    import numpy as np

    state = game.initial_state()
    mask = game.legal_mask(state)
    game.next_state(state, int(np.flatnonzero(mask)[0]) if mask.any() else 0)
    game.outcome(state)


def drop_stale_cache(group: str, paths: list[pathlib.Path]) -> None:
    """Remove the cache files of ``paths`` when any of their sources changed since the last
    check (stamp ``varena-<group>.sha1`` in the first file's ``__pycache__``)."""
    if group in _CHECKED:
        return
    _CHECKED.add(group)
    digest = hashlib.sha1()
    for path in paths:
        if path.exists():
            digest.update(path.name.encode() + path.read_bytes())
    dirs = {path.parent / "__pycache__" for path in paths}
    if os.environ.get("NUMBA_CACHE_DIR"):
        root = pathlib.Path(os.environ["NUMBA_CACHE_DIR"])
        dirs.update(p for p in root.rglob("*") if p.is_dir() and p.name in ("games", "go"))
    stamp = paths[0].parent / "__pycache__" / f"varena-{group}.sha1"
    try:
        if stamp.exists() and stamp.read_text() == digest.hexdigest():
            return
        stems = {p.stem for p in paths}
        for d in dirs:
            for f in list(d.glob("*.nb[ic]")) if d.is_dir() else []:
                if f.name.split(".", 1)[0] in stems:
                    f.unlink(missing_ok=True)
        stamp.parent.mkdir(exist_ok=True)
        stamp.write_text(digest.hexdigest())
        log.info("%s kernel sources changed: dropped their compiled cache", group)
    except OSError:  # a read-only install: its cache cannot be stale either
        pass


GO = [_GAMES / "go" / f"{m}.py" for m in ("state", "chains", "rules", "scoring", "playout",
                                           "positions")]
GOMOKU = [_GAMES / f"{m}.py" for m in ("gomoku_rules", "gomoku_renju")]
