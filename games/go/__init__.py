"""Go: Numba rules (any size up to 25x25), SGF records and a GTP engine.

``from varena.games.go import Go`` loads the rules (and numba) on first use only, so that light
modules of this package (the ``varena gtp`` command) can be imported by ``varena --help``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Go"]


def __getattr__(name: str) -> Any:
    if name == "Go":
        from varena.games.go.game import Go

        return Go
    raise AttributeError(f"module 'varena.games.go' has no attribute {name!r}")
