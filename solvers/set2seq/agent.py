"""The ``set2seq`` solver: a Read-Process-Write network playing the problem games.

    varena solve sorting:n=10 --solver set2seq:checkpoint=sort --count 1000
    varena solve convex_hull:n=20 --solver set2seq:checkpoint=PATH.safetensors,decode=beam

The network has the Pointer Network's step interface, so the agent IS the ``ptrnet``
agent (:class:`varena.solvers.ptrnet.agent.PtrNetSolver`: greedy, sampling, beam decodes
under the game's legal mask, plans kept per instance, re-planning when the game leaves the
plan) with a Read-Process-Write network in it. Without a checkpoint the network has fresh
seeded weights (weak, but every output is valid: decoding obeys the game's legal mask);
shipped checkpoints exist for sorting (``sort``), configs for the hull's vertex set.

torch is imported when an agent is created, not when this module is.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from varena.engine.api import Game
from varena.engine.errors import CheckpointError
from varena.engine.params import Param
from varena.solvers.ptrnet.agent import PtrNetSolver


def _params() -> tuple[Param, ...]:
    out = [Param("checkpoint", str, "", "a shipped checkpoint's name (sort) or a .safetensors "
                 "path (empty: fresh seeded weights)"),
           Param("process_steps", int, 5, "P of a fresh network (no checkpoint)", 0, 64)]
    for p in PtrNetSolver.params:  # the decoding options are the Pointer Network agent's
        if p.name not in ("checkpoint", "arch"):
            out.append(dataclasses.replace(p))
    return tuple(out)


class Set2SeqSolver(PtrNetSolver):
    """Read-Process-Write (Order Matters): an order-invariant set encoder and a pointer decoder."""

    name = "set2seq"
    description = ("Read-Process-Write set-to-sequence network (Vinyals 2015, Order Matters) "
                   "for sorting, convex_hull, delaunay, tsp")
    params = _params()

    @classmethod
    def trainers(cls) -> dict[str, type]:
        from varena.solvers.set2seq.trainer import Set2SeqTrainer

        return {Set2SeqTrainer.name: Set2SeqTrainer}

    def __init__(self, game: Game, seed: int | None = None, **config: Any) -> None:
        # PtrNetSolver.__init__ builds a ptrnet network; the base of both sets the config.
        super(PtrNetSolver, self).__init__(game, seed, **config)

        from varena.solvers.ptrnet.env import problem_info
        from varena.solvers.set2seq.checkpoints import load_network, new_network, resolve
        from varena.solvers.set2seq.network import NetConfig

        info = problem_info(game)
        c = self.config
        if c["checkpoint"]:
            self.net, self.meta = load_network(resolve(c["checkpoint"]))
            # trained free: its glimpses saw every element; the game's mask filters the output
            self.net.free_glimpse = self.meta.get("rule") == "free"
            if self.meta["game"] != game.name:
                raise CheckpointError(f"set2seq: checkpoint {c['checkpoint']!r} plays "
                                      f"{self.meta['game']!r}, not {game.name!r}")
        else:
            self.net = new_network(NetConfig(item_dims=info.item_dims,
                                             process_steps=c["process_steps"]), seed=seed)
            self.meta = {}
        if self.net.cfg.item_dims != info.item_dims:
            raise CheckpointError(f"set2seq: the network reads {self.net.cfg.item_dims} floats per "
                                  f"item; {game.name!r} has {info.item_dims}")
        self._start_decoding(game, info, seed)
