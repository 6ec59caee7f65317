"""The ``ptrnet`` solver: a pointer network playing the problem games through the Solver contract.

    varena solve tsp:n=20 --solver ptrnet:checkpoint=tsp20,decode=beam,width=16
    varena solve convex_hull:n=50 --solver ptrnet:checkpoint=hull,decode=greedy

It decodes a whole solution per instance (all instances of a ``select_actions`` call in one
batch), keeps it, and plays it back action by action; if the game leaves the plan (another
agent moved), it re-plans greedily from the moves actually played. Without a checkpoint the
network has fresh seeded weights (weak, but valid: decoding obeys the game's legal mask).

torch is imported when an agent is created, not when this module is.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

import numpy as np

from varena.engine.api import Game, Solver
from varena.engine.errors import CheckpointError, SpecError
from varena.engine.params import Param
from varena.games.points import HEADER, N
from varena.solvers.ptrnet.env import PROBLEMS

log = logging.getLogger("varena.ptrnet")
_CACHE = 4096


class PtrNetSolver(Solver):
    """Pointer Network (LSTM, transformer + attention decoder, or Read-Process-Write) with
    greedy, sampling, beam, POMO multi-start decoding and dihedral augmentation."""

    name = "ptrnet"
    description = "Pointer Network (Vinyals 2015; attention model, Kool 2019) for tsp, convex_hull, delaunay, sorting"
    params = (
        Param("checkpoint", str, "", "a shipped checkpoint's name or a .safetensors path "
              "(empty: fresh seeded weights)"),
        Param("arch", str, "attention", "network of a fresh agent (no checkpoint): attention, "
              "lstm or rpw", choices=("attention", "lstm", "rpw")),
        Param("decode", str, "greedy", "greedy, sample (best of `samples`), beam (width "
              "`width`) or pomo (every first city, TSP)", choices=("greedy", "sample", "beam", "pomo")),
        Param("samples", int, 16, "sequences sampled per instance (decode=sample)", 1, 100_000),
        Param("width", int, 8, "beam width (decode=beam)", 1, 4096),
        Param("augment", int, 1, "symmetries of the unit square tried per instance (8: all of "
              "TSP's and Delaunay's, 4 for hulls)", 1, 8),
        Param("temperature", float, 1.0, "softmax temperature (decode=sample)", 0.01, 100.0),
        Param("device", str, "cpu", "cpu, cuda or auto", choices=("auto", "cpu", "cuda")),
    )

    @classmethod
    def supports(cls, game: Game) -> bool:
        return game.name in PROBLEMS

    @classmethod
    def trainers(cls) -> dict[str, type]:
        from varena.solvers.ptrnet.trainers import ReinforceTrainer, SupervisedTrainer

        return {"supervised": SupervisedTrainer, "reinforce": ReinforceTrainer}

    def __init__(self, game: Game, seed: int | None = None, **config: Any) -> None:
        super().__init__(game, seed, **config)

        from varena.solvers.ptrnet.checkpoints import load_network, new_network, resolve
        from varena.solvers.ptrnet.env import problem_info
        from varena.solvers.ptrnet.networks import NetConfig

        info = problem_info(game)
        c = self.config
        if c["checkpoint"]:
            path = resolve(c["checkpoint"])
            self.net, self.meta = load_network(path)
            if self.meta["problem"] != game.name:
                raise CheckpointError(f"ptrnet: checkpoint {c['checkpoint']!r} solves "
                                      f"{self.meta['problem']!r}, not {game.name!r}")
        else:
            from varena.solvers.ptrnet.config import INDEX_ORDERED

            self.net = new_network(NetConfig(arch=c["arch"], item_dims=info.item_dims, d=64,
                                             layers=2, heads=4, ff=128,
                                             index_feature=info.name in INDEX_ORDERED), seed=seed)
            self.meta = {}
        if game.n > self.net.cfg.max_n:
            raise SpecError(f"ptrnet: game {game.spec!r} has n={game.n}; this network accepts "
                            f"n <= {self.net.cfg.max_n}")
        self._start_decoding(game, info, seed)

    def _start_decoding(self, game: Game, info: Any, seed: int | None) -> None:
        """The decoding options' checks, then device, options, generator and plans: shared by
        every agent that decodes through this one (set2seq too), once ``self.net`` is set."""
        import torch

        from varena.engine.nn.device import resolve_device
        from varena.solvers.ptrnet.decoding import DecodeOptions

        c = self.config
        if c["decode"] == "pomo" and info.name != "tsp":
            raise SpecError(f"{self.name}: decode=pomo is for tsp (a start from every first "
                            f"city); for {game.name!r} use greedy, sample or beam")
        if c["augment"] > game.num_symmetries:
            raise SpecError(f"{self.name}: augment={c['augment']} is more than game {game.name!r} "
                            f"has symmetries; accepted: 1..{game.num_symmetries}")
        self.device = resolve_device(c["device"])
        self.net.to(self.device).eval()
        self.options = DecodeOptions(c["decode"], c["samples"], c["width"], c["augment"],
                                     c["temperature"])
        self.generator = torch.Generator(device=self.device).manual_seed(0 if seed is None else int(seed))
        self._plans: OrderedDict[bytes, np.ndarray] = OrderedDict()

    def _key(self, state: np.ndarray) -> bytes:
        n = int(state[N])
        return np.ascontiguousarray(state[HEADER:HEADER + self.game.item_dims * n]).tobytes()

    def plan(self, states: np.ndarray) -> np.ndarray:
        """Decode the whole solution of each state's instance (from its start), int64 [B, T]."""
        from varena.solvers.ptrnet.decoding import decode
        from varena.solvers.ptrnet.env import start_states

        return decode(self.net, self.game, start_states(self.game, states), self.options,
                      self.generator).actions

    def select_actions(self, states: np.ndarray) -> np.ndarray:
        states = np.atleast_2d(states)
        keys = [self._key(s) for s in states]
        todo = [i for i, k in enumerate(keys) if k not in self._plans]
        if todo:
            unique = list(dict.fromkeys(keys[i] for i in todo))
            first = [next(i for i in todo if keys[i] == k) for k in unique]
            for k, row in zip(unique, self.plan(states[first]), strict=True):
                self._plans[k] = row[row >= 0]
        out = np.empty(len(states), dtype=np.int64)
        for i, (state, key) in enumerate(zip(states, keys, strict=True)):
            plan = self._plans[key]
            self._plans.move_to_end(key)
            done = self.game.history(state)
            t = len(done)
            if t < len(plan) and np.array_equal(plan[:t], done):
                out[i] = plan[t]
            else:
                out[i] = self._replan(state, done)
        while len(self._plans) > _CACHE:
            self._plans.popitem(last=False)
        return out

    def _replan(self, state: np.ndarray, done: np.ndarray) -> int:
        """The greedy continuation of the moves actually played (the plan was left)."""
        from varena.solvers.ptrnet.decoding import rollout
        from varena.solvers.ptrnet.env import start_states

        if self.game.outcome(state)[0]:
            raise ValueError("ptrnet: no legal action (the game is over)")
        r = rollout(self.net, self.game, start_states(self.game, state[None]), forced=done[None])
        return int(r.actions[0, len(done)])
