"""Keeping Numba's on-disk cache of the search honest (no Numba import here).

Numba invalidates a cached function only when *its own* file changes, not when a function
it calls does, so an edit of, say, expand.py would leave batched.py's cached searches
stale. A digest of all the modules whose code is linked into the cached entry points is
checked once per process (when :mod:`varena.engine.mcts` is imported); when it changed, their
cache files are removed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pathlib

log = logging.getLogger("varena.mcts")

_PACKAGE = pathlib.Path(__file__).resolve().parent
_SOLVERS = _PACKAGE.parent.parent / "solvers"
#: The modules holding compiled (``njit``) code; the others (search.py, roots.py, ...) are
#: plain Python, and editing them must not cost a recompile of the search.
_LINKED = [_PACKAGE / f"{m}.py" for m in ("batched", "expand", "select", "tree")] + [
    _SOLVERS / "negamax.py"]


def drop_stale_cache() -> None:
    """Remove the cache files of the linked modules if any of their sources changed."""
    digest = hashlib.sha1()
    for path in _LINKED:
        if path.exists():
            digest.update(path.name.encode() + path.read_bytes())
    dirs = [_PACKAGE / "__pycache__", _SOLVERS / "__pycache__"]
    if os.environ.get("NUMBA_CACHE_DIR"):
        dirs.extend(p for p in pathlib.Path(os.environ["NUMBA_CACHE_DIR"]).rglob("*")
                    if p.is_dir() and p.name in ("mcts", "solvers"))
    stamp = _PACKAGE / "__pycache__" / "varena-linked-sources.sha1"
    try:
        if stamp.exists() and stamp.read_text() == digest.hexdigest():
            return
        stems = {p.stem for p in _LINKED}
        for d in dirs:
            for f in list(d.glob("*.nb[ic]")) if d.is_dir() else []:
                if f.name.split(".", 1)[0] in stems:
                    f.unlink(missing_ok=True)
        stamp.parent.mkdir(exist_ok=True)
        stamp.write_text(digest.hexdigest())
        log.info("search sources changed: dropped their compiled cache")
    except OSError:  # a read-only install: its cache cannot be stale either
        pass
