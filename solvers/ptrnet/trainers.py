"""The learning algorithms that wire a pointer network into ``varena train``.

- :class:`SupervisedTrainer` (``trainer = "supervised"``): teacher forcing on the games'
  reference solutions (labels from :mod:`varena.solvers.ptrnet.data`), the cross-entropy of
  each step taken over the actions the game allows there.
- :class:`ReinforceTrainer` (``trainer = "reinforce"``): REINFORCE on the game's value
  (TSP: minus the tour length; hull and Delaunay: the Jaccard score), with Kool's greedy
  rollout baseline (a frozen copy of the best policy so far, replaced when a paired t-test
  says the policy is better) or POMO's shared baseline (the mean over every first city).

Both draw each step's size from ``sizes`` (a batch holds one size: no padding of a 5-point
instance to 50), step whole batches through the game's compiled kernels, seed every step
from (seed, step) so a resumed run draws the same batches, and commit through the run
directory: weights (``checkpoints/``), optimizer moments (``optimizer.safetensors``), the
baseline (``baseline.safetensors``) and ``state.json``, so a kill loses at most the steps
since the last checkpoint.
"""

from __future__ import annotations

import copy
import logging
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from safetensors.torch import load_file, save as st_save

from varena.engine.atomic import write_atomic
from varena.engine.errors import CheckpointError
from varena.engine.host import get_host
from varena.engine.nn.checkpoint import load_weights
from varena.engine.nn.device import resolve_device
from varena.engine.train.rundir import RunDir
from varena.engine.train.trainer import Budget
from varena.games.points import HEADER
from varena.solvers.ptrnet.checkpoints import load_network, new_network, resolve, save_network
from varena.solvers.ptrnet.config import REINFORCE, SUPERVISED, TrainConfig, check_config
from varena.solvers.ptrnet.data import instance_rng, labelled, sample_items
from varena.solvers.ptrnet.decoding import rollout, teacher_forced

log = logging.getLogger("varena.ptrnet")
OPTIMIZER = "optimizer.safetensors"
BASELINE = "baseline.safetensors"


def _states(game, items: np.ndarray) -> np.ndarray:
    return np.stack([game.state_of(x) for x in items])


def _forcing_states(game, items: np.ndarray) -> np.ndarray:
    """Start states for teacher forcing, without a reference solve per instance.

    ``state_of`` of a hull or Delaunay instance runs Qhull for the referee's answer (about
    60% of a supervised hull n=50 step); teacher forcing needs only the legal masks along
    the label, which depend on the items and the tokens emitted, never on the answer. So one
    ``state_of`` is the template and each row gets its own items in the instance block
    (``game.instance`` reads ``state[HEADER : HEADER + item_dims * n]``). The rows' stored
    answers (and so their final values) are the template's: callers must not read values.
    """
    template = game.state_of(items[0])
    states = np.repeat(template[None], len(items), axis=0)
    flat = items.reshape(len(items), -1)
    states[:, HEADER:HEADER + flat.shape[1]] = flat
    return states


def _tour_lengths(items: np.ndarray, tours: np.ndarray) -> np.ndarray:
    p = np.take_along_axis(items, tours[..., None], axis=1)
    return np.linalg.norm(p - np.roll(p, -1, axis=1), axis=2).sum(axis=1)


