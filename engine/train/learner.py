"""The learner: AdamW on policy cross-entropy + value MSE, a warm-up/cosine schedule,
gradient clipping, bf16 autocast on CUDA, and a bound on training per new position.

The network is any :class:`varena.engine.nn.evaluator.PolicyValueNet` whose ``forward``
returns (logits with illegal actions at -inf, values): the learner encodes a minibatch with
the network's own ``encode``, as the evaluator does.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import torch

from varena.engine.api import Game
from varena.engine.errors import CheckpointError
from varena.engine.nn.device import autocast, configure_cpu_threads, keep_cpu_threads


def lr_at(step: int, o: dict[str, Any]) -> float:
    """The learning rate of step ``step`` (0-based) under the learner options ``o``."""
    peak = o["lr"]
    if o["warmup_steps"] and step < o["warmup_steps"]:
        return peak * (step + 1) / o["warmup_steps"]
    if o["schedule"] == "constant":
        return peak
    span = max(1, o["decay_steps"] - o["warmup_steps"])
    t = min(1.0, max(0.0, (step - o["warmup_steps"]) / span))
    low = peak * o["final_lr_fraction"]
    return low + 0.5 * (peak - low) * (1.0 + math.cos(math.pi * t))


def allowed_steps(committed: int, o_learner: dict[str, Any], min_positions: int) -> int:
    """Learner steps the committed positions pay for (KataGo's limit on training per new
    data): ``samples_per_position`` sampled positions per committed one, past the first
    ``min_positions``."""
    if committed < min_positions:
        return 0
    return int(o_learner["samples_per_position"] * committed / o_learner["batch_size"])


class Learner:
    """Trains ``net`` (already on ``device``) one minibatch at a time."""

    def __init__(self, net: torch.nn.Module, options: dict[str, Any], device: torch.device) -> None:
        self.net = net
        self.o = dict(options)
        self.device = device
        decay, plain = [], []
        for name, p in net.named_parameters():
            # biases, norms, embeddings and learned tokens are not decayed (as in ViT recipes)
            (decay if p.ndim >= 2 and "embed" not in name and "norm" not in name else plain).append(p)
        self.opt = torch.optim.AdamW(
            [{"params": decay, "weight_decay": self.o["weight_decay"]},
             {"params": plain, "weight_decay": 0.0}], lr=self.o["lr"])
        self.step_count = 0
        if device.type == "cpu":
            configure_cpu_threads()  # torch's default thread count stalls on a shared CPU

    def train_step(self, game: Game, states: np.ndarray, policy: np.ndarray, value: np.ndarray
                   ) -> dict[str, float]:
        """One optimiser step on one game's minibatch; returns the losses."""
        net, dev = self.net, self.device
        if dev.type == "cpu":
            keep_cpu_threads()  # numba's thread pool may have reset it
        lr = lr_at(self.step_count, self.o)
        for group in self.opt.param_groups:
            group["lr"] = lr
        net.train()
        legal = game.legal_masks(states)
        enc = net.encode(game, game.tokens(states), legal, dev)
        target_p = torch.from_numpy(np.ascontiguousarray(policy, np.float32)).to(dev)
        target_v = torch.from_numpy(np.ascontiguousarray(value, np.float32)).to(dev)
        with autocast(dev, self.o["amp"]):
            logits, v = net([enc])
        logits = logits.float()[:, : game.num_actions]
        logp = torch.log_softmax(logits, dim=-1)
        # targets are 0 on illegal actions, where logp is -inf: 0 * -inf must count as 0
        ce = -torch.where(target_p > 0, target_p * logp, torch.zeros_like(logp)).sum(-1).mean()
        # the entropy of the targets: the part of the cross-entropy no network can remove
        ent = -torch.where(target_p > 0, target_p * torch.log(target_p.clamp_min(1e-12)),
                           torch.zeros_like(target_p)).sum(-1).mean()
        mse = torch.mean((v.float() - target_v) ** 2)
        loss = ce + self.o["value_weight"] * mse
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        grad = 0.0
        if self.o["clip"] > 0:
            grad = float(torch.nn.utils.clip_grad_norm_(net.parameters(), self.o["clip"]))
        self.opt.step()
        self.step_count += 1
        net.eval()
        return {"loss": loss.item(), "policy_loss": ce.item(), "policy_kl": (ce - ent).item(),
                "value_loss": mse.item(), "grad_norm": grad, "lr": lr}

    # -- checkpointed state ------------------------------------------------------------------
    def state_tensors(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """The optimiser as (tensors, JSON metadata), for a safetensors file."""
        sd = self.opt.state_dict()
        tensors: dict[str, torch.Tensor] = {}
        scalars: dict[str, dict[str, Any]] = {}
        for pid, st in sd["state"].items():
            for key, value in st.items():
                if torch.is_tensor(value):
                    tensors[f"{pid}.{key}"] = value.detach().cpu().contiguous()
                else:
                    scalars.setdefault(str(pid), {})[key] = value
        meta = {"param_groups": sd["param_groups"], "scalars": scalars, "step_count": self.step_count}
        json.dumps(meta)  # fail here, not half-way through a checkpoint
        return tensors, meta

    def load_state_tensors(self, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
        state: dict[int, dict[str, Any]] = {}
        for key, value in tensors.items():
            pid, _, name = key.partition(".")
            state.setdefault(int(pid), {})[name] = value
        for pid, extra in meta.get("scalars", {}).items():
            state.setdefault(int(pid), {}).update(extra)
        try:
            self.opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
        except (ValueError, KeyError, RuntimeError) as exc:
            raise CheckpointError(f"the optimiser state does not fit this network: {exc}") from None
        self.step_count = int(meta.get("step_count", 0))
