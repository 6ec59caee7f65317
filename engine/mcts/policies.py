"""Root policies: how the root spends its simulations and how a move is picked from them.

Small functions over the root's children (mctx style); the descent below the root is the
shared UCT/PUCT rule of :mod:`varena.engine.mcts.select`.

- Dirichlet noise (AlphaZero): root priors become ``(1 - eps) P + eps Dir(alpha)`` with
  ``alpha = total / num_legal`` per move, so the noise has the same spread on any board.
- Gumbel sequential halving (Danihelka et al. 2022, "Policy improvement by planning with
  Gumbel"): sample ``g ~ Gumbel`` per root action, keep the top ``m`` of ``g + logits``,
  split the simulations into ``ceil(log2 m)`` phases that visit the kept actions equally,
  and halve them after each phase by ``g + logits + sigma(q)``. The move is the last one
  standing; the policy target is ``softmax(logits + sigma(completed q))``.
- Moves from visit counts with a temperature; visit distributions as policy targets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class RootChildren:
    """The root's children of one tree (each array ``[n]``, in stored order)."""

    nodes: np.ndarray     # int64 node indices
    actions: np.ndarray   # int64
    visits: np.ndarray    # int64
    q: np.ndarray         # float64 mean value, root player's view (0 where unvisited)
    prior: np.ndarray     # float64


def root_children(tree, b: int) -> RootChildren:
    """The children of tree ``b``'s root (empty arrays if the root is not expanded)."""
    fc, nc = int(tree.first_child[b, 0]), int(tree.num_children[b, 0])
    if fc < 0:
        nc = fc = 0
    sl = slice(fc, fc + nc)
    visits = tree.visits[b, sl].astype(np.int64)
    q = np.where(visits > 0, tree.value_sum[b, sl] / np.maximum(visits, 1), 0.0)
    return RootChildren(np.arange(fc, fc + nc), tree.action[b, sl].astype(np.int64), visits, q,
                        tree.prior[b, sl].astype(np.float64))


def add_dirichlet_noise(tree, b: int, rng: np.random.Generator, alpha_total: float, eps: float) -> None:
    """Mix Dirichlet noise into the priors of tree ``b``'s root children (in place)."""
    fc, nc = int(tree.first_child[b, 0]), int(tree.num_children[b, 0])
    if fc < 0 or nc == 0 or eps <= 0.0:
        return
    noise = rng.dirichlet(np.full(nc, alpha_total / nc))
    p = tree.prior[b, fc : fc + nc].astype(np.float64)
    tree.prior[b, fc : fc + nc] = ((1.0 - eps) * p + eps * noise).astype(np.float32)


def normalised_q(q: np.ndarray, two_player: bool, vmin: float, vmax: float) -> np.ndarray:
    """Values mapped to [0, 1]: ``(q + 1) / 2`` for two players, min-max for one."""
    if two_player:
        return (np.clip(q, -1.0, 1.0) + 1.0) / 2.0
    if vmax > vmin:
        return (q - vmin) / (vmax - vmin)
    return np.full_like(q, 0.5)


def sigma(qn: np.ndarray, visits: np.ndarray, c_visit: float, c_scale: float) -> np.ndarray:
    """The monotone transform of normalised values of the Gumbel paper."""
    max_n = float(visits.max()) if visits.size else 0.0
    return (c_visit + max_n) * c_scale * qn


def phase_budgets(sims: int, m: int) -> list[int]:
    """Simulations of each sequential-halving phase: ``ceil(log2 m)`` near-equal shares."""
    phases = max(1, math.ceil(math.log2(m))) if m > 1 else 1
    base, extra = divmod(sims, phases)
    return [base + (1 if i < extra else 0) for i in range(phases)]


@dataclass
class GumbelRoot:
    """Sequential halving state of one tree's root."""

    children: RootChildren
    logits: np.ndarray    # float64 [n]
    gumbel: np.ndarray    # float64 [n]
    kept: np.ndarray      # int64 indices into children, best first

    @classmethod
    def start(cls, children: RootChildren, m: int, rng: np.random.Generator) -> GumbelRoot:
        logits = np.log(np.maximum(children.prior, 1e-30))
        g = rng.gumbel(size=children.prior.size)
        order = np.argsort(-(g + logits), kind="stable")
        return cls(children, logits, g, order[: max(1, min(m, order.size))])

    def forced(self, n: int) -> np.ndarray:
        """Root child nodes of the next ``n`` simulations: the kept actions in turn."""
        nodes = self.children.nodes[self.kept]
        return nodes[np.arange(n) % nodes.size].astype(np.int32)

    def halve(self, children: RootChildren, qn: np.ndarray, c_visit: float, c_scale: float) -> None:
        """Keep the better half of the kept actions by ``g + logits + sigma(q)``."""
        self.children = children
        score = self.gumbel + self.logits + sigma(qn, children.visits, c_visit, c_scale)
        kept = self.kept[np.argsort(-score[self.kept], kind="stable")]
        self.kept = kept[: max(1, math.ceil(kept.size / 2))]

    def choice(self, qn: np.ndarray, c_visit: float, c_scale: float) -> int:
        """Index (into children) of the move: the best kept action."""
        score = self.gumbel + self.logits + sigma(qn, self.children.visits, c_visit, c_scale)
        return int(self.kept[np.argmax(score[self.kept])])

    def improved_policy(self, qn: np.ndarray, root_qn: float, c_visit: float, c_scale: float) -> np.ndarray:
        """``softmax(logits + sigma(completed q))``; unvisited actions take the root's value."""
        completed = np.where(self.children.visits > 0, qn, root_qn)
        z = self.logits + sigma(completed, self.children.visits, c_visit, c_scale)
        z = np.exp(z - z.max())
        return z / z.sum()


def choose_from_visits(visits: np.ndarray, q: np.ndarray, temperature: float,
                       rng: np.random.Generator) -> int:
    """An index by visit count: most visited (ties: higher q, then at random) when
    ``temperature`` is 0, else sampled with probability proportional to ``N ** (1/T)``."""
    if temperature <= 0.0:
        top = np.flatnonzero(visits == visits.max())
        if top.size > 1:
            qt = q[top]
            top = top[qt == qt.max()]
        return int(top[rng.integers(top.size)]) if top.size > 1 else int(top[0])
    w = visits.astype(np.float64) ** (1.0 / temperature)
    if w.sum() <= 0:
        w = np.ones_like(w)
    return int(rng.choice(visits.size, p=w / w.sum()))


def visit_policy(actions: np.ndarray, visits: np.ndarray, num_actions: int) -> np.ndarray:
    """The visit distribution over all actions (float32 ``[A]``), the usual policy target."""
    out = np.zeros(num_actions, np.float32)
    total = visits.sum()
    if total > 0:
        out[actions] = visits / total
    return out
