"""Small networks and games for the pointer-network tests."""

from __future__ import annotations

import numpy as np

from varena.engine.host import get_host
from varena.solvers.ptrnet.checkpoints import new_network
from varena.solvers.ptrnet.networks import NetConfig

GAMES = ("tsp:n=6", "convex_hull:n=9", "delaunay:n=6", "sorting:n=5")
ARCHS = ("lstm", "attention", "rpw")


def game(spec: str):
    return get_host().make_game(spec)


def net(arch: str, dims: int = 2, seed: int = 0, **kw):
    cfg = dict(arch=arch, item_dims=dims, d=16, layers=1, heads=2, ff=32, glimpses=1)
    cfg.update(kw)
    return new_network(NetConfig(**cfg), seed=seed).eval()


def net_for(g, arch: str, seed: int = 0, **kw):
    return net(arch, 1 if g.name == "sorting" else 2, seed, **kw)


def play(g, state: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """Play ``actions`` (-1 padded) through the game's checked ``play``; return the end state."""
    for a in actions:
        if a < 0:
            break
        state = g.play(state, int(a))
    return state
