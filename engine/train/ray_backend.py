"""``backend = "ray"``: self-play on N Ray actors, the learner in the driver (the only module
that imports ray).

Each actor holds its own copy of the network and plays ``games_in_flight / actors`` games
through the same :class:`varena.engine.train.selfplay.SelfPlay` as the local backend; it
returns finished games (states, policy and value targets) to the driver, which writes them
as shards into the run directory's replay buffer, trains, checkpoints and evaluates exactly
as in one process. Every ``weights_every`` learner steps (with gating: when a gate opens)
the driver puts the weights in the object store once and every actor loads them before its
next batch of moves.

``address``: empty starts a Ray instance on this machine; ``"auto"`` joins the cluster
this machine is part of (``ray start --head`` / ``ray start --address=HEAD:6379``);
``"ray://HEAD:10001"`` connects through Ray Client. varena (same version) must be installed
on every node; the run directory lives on the driver only.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from varena.engine.errors import SpecError

log = logging.getLogger("varena.train")

MOVES_PER_CALL = 4  # moves per actor call: few enough that new weights are picked up soon


def _import_ray():
    try:
        import ray
    except ImportError:
        raise SpecError("config: backend.kind = 'ray' needs the ray package: "
                        "pip install 'varena[ray]'") from None
    return ray


def _weights(net) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy() for k, v in net.state_dict().items()}


class _Actor:
    """The body of one self-play actor (wrapped with ``ray.remote`` at run time)."""

    def __init__(self, networks: str, net_config: dict, specs: list[str], slots: list[int],
                 selfplay: dict, seed: int, threads: int, weights: dict) -> None:
        import importlib

        from varena.engine.host import get_host
        from varena.engine.nn.device import configure_cpu_threads
        from varena.engine.train.selfplay import SelfPlay

        try:
            from varena.engine.nn.evaluator import NetEvaluator as Evaluator
        except ImportError:
            from varena.engine.nn.evaluator import Evaluator
        configure_cpu_threads(threads)
        nets = importlib.import_module(networks)
        cfg = dict(net_config)
        arch, games = cfg.pop("arch"), cfg.pop("games")
        self.net = nets.new_network(arch, "small", games, seed=0, **cfg)
        self.set_weights(weights)
        host = get_host()
        self.evaluator = Evaluator(self.net, "cpu")
        self.selfplay = SelfPlay([host.make_game(s) for s in specs], slots, self.evaluator,
                                 selfplay, seed)

    def set_weights(self, weights: dict) -> int:
        import torch

        self.net.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in weights.items()})
        self.net.eval()
        return 0

    def play(self, moves: int) -> tuple[list, float]:
        """Finished games of ``moves`` move steps, and the forward seconds they took."""
        out = []
        before = self.evaluator.stats.forward_seconds
        for _ in range(moves):
            out.extend(self.selfplay.step())
        return out, self.evaluator.stats.forward_seconds - before


class RaySelfPlay:
    """The self-play source of :class:`AlphaZeroTrainer` on Ray actors."""

    def __init__(self, trainer: Any) -> None:
        from varena.engine.train.config import split_slots

        ray = self.ray = _import_ray()
        cfg = trainer.cfg
        b = cfg.backend
        self.started = False
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                      "configure_logging": False}
            if b["address"]:
                kwargs["address"] = b["address"]
            else:
                kwargs["num_cpus"] = max(int(np.ceil(b["actors"] * b["cpus_per_actor"])), 1)
            ray.init(**kwargs)
            self.started = True
        remote = ray.remote(num_cpus=b["cpus_per_actor"])(_Actor)
        self.gated = cfg.evaluation["gating"]
        start = trainer.net
        if self.gated:
            import copy

            from varena.engine.nn.checkpoint import load_weights

            start = copy.deepcopy(trainer.net).cpu()
            load_weights(trainer.gate_path, start)
        weights = ray.put(_weights(start))
        total = cfg.selfplay["games_in_flight"]
        per_actor = [max(len(cfg.games), total // b["actors"])] * b["actors"]
        self.actors = []
        for i in range(b["actors"]):
            slots = split_slots(per_actor[i], [w for _, w in cfg.games])
            self.actors.append(remote.remote(
                trainer.networks, trainer.net.cfg.to_dict(), trainer.specs, slots, dict(cfg.selfplay),
                int(trainer.rng.integers(2**31)), max(1, int(b["cpus_per_actor"])), weights))
        self.net = trainer.net
        self.every = b["weights_every"]
        self.sent = trainer.step
        self.pending: dict[Any, int] = {}
        log.info("ray: %d self-play actors, %s games each", len(self.actors), per_actor[0])

    def collect(self) -> list:
        """Finished games of whichever actor answers first (each keeps one call in flight)."""
        ray = self.ray
        busy = set(self.pending.values())
        for i, actor in enumerate(self.actors):
            if i not in busy:
                self.pending[actor.play.remote(MOVES_PER_CALL)] = i
        ready, _ = ray.wait(list(self.pending), num_returns=1)
        out = []
        for ref in ready:
            self.pending.pop(ref)
            finished, _ = ray.get(ref)
            out.extend(finished)
        return out

    def weights_changed(self, step: int) -> None:
        """After a learner step: broadcast the weights every ``weights_every`` steps."""
        if self.gated or step - self.sent < self.every:
            return
        self.sent = step
        self.set_selfplay(self.net)

    def set_selfplay(self, net) -> None:
        """Put ``net``'s weights in the object store once; every actor loads them."""
        ref = self.ray.put(_weights(net))
        for actor in self.actors:
            actor.set_weights.remote(ref)

    def forward_seconds(self) -> None:
        return None  # the actors' forwards overlap each other and the learner: no share

    def close(self) -> None:
        for actor in self.actors:
            try:
                self.ray.kill(actor)
            except Exception as exc:  # an actor already gone
                log.debug("ray: kill: %s", exc)
        self.actors = []
        if self.started:
            self.ray.shutdown()
            self.started = False
