"""varena: games and combinatorial optimisation on inputs of variable size.

The engine knows no particular game or solver; those arrive as plugins through the
``varena`` entry-point group (see varena.engine.hooks).
"""

from importlib.metadata import PackageNotFoundError, version

import pluggy

try:
    __version__ = version("varena")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

hookimpl = pluggy.HookimplMarker("varena")

__all__ = ["__version__", "hookimpl"]
