"""The learning objectives: the plain fixed-order loss and the order-search loss.

Both are negative log-likelihoods of a target sequence under the decode rule; they differ
in which order of the label the target is.

- :func:`fixed_order_targets`: the order the data gives (sorting's ascending order, or a
  chosen fixed order of a set), the baseline.
- :class:`OrderSearch` (Order Matters, section 5.2): for a label that is a set, train on
  max over orders pi of log p(Y_pi | X). The max is intractable, so for the first
  ``prior_steps`` steps the order is drawn from a uniform prior (a fresh random
  permutation of the set), and afterwards orders are drawn in proportion to the model's
  own probability of them (``samples`` proposals restricted to the set, resampled by
  importance weight: :func:`varena.solvers.set2seq.decoding.sample_set_orders`). The
  model's favourite orders get reinforced, so it settles on an order it finds easy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from varena.solvers.set2seq.data import with_end
from varena.solvers.set2seq.decoding import sample_set_orders, teacher_forced
from varena.solvers.set2seq.network import ReadProcessWrite


def fixed_order_targets(orders: np.ndarray, n: int, end: bool) -> torch.Tensor:
    return torch.from_numpy(with_end(orders, n) if end else orders)


def uniform_order_targets(members: np.ndarray, n: int, end: bool,
                          rng: np.random.Generator) -> torch.Tensor:
    """A uniformly random order of each row's set (then ``end``)."""
    orders = np.full(members.shape, -1, np.int64)
    for i, m in enumerate(members):
        idx = np.flatnonzero(m)
        orders[i, :len(idx)] = rng.permutation(idx)
    return fixed_order_targets(orders, n, end)


@dataclass(frozen=True, slots=True)
class OrderSearch:
    """The order-search schedule; see the module doc."""

    prior_steps: int = 1000
    samples: int = 4

    def phase(self, step: int) -> str:
        return "prior" if step < self.prior_steps else "model"

    def targets(self, net: ReadProcessWrite, items: torch.Tensor, members: np.ndarray,
                step: int, rng: np.random.Generator, generator: torch.Generator) -> torch.Tensor:
        """The order each row is trained on at ``step`` (int64 ``[B, T]``, -1 padded, then
        ``end``): a uniform one in the prior phase, else one drawn by the model."""
        if self.phase(step) == "prior":
            return uniform_order_targets(members, items.shape[1], True, rng)
        was_training = net.training
        net.eval()
        try:
            orders, logw = sample_set_orders(net, items, torch.from_numpy(members), self.samples,
                                             generator)
        finally:
            net.train(was_training)
        b, k = items.shape[0], self.samples
        pick = torch.multinomial(torch.softmax(logw.view(b, k), dim=1), 1, generator=generator)[:, 0]
        return orders[torch.arange(b) * k + pick]


def nll(net: ReadProcessWrite, items: torch.Tensor, targets: torch.Tensor, rule: str,
        has_end: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean negative log-likelihood of ``targets`` and the share decoded exactly (teacher
    forced, greedy at every step)."""
    logp, exact = teacher_forced(net, items, targets, rule, has_end)
    return -logp.mean(), exact.float().mean()
