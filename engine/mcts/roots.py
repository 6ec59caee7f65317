"""Root policies as small objects over the trees: how the root spends its simulations and
how a move and a policy target come out of them.

The search's mechanics (descent, expansion, back-up: :mod:`varena.engine.mcts.select`,
:mod:`varena.engine.mcts.expand`) are shared; a root policy only decides

- whether the root must be evaluated before it starts (``expands_root``),
- what to do once it is (``begin``: Dirichlet noise, the Gumbel draw),
- how the simulations are split into phases, each with free or forced root children
  (``phases``), and
- which move and policy target each tree gives (``choose``).

This is the split of mctx's ``muzero_policy`` / ``gumbel_muzero_policy`` (policies apart
from the tree mechanics). The per-tree arithmetic lives in :mod:`varena.engine.mcts.policies`.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from varena.engine.mcts import policies as P
from varena.engine.mcts.options import MCTSOptions
from varena.engine.mcts.tree import Tree


class PlainRoot:
    """The descent's own rule (UCT or PUCT) at the root too; the move is the most visited
    (or sampled with ``temperature``), the target is the visit distribution."""

    expands_root = False

    def __init__(self, options: MCTSOptions, two_player: bool) -> None:
        self.options = options
        self.two_player = two_player

    def begin(self, tree: Tree, rng: np.random.Generator) -> None:
        """Called once per search, after the roots are expanded when ``expands_root``."""

    def phases(self, tree: Tree, sims: int) -> Iterator[tuple[int, np.ndarray | None]]:
        """(simulations, forced root child nodes int32 ``[B, n]`` or None for free choice)
        per phase; the generator resumes after the phase's simulations ran."""
        yield sims, None

    def choose(self, tree: Tree, b: int, children: P.RootChildren, value: float,
               rng: np.random.Generator, num_actions: int) -> tuple[int, np.ndarray]:
        """(index into ``children`` of the move, policy target float32 ``[A]``) of tree ``b``."""
        j = P.choose_from_visits(children.visits, children.q, self.options.temperature, rng)
        return j, P.visit_policy(children.actions, children.visits, num_actions)


class DirichletRoot(PlainRoot):
    """AlphaZero's exploration: Dirichlet noise mixed into the root priors, then as plain."""

    expands_root = True

    def begin(self, tree: Tree, rng: np.random.Generator) -> None:
        o = self.options
        for b in range(tree.num_nodes.shape[0]):
            P.add_dirichlet_noise(tree, b, rng, o.dirichlet_alpha, o.dirichlet_eps)


class GumbelRoot(PlainRoot):
    """Gumbel sequential halving (Danihelka et al. 2022): the kept root actions share each
    phase's simulations equally, the better half stays; the move is the last one standing,
    the target ``softmax(logits + sigma(completed q))``. It plans its budget, so a move
    time does not cut it short."""

    expands_root = True

    def __init__(self, options: MCTSOptions, two_player: bool) -> None:
        super().__init__(options, two_player)
        self.roots: list[P.GumbelRoot] = []

    def begin(self, tree: Tree, rng: np.random.Generator) -> None:
        self.roots = [P.GumbelRoot.start(P.root_children(tree, b), self.options.gumbel_m, rng)
                      for b in range(tree.num_nodes.shape[0])]

    def _qn(self, tree: Tree, b: int, q: np.ndarray) -> np.ndarray:
        return P.normalised_q(q, self.two_player, tree.vmin[b], tree.vmax[b])

    def phases(self, tree: Tree, sims: int) -> Iterator[tuple[int, np.ndarray | None]]:
        o = self.options
        m = max(r.kept.size for r in self.roots)
        for budget in P.phase_budgets(max(sims, 0), m):
            if budget == 0:
                continue
            yield budget, np.stack([r.forced(budget) for r in self.roots])
            for b, r in enumerate(self.roots):
                ch = P.root_children(tree, b)
                r.halve(ch, self._qn(tree, b, ch.q), o.gumbel_c_visit, o.gumbel_c_scale)

    def choose(self, tree: Tree, b: int, children: P.RootChildren, value: float,
               rng: np.random.Generator, num_actions: int) -> tuple[int, np.ndarray]:
        o, r = self.options, self.roots[b]
        r.children = children
        qn = self._qn(tree, b, children.q)
        j = r.choice(qn, o.gumbel_c_visit, o.gumbel_c_scale)
        root_qn = float(self._qn(tree, b, np.array([value]))[0])
        policy = np.zeros(num_actions, np.float32)
        policy[children.actions] = r.improved_policy(qn, root_qn, o.gumbel_c_visit, o.gumbel_c_scale)
        return j, policy


ROOT_POLICIES: dict[str, type[PlainRoot]] = {
    "plain": PlainRoot, "dirichlet": DirichletRoot, "gumbel": GumbelRoot,
}


def root_policy(options: MCTSOptions, two_player: bool) -> PlainRoot:
    """The root policy ``options.root`` names."""
    return ROOT_POLICIES[options.root](options, two_player)