class _Trainer:
    name: ClassVar[str] = ""
    extra: ClassVar[tuple] = ()

    def __init__(self, config: dict[str, Any], run: RunDir, device: Any, seed: int) -> None:
        self._cpu0 = time.process_time()  # this sitting's CPU time, labelling included
        self.cfg: TrainConfig = check_config(config, self.name, self.extra)
        self.run = run
        self.seed = int(self.cfg["seed"] if seed is None else seed)
        self.device = resolve_device(device) if isinstance(device, str) or device is None else device
        host = get_host()
        problem = self.cfg["problem"]
        self.games = {n: host.make_game(f"{problem}:n={n}") for n in self.cfg.sizes}
        init = self.cfg["init"]
        if init:
            self.net, meta = load_network(resolve(init))
            if meta["problem"] != problem:
                raise CheckpointError(f"ptrnet: init checkpoint {init!r} is for "
                                      f"{meta['problem']!r}, this run trains {problem!r}")
        else:
            self.net = new_network(self.cfg.net_config(), seed=self.seed)
        self.net.to(self.device)
        self.opt = torch.optim.AdamW(self.net.parameters(), lr=self.cfg["lr"],
                                     weight_decay=self.cfg["weight_decay"])
        self.step = 0
        latest = run.latest_checkpoint()
        if latest is not None:
            self.step, path = latest
            load_weights(path, self.net)
            self._load_optimizer()
            log.info("ptrnet: resumed %s at step %d", run.path, self.step)
        self.state = run.load_state()
        self._cpu_before = float(self.state.get("cpu_minutes", 0.0))  # earlier sittings
        self.eval_sets = {n: self._eval_set(g) for n, g in self.games.items()}

    # -- one learner step (the algorithms) ----------------------------------------------------
    def learn(self, step: int, rng: np.random.Generator, gen: torch.Generator) -> dict[str, float]:
        raise NotImplementedError

    # -- the loop ---------------------------------------------------------------------------
    def train(self, budget: Budget) -> dict[str, Any]:
        if budget.max_steps is None and budget.max_minutes is None:
            budget = Budget(self.cfg["max_steps"] or None, self.cfg["max_minutes"] or None,
                            started=budget.started)
        metrics: dict[str, float] = {}
        window, seen, t0 = [], 0, time.perf_counter()
        while not budget.exhausted(self.step):
            self.step += 1
            rng = np.random.default_rng([self.seed, self.step, 11])
            gen = torch.Generator(device=self.device).manual_seed(int(rng.integers(2**62)))
            self.net.train()
            for group in self.opt.param_groups:
                group["lr"] = self.lr_at(self.step)
            m = self.learn(self.step, rng, gen)
            m["lr"] = self.opt.param_groups[0]["lr"]
            seen += int(m.pop("instances"))
            window.append(m)
            c = self.cfg
            if self.step % c["log_every"] == 0:
                dt = time.perf_counter() - t0
                keys = sorted({k for w in window for k in w})
                metrics = {k: float(np.mean([w[k] for w in window if k in w])) for k in keys}
                metrics["instances_per_s"] = seen / max(dt, 1e-9)
                if self.step % c["eval_every"] == 0:
                    metrics.update(self.evaluate())
                self.run.log_metrics(self.step, metrics)
                window, seen, t0 = [], 0, time.perf_counter()
            if self.step % c["checkpoint_every"] == 0:
                self.checkpoint()
        final = self.evaluate()
        self.run.log_metrics(self.step, final)
        self.checkpoint(final)
        return {"step": self.step, "cpu_minutes": self.state["cpu_minutes"], **final}

    def lr_at(self, step: int) -> float:
        """The learning rate of ``step``: ``lr``, then linear to ``lr_end`` over
        ``lr_decay_steps`` steps after ``lr_decay_from`` (a function of the step alone, so a
        resumed run, or a run that shares the constant phase, follows the same schedule)."""
        c = self.cfg
        if c["lr_decay_steps"] <= 0 or step <= c["lr_decay_from"]:
            return c["lr"]
        frac = min(1.0, (step - c["lr_decay_from"]) / c["lr_decay_steps"])
        return c["lr"] + frac * (c["lr_end"] - c["lr"])

    def _loss_step(self, loss: torch.Tensor) -> float:
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = 0.0
        if self.cfg["grad_clip"] > 0:
            gn = float(torch.nn.utils.clip_grad_norm_(self.net.parameters(), self.cfg["grad_clip"]))
        self.opt.step()
        return gn

    # -- evaluation -------------------------------------------------------------------------
    def _eval_set(self, game) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Fixed instances per size (seeded apart from training), with TSP reference lengths."""
        count = self.cfg["eval_instances"]
        if self.cfg["problem"] == "tsp":
            items, labels = labelled(game, count, self.seed + 7919, self.run.path / "data")
            tours = np.concatenate([np.zeros((count, 1), np.int64), labels], axis=1)
            return items, _states(game, items), _tour_lengths(items, tours)
        items = sample_items(game, count, instance_rng(self.seed, game.n, game.name, salt=1))
        return items, _states(game, items), None

    def evaluate(self) -> dict[str, float]:
        """Greedy decoding on each size's fixed instances: TSP length and gap to the
        reference, otherwise the mean score and the exact-answer rate."""
        self.net.eval()
        out: dict[str, float] = {}
        for n, game in self.games.items():
            _, states, ref = self.eval_sets[n]
            values = rollout(self.net, game, states).values
            if ref is not None:
                out[f"eval_n{n}_length"] = float(-values.mean())
                out[f"eval_n{n}_gap"] = float((-values / ref - 1.0).mean())
            else:
                out[f"eval_n{n}_score"] = float(values.mean())
                out[f"eval_n{n}_exact"] = float((values >= 1.0 - 1e-9).mean())
        return out

    # -- checkpoints ------------------------------------------------------------------------
    def checkpoint(self, metrics: dict[str, float] | None = None) -> Path:
        c = self.cfg
        extra = {"trainer": self.name, "train_config": c.values, "sizes": list(c.sizes),
                 "seed": self.seed, "metrics": metrics or {}}
        specs = [g.spec for g in self.games.values()]
        path = save_network(self.run.checkpoint_path(self.step), self.net, problem=c["problem"],
                            step=self.step, trained_on=specs, extra=extra)
        self._save_optimizer()
        self.save_extra()
        self.run.commit_checkpoint(self.step, path)
        self.state["cpu_minutes"] = self._cpu_before + (time.process_time() - self._cpu0) / 60.0
        self.run.save_state({**self.state, "step": self.step})
        if c["export"] and metrics is not None:
            save_network(c["export"], self.net, problem=c["problem"], step=self.step,
                         trained_on=specs, extra=extra)
            log.info("ptrnet: exported the final weights to %s", c["export"])
        return path

    def save_extra(self) -> None:
        """Anything else the algorithm must keep for a resume (the baseline)."""

    def _save_optimizer(self) -> None:
        tensors: dict[str, torch.Tensor] = {}
        for i, p in enumerate(self.net.parameters()):
            for k, v in self.opt.state.get(p, {}).items():
                if torch.is_tensor(v):
                    tensors[f"{i}.{k}"] = v.detach().cpu().contiguous()
        write_atomic(self.run.path / OPTIMIZER, st_save(tensors))

    def _load_optimizer(self) -> None:
        path = self.run.path / OPTIMIZER
        if not path.is_file():
            log.warning("ptrnet: %s missing; resuming with fresh optimizer moments", path)
            return
        try:
            tensors = load_file(str(path))
        except Exception as exc:
            raise CheckpointError(f"{path}: unreadable optimizer state ({exc}); delete it to "
                                  "resume with fresh moments") from None
        for i, p in enumerate(self.net.parameters()):
            state = {k.split(".", 1)[1]: v.to(self.device) for k, v in tensors.items()
                     if k.split(".", 1)[0] == str(i)}
            if state:
                self.opt.state[p] = state


class SupervisedTrainer(_Trainer):
    """Teacher forcing on reference labels (the paper's training)."""

    name = "supervised"
    extra = SUPERVISED

    def __init__(self, config: dict[str, Any], run: RunDir, device: Any, seed: int) -> None:
        super().__init__(config, run, device, seed)
        data_dir = Path(self.cfg["data_dir"]) if self.cfg["data_dir"] else run.path / "data"
        self.data = {n: labelled(g, self.cfg["train_instances"], self.cfg["data_seed"], data_dir)
                     for n, g in self.games.items()}

    def learn(self, step: int, rng: np.random.Generator, gen: torch.Generator) -> dict[str, float]:
        n = self.cfg.sizes[int(rng.integers(len(self.cfg.sizes)))]
        game = self.games[n]
        items, labels = self.data[n]
        idx = rng.integers(0, len(items), self.cfg["batch"])
        forced = labels[idx]
        forced = forced[:, : int((forced >= 0).sum(axis=1).max())]
        logp, steps = teacher_forced(self.net, game, _forcing_states(game, items[idx]), forced)
        loss = -logp.sum() / float(steps.sum())
        gn = self._loss_step(loss)
        return {"loss": float(loss.detach()), "grad_norm": gn, "n": float(n), "instances": len(idx)}


class ReinforceTrainer(_Trainer):
    """REINFORCE with a greedy-rollout (Kool) or a shared multi-start (POMO) baseline."""

    name = "reinforce"
    extra = REINFORCE

    def __init__(self, config: dict[str, Any], run: RunDir, device: Any, seed: int) -> None:
        super().__init__(config, run, device, seed)
        self.baseline = None
        if self.cfg["baseline"] == "rollout":
            self.baseline = copy.deepcopy(self.net).eval()
            path = run.path / BASELINE
            if path.is_file() and self.step > 0:
                load_weights(path, self.baseline)

    def save_extra(self) -> None:
        if self.baseline is not None:
            save_network(self.run.path / BASELINE, self.baseline, problem=self.cfg["problem"],
                         step=self.state.get("baseline_step", 0))

    def learn(self, step: int, rng: np.random.Generator, gen: torch.Generator) -> dict[str, float]:
        c = self.cfg
        n = c.sizes[int(rng.integers(len(c.sizes)))]
        game = self.games[n]
        states = _states(game, sample_items(game, c["batch"], rng))
        if self.baseline is None:  # POMO: every first city, the mean of the group as baseline
            k = n - 1
            rep = np.repeat(states, k, axis=0)
            forced = np.tile(np.arange(1, n), len(states))[:, None]
            r = rollout(self.net, game, rep, sample=True, forced=forced, generator=gen, grad=True)
            reward = r.values.reshape(-1, k)
            adv = (reward - reward.mean(axis=1, keepdims=True)).reshape(-1)
            mean_reward = float(reward.max(axis=1).mean())
        else:
            r = rollout(self.net, game, states, sample=True, generator=gen, grad=True)
            with torch.no_grad():
                base = rollout(self.baseline, game, states).values
            adv = r.values - base
            mean_reward = float(r.values.mean())
        adv_t = torch.as_tensor(adv, dtype=torch.float32, device=self.device)
        loss = -(adv_t * r.logp).mean()
        gn = self._loss_step(loss)
        out = {"loss": float(loss.detach()), "reward": mean_reward, "grad_norm": gn, "n": float(n),
               "instances": len(states)}
        if self.baseline is not None and step % c["baseline_every"] == 0:
            out["baseline_updated"] = float(self._challenge(step))
        return out

    def _challenge(self, step: int) -> bool:
        """Replace the baseline when the policy's greedy rollouts are better (paired t-test,
        one-sided, p < 0.05) on fresh instances of every size."""
        from scipy.stats import ttest_rel

        self.net.eval()
        rng = np.random.default_rng([self.seed, step, 13])
        per = max(1, self.cfg["baseline_instances"] // len(self.games))
        mine, theirs = [], []
        for game in self.games.values():
            states = _states(game, sample_items(game, per, rng))
            mine.append(rollout(self.net, game, states).values)
            theirs.append(rollout(self.baseline, game, states).values)
        a, b = np.concatenate(mine), np.concatenate(theirs)
        self.net.train()
        if a.mean() <= b.mean():
            return False
        p = float(ttest_rel(a, b).pvalue) / 2.0
        if not p < 0.05:
            return False
        self.baseline.load_state_dict(self.net.state_dict())
        self.state["baseline_step"] = step
        log.info("ptrnet: baseline replaced at step %d (%.5f vs %.5f, p=%.3g)", step, a.mean(), b.mean(), p)
        return True
