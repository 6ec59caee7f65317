"""The ``supervised`` trainer of ``set2seq`` (``varena train CONFIG`` with ``solver = "set2seq"``).

Each learner step draws a fresh batch (one size, from the configured sizes; a pure
function of the seed and the step, so a resumed run sees the same data), picks the order
each label is trained in (the fixed order, or the order-search loss's choice) and takes
one Adam step on the negative log-likelihood under the decode rule.

Run directory (:class:`varena.engine.train.rundir.RunDir`): weights every
``checkpoint_every`` steps and at the end (``checkpoints/``), the optimiser's moments
beside them (``optimizer/step-*.safetensors``, written before ``latest.json`` moves), the
step in ``state.json``, metric lines (loss, teacher-forced exactness, steps/s, and the
greedy whole-output accuracy on ``eval_count`` fresh instances of each ``eval_sizes``).
A run killed at any moment resumes from the last committed checkpoint.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from safetensors.torch import load_file, save as st_save

from varena.engine.atomic import write_atomic
from varena.engine.errors import CheckpointError
from varena.engine.nn.device import resolve_device
from varena.engine.train.rundir import RunDir
from varena.engine.train.trainer import Budget
from varena.solvers.set2seq.checkpoints import load_network, new_network, save_network
from varena.solvers.set2seq.config import Settings, check_config
from varena.solvers.set2seq.data import (
    EVAL_STREAM,
    GAME_OF,
    TRAIN_STREAM,
    item_dims,
    make_batch,
    rng_for,
    set_exact,
    sorted_exact,
)
from varena.solvers.set2seq.decoding import decode
from varena.solvers.set2seq.losses import (
    OrderSearch,
    fixed_order_targets,
    nll,
    uniform_order_targets,
)
from varena.solvers.set2seq.network import NetConfig, ReadProcessWrite

log = logging.getLogger("varena.set2seq")
OPTIMIZER = "optimizer"


def accuracy(net: ReadProcessWrite, s: Settings, n: int, count: int, seed: int,
             device: torch.device, rule: str | None = None) -> float:
    """Whole-output accuracy of greedy decodes on ``count`` fresh instances of size ``n``
    (sorting: the values come out ascending; sets: exactly the label set)."""
    b = make_batch(s.task, n, count, rng_for(seed, EVAL_STREAM, n))
    was = net.training
    net.eval()
    try:
        out = decode(net, torch.from_numpy(b.items).to(device), rule or s.rule, s.has_end).cpu().numpy()
    finally:
        net.train(was)
    ok = sorted_exact(out, b.items) if s.task == "sorting" else set_exact(out, b.members)
    return float(ok.mean())


class Set2SeqTrainer:
    """Supervised Read-Process-Write training with a fixed-order or order-search loss."""

    name: ClassVar[str] = "supervised"

    def __init__(self, config: dict[str, Any], run: RunDir, device: Any, seed: int | None) -> None:
        self.s = check_config(config)
        self.run = run
        self.seed = self.s.seed if seed is None else int(seed)
        self.device = resolve_device(str(device)) if not isinstance(device, torch.device) else device
        cfg = NetConfig(item_dims=item_dims(self.s.task), **self.s.model)
        cfg.check()
        self.net = new_network(cfg, seed=self.seed).to(self.device)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=self.s.lr)
        self.search = OrderSearch(self.s.prior_steps, self.s.samples) if self.s.order == "search" else None
        self.step = 0
        self.checkpoint: Path | None = None
        latest = run.latest_checkpoint()
        if latest is not None:
            self._resume(*latest)

    # -- resume -----------------------------------------------------------------------------
    def _resume(self, step: int, path: Path) -> None:
        net, meta = load_network(path)
        if net.cfg != self.net.cfg:
            raise CheckpointError(f"{path}: network {net.cfg} does not match the config's "
                                  f"{self.net.cfg}")
        self.net.load_state_dict(net.state_dict())
        opt_path = self._optimizer_path(step)
        if opt_path.is_file():
            tensors = load_file(str(opt_path))
            state = self.opt.state_dict()
            groups: dict[int, dict[str, torch.Tensor]] = {}
            for key, value in tensors.items():
                idx, name = key.split(".", 1)
                groups.setdefault(int(idx), {})[name] = value
            state["state"] = groups
            self.opt.load_state_dict(state)
        else:
            log.warning("%s: no optimiser state for step %d; Adam's moments restart", self.run.path, step)
        self.step = int(meta["step"])
        self.checkpoint = path
        log.info("resumed %s at step %d", self.run.path, self.step)

    def _optimizer_path(self, step: int) -> Path:
        return self.run.path / OPTIMIZER / f"step-{int(step):08d}.safetensors"

    # -- one step ---------------------------------------------------------------------------
    def _targets(self, batch, step: int, rng: np.random.Generator, items: torch.Tensor) -> torch.Tensor:
        s = self.s
        if s.task == "sorting":
            return fixed_order_targets(batch.orders, items.shape[1], False)
        if self.search is not None:
            gen = torch.Generator(device=self.device).manual_seed(self.seed * 1_000_003 + step)
            return self.search.targets(self.net, items, batch.members, step, rng, gen)
        if s.order == "random":
            return uniform_order_targets(batch.members, items.shape[1], True, rng)
        return fixed_order_targets(batch.orders, items.shape[1], True)

    def learn(self) -> dict[str, float]:
        s = self.s
        rng = rng_for(self.seed, TRAIN_STREAM, self.step)
        n = int(s.sizes[rng.integers(len(s.sizes))])
        order = s.order if s.order in ("ccw", "index", "x") else "ccw"
        batch = make_batch(s.task, n, s.batch, rng, order)
        items = torch.from_numpy(batch.items).to(self.device)
        targets = self._targets(batch, self.step, rng, items).to(self.device)
        loss, exact = nll(self.net, items, targets, s.rule, s.has_end)
        lr = s.lr_at(self.step)
        for group in self.opt.param_groups:
            group["lr"] = lr
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(self.net.parameters(),
                                              s.grad_clip if s.grad_clip > 0 else float("inf"))
        self.opt.step()
        self.step += 1
        return {"loss": loss.item(), "tf_exact": exact.item(), "grad_norm": float(norm), "lr": lr,
                "n": float(n)}

    def evaluate(self) -> dict[str, float]:
        return {f"accuracy_n{n}": accuracy(self.net, self.s, n, self.s.eval_count, self.seed, self.device)
                for n in self.s.eval_sizes}

    # -- checkpoints ------------------------------------------------------------------------
    def save(self) -> Path:
        s = self.s
        path = self.run.checkpoint_path(self.step)
        save_network(path, self.net, {"task": s.task, "game": GAME_OF[s.task], "rule": s.rule,
                                      "order": s.order, "trained_on": list(s.sizes),
                                      "step": self.step, "seed": self.seed})
        opt = self.opt.state_dict()["state"]
        tensors = {f"{i}.{k}": v.detach().cpu().contiguous().reshape(v.shape)
                   for i, st in opt.items() for k, v in st.items() if torch.is_tensor(v)}
        opt_path = self._optimizer_path(self.step)
        opt_path.parent.mkdir(exist_ok=True)
        write_atomic(opt_path, st_save(tensors))
        self.run.save_state({"step": self.step, "checkpoint": path.name})
        self.run.commit_checkpoint(self.step, path)
        for old in opt_path.parent.glob("step-*.safetensors"):
            if old.name < opt_path.name and not self.run.checkpoint_path(int(old.stem[5:])).exists():
                old.unlink(missing_ok=True)
        self.checkpoint = path
        return path

    # -- the loop ---------------------------------------------------------------------------
    def train(self, budget: Budget) -> dict[str, Any]:
        s = self.s
        self.net.train()
        started, first = time.monotonic(), self.step
        sums: dict[str, float] = {}
        count, tick = 0, time.monotonic()
        final: dict[str, float] = {}
        while self.step < s.steps and not budget.exhausted(self.step):
            for k, v in self.learn().items():
                sums[k] = sums.get(k, 0.0) + v
            count += 1
            metrics: dict[str, float] = {}
            if self.step % s.log_every == 0 or self.step == s.steps:
                now = time.monotonic()
                metrics.update({k: v / count for k, v in sums.items() if k != "n"})
                metrics["steps_per_s"] = count / max(now - tick, 1e-9)
                sums, count, tick = {}, 0, now
            if s.eval_every and self.step % s.eval_every == 0:
                metrics.update(self.evaluate())
            if metrics:
                self.run.log_metrics(self.step, metrics)
                final.update(metrics)
            if self.step % s.checkpoint_every == 0:
                self.save()
        if self.step > first or self.checkpoint is None:
            ev = self.evaluate()
            self.run.log_metrics(self.step, ev)
            final.update(ev)
            if self.checkpoint is None or self.checkpoint != self.run.checkpoint_path(self.step):
                self.save()
        return {"step": self.step, "checkpoint": str(self.checkpoint), **final,
                "cpu_minutes": (time.monotonic() - started) / 60.0}
