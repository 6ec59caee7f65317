"""The AlphaZero self-play trainer (``trainer = "alphazero"``), for networks of the AlphaViT
family: self-play through the search pool, a replay buffer on disk, the learner, atomic
checkpoints, evaluation, metrics; resumable after any kill.

Loop (one process; ``backend = "ray"`` moves self-play to actors, see ray_backend)::

    while the budget lasts:
        if the learner is within its bound (steps <= samples_per_position * committed / batch):
            one learner step; metrics, checkpoint, evaluation when due
        else:
            one move in every game in flight; finished games gathered, written as shards

What survives a kill: the shards on disk (committed positions) and the newest committed
checkpoint (weights, optimiser, RNG, counters). Learner steps after that checkpoint are
done again; games in flight are played again; nothing committed is lost or counted twice.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from varena.engine.errors import CheckpointError, SpecError, VarenaError
from varena.engine.train.buffer import ReplayBuffer
from varena.engine.train.config import TrainConfig, check_config, check_memory, split_slots
from varena.engine.train.learner import Learner, allowed_steps
from varena.engine.train.rundir import RunDir
from varena.engine.train.state import load_training_state, save_training_state
from varena.engine.train.trainer import Budget

log = logging.getLogger("varena.train")

NETWORK_OVERRIDES = ("d_model", "heads", "ff", "enc_layers", "dec_layers", "dropout")


class AlphaZeroTrainer:
    """Self-play reinforcement learning of a policy-value network over many games and sizes."""

    name = "alphazero"
    #: The module with new_network / load_network / save_network for the networks trained.
    networks = "varena.solvers.alphavit.checkpoints"

    def __init__(self, config: dict[str, Any], run: RunDir, device: Any = "auto", seed: int | None = None) -> None:
        import importlib

        import torch

        from varena.engine.nn.device import resolve_device

        self.cfg: TrainConfig = check_config(config)
        self.run = run
        self.seed = self.cfg.seed if seed is None else int(seed)
        self.device = device if isinstance(device, torch.device) else resolve_device(str(device))
        self.nets = importlib.import_module(self.networks)
        self.games = self._games()
        check_memory(self.cfg, self.games)  # before the network, buffer and trees exist
        self.specs = [g.spec for g in self.games]
        self.net = self._network()
        self.net.to(self.device)
        self.learner = Learner(self.net, self.cfg.learner, self.device)
        self.buffer = ReplayBuffer(run.path / "buffer", self.games, self.cfg.buffer["window"],
                                   self.cfg.buffer["augment"])
        self.rng = np.random.default_rng(self.seed)
        torch.manual_seed(self.seed)
        self.step = 0
        self.cpu_before = 0.0  # CPU seconds of earlier sittings
        self.wall_before = 0.0
        self._resume()

    # -- set-up ---------------------------------------------------------------------------------
    def _games(self) -> list:
        from varena.engine.api import Game
        from varena.engine.host import get_host

        host, games, seen = get_host(), [], set()
        for spec, _ in self.cfg.games:
            g = host.make_game(spec)
            if g.spec in seen:
                raise SpecError(f"config: game {spec!r} is listed twice (as {g.spec!r})")
            seen.add(g.spec)
            if type(g).tokens is Game.tokens or g.num_players not in (1, 2):
                raise SpecError(f"config: game {g.spec!r} has no network encoding for one or two "
                                "players; it cannot be trained by self-play")
            if g.kernels is None:
                raise SpecError(f"config: game {g.spec!r} has no compiled kernels, so self-play "
                                "cannot search it")
            games.append(g)
        return games

    def _network(self):
        n = self.cfg.network
        names = list(dict.fromkeys(g.name for g in self.games))
        if n["init"]:
            net, meta = self.nets.load_network(n["init"], arch=n["arch"])
            changed = [k for k in NETWORK_OVERRIDES if n[k] is not None
                       and getattr(net.cfg, k) != n[k]]
            if changed:
                raise SpecError(f"config: network.{changed[0]}={n[changed[0]]} differs from the init "
                                f"checkpoint {n['init']} ({getattr(net.cfg, changed[0])}); leave "
                                "the size keys out when fine-tuning")
            log.info("fine-tuning from %s (trained on %s)", n["init"], ", ".join(meta.get("trained_on", [])))
        else:
            overrides = {k: n[k] for k in NETWORK_OVERRIDES if n[k] is not None}
            overrides["positions"] = n["positions"]
            try:
                net = self.nets.new_network(n["arch"], n["preset"], names, seed=self.seed, **overrides)
            except CheckpointError as exc:
                raise SpecError(f"config: [network]: {exc}") from None
        self._check_fits(net, n["init"] or "the configured network")
        return net

    def _check_fits(self, net, what: str) -> None:
        """One forward per game: a network that cannot take a configured game is refused
        now, naming both."""
        import torch

        for g in self.games:
            try:
                state = g.initial_states(1, np.random.default_rng(0))
                enc = net.encode(g, g.tokens(state), g.legal_masks(state), torch.device("cpu"))
                with torch.no_grad():
                    net.eval()([enc])
            except VarenaError as exc:
                raise SpecError(f"config: {what} cannot take game {g.spec!r}: {exc}") from None
            except (RuntimeError, ValueError, IndexError) as exc:
                raise SpecError(f"config: {what} cannot take game {g.spec!r}: "
                                f"{type(exc).__name__}: {exc}") from None

    def _resume(self) -> None:
        latest = self.run.latest_checkpoint()
        if latest is None:
            return
        step, path = latest
        info = load_training_state(self.run, step, path, self.net, self.learner, self.cfg.hash())
        self.step = step
        self.rng.bit_generator.state = info["numpy_rng"]
        self.cpu_before = float(info.get("cpu_seconds", 0.0))
        self.wall_before = float(info.get("wall_seconds", 0.0))
        log.info("resumed at step %d: %d positions committed (%d at the checkpoint)", step,
                 self.buffer.committed, info.get("positions", 0))

    # -- checkpoints ----------------------------------------------------------------------------
    def checkpoint(self) -> Path:
        """Write the network, optimiser, RNG and counters of this step; commit latest.json."""
        info = {"positions": self.buffer.committed, "games": self.buffer.games,
                "positions_per_game": dict(zip(self.specs, self.buffer.committed_per_game(), strict=True)),
                "cpu_seconds": self.cpu_before + time.process_time() - self._cpu0,
                "wall_seconds": self.wall_before + time.monotonic() - self._wall0,
                "numpy_rng": self.rng.bit_generator.state}
        path = save_training_state(self.run, self.step, self.net, self.learner, self.nets,
                                   self.specs, self.cfg.hash(), info)
        return path

    # -- the loop -------------------------------------------------------------------------------
    def train(self, budget: Budget) -> dict[str, Any]:
        from varena.engine.train.metrics import Meter

        self._cpu0, self._wall0 = time.process_time(), time.monotonic()
        cfg = self.cfg
        if cfg.evaluation["gating"] and not self.gate_path.is_file():
            self.nets.save_network(self.gate_path, self.net, step=self.step, trained_on=self.specs)
        source = self._source_ = self._source()
        meter = Meter(self)
        pending: list[list] = [[] for _ in self.games]
        last_eval = self.step if self.run.latest_checkpoint() else -1
        every = cfg.evaluation["every"]
        if every and self.step and self.step % every == 0:
            # resumed at an evaluation's step: a kill may have cut it short (its tournament
            # resumes; a finished one plays nothing and only logs its line again)
            self.run.log_metrics(self.step, self._evaluate())
        try:
            while not budget.exhausted(self.step):
                allowed = allowed_steps(self.buffer.committed, cfg.learner, cfg.buffer["min_positions"])
                if self.step < allowed:
                    self._learn(meter)
                    source.weights_changed(self.step)
                    if self.step % cfg.metrics["every"] == 0:
                        self.run.log_metrics(self.step, meter.flush(source))
                    due_eval = cfg.evaluation["every"] and self.step % cfg.evaluation["every"] == 0
                    if due_eval or self.step % cfg.checkpoint["every"] == 0:
                        self.checkpoint()
                    if due_eval:
                        self.run.log_metrics(self.step, self._evaluate())
                        last_eval = self.step
                    continue
                t0 = time.perf_counter()
                finished = source.collect()
                meter.selfplay_seconds += time.perf_counter() - t0
                for f in finished:
                    meter.played(f)
                    pending[f.index].append(f)
                self._flush(pending, cfg.buffer["shard_positions"])
                if self.step == 0 and meter.due_idle():
                    self.run.log_metrics(self.step, meter.flush(source))
        except KeyboardInterrupt:
            log.warning("interrupted: committing finished games and a checkpoint at step %d", self.step)
            self._flush(pending, 1)
            self.checkpoint()
            source.close()
            raise
        except BaseException:
            source.close()
            raise
        source.close()
        self._flush(pending, 1)
        final = meter.flush(source)
        self.run.log_metrics(self.step, final)
        path = self.checkpoint()
        if cfg.evaluation["every"] and last_eval != self.step:
            final.update(self._evaluate())
            self.run.log_metrics(self.step, final)
        final.update({"step": self.step, "checkpoint": str(path)})
        return final

    def _source(self):
        if self.cfg.backend["kind"] == "ray":
            from varena.engine.train.ray_backend import RaySelfPlay

            return RaySelfPlay(self)
        return LocalSelfPlay(self)

    def _learn(self, meter) -> None:
        o = self.cfg.learner
        index, states, policy, value = self.buffer.sample(o["batch_size"], self.rng)
        t0 = time.perf_counter()
        losses = self.learner.train_step(self.games[index], states, policy, value)
        meter.learned(losses, time.perf_counter() - t0, o["batch_size"])
        self.step += 1

    def _flush(self, pending: list[list], threshold: int) -> None:
        """Write a shard for each game whose finished positions reached ``threshold``."""
        for i, items in enumerate(pending):
            n = sum(len(f.value) for f in items)
            if not items or n < threshold:
                continue
            if n:
                self.buffer.commit(i, np.concatenate([f.states for f in items]),
                                   np.concatenate([f.policy for f in items]),
                                   np.concatenate([f.value for f in items]),
                                   sum(f.games for f in items))
            items.clear()

    def _evaluate(self) -> dict[str, float]:
        from varena.engine.train.evaluate import evaluate, previous_evaluation

        latest = self.run.latest_checkpoint()
        if latest is None or latest[0] != self.step:
            self.checkpoint()
            latest = self.run.latest_checkpoint()
        t0 = time.monotonic()
        ev = self.cfg.evaluation
        metrics = evaluate(self.run.path, self.step, latest[1], previous_evaluation(self.run.path, self.step),
                           self.specs, list(self.cfg.opponents), ev, self.cfg.selfplay, self.seed)
        if ev["gating"]:
            metrics.update(self._gate())
        metrics["eval_seconds"] = time.monotonic() - t0
        log.info("evaluation at step %d: %s", self.step,
                 ", ".join(f"{k}={v:.3g}" for k, v in metrics.items()))
        return metrics


    @property
    def gate_path(self) -> Path:
        """The self-play network while gating is on (replaced when an SPRT accepts)."""
        return self.run.path / "gate" / "selfplay.safetensors"

    def _gate(self) -> dict[str, float]:
        from varena.engine.atomic import write_atomic
        from varena.engine.train.evaluate import gate, step_name

        spec = next((g.spec for g in self.games if g.num_players == 2), None)
        if spec is None:
            return {}
        mine = self.run.path / "eval" / step_name(self.step) / "net.safetensors"
        accepted, verdict = gate(spec, self.gate_path, mine, self.cfg.evaluation,
                                 self.cfg.selfplay, self.seed + self.step)
        log.info("gating at step %d: %s", self.step, verdict)
        if accepted:
            write_atomic(self.gate_path, mine.read_bytes())
            self._source_.set_selfplay(self.net)
        return {"gate_accepted": float(accepted)}


class LocalSelfPlay:
    """Self-play in this process, on the learner's own network (new weights are seen at once)."""

    def __init__(self, trainer: AlphaZeroTrainer) -> None:
        from varena.engine.train.selfplay import SelfPlay

        try:
            from varena.engine.nn.evaluator import NetEvaluator as Evaluator
        except ImportError:
            from varena.engine.nn.evaluator import Evaluator
        cfg = trainer.cfg
        self.net = trainer.net
        self.gated = cfg.evaluation["gating"]
        if self.gated:  # its own network, replaced only when a gate opens
            import copy

            from varena.engine.nn.checkpoint import load_weights

            self.net = copy.deepcopy(trainer.net)
            load_weights(trainer.gate_path, self.net)
            self.net.to(trainer.device)
        self.evaluator = Evaluator(self.net, trainer.device, amp=cfg.learner["amp"])
        slots = split_slots(cfg.selfplay["games_in_flight"], [w for _, w in cfg.games])
        self.selfplay = SelfPlay(trainer.games, slots, self.evaluator, cfg.selfplay,
                                 seed=int(trainer.rng.integers(2**31)))

    def collect(self) -> list:
        return self.selfplay.step()

    def weights_changed(self, step: int) -> None:
        pass  # shared network: every move already uses the newest weights

    def set_selfplay(self, net) -> None:
        """A gate opened: self-play takes ``net``'s weights."""
        if self.net is not net:
            self.net.load_state_dict(net.state_dict())

    def forward_seconds(self) -> float:
        return self.evaluator.stats.forward_seconds

    def close(self) -> None:
        pass
