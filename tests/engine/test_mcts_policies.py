"""Root policies, move choice and the one-player (min-max normalised) path of varena.engine.mcts."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from varena.engine.api import Kernels, NumbaGame
from varena.engine.mcts import MCTS, MCTSOptions, policies as P
from varena.engine.mcts.tree import new_tree

# -- a one-player toy: 3 steps, rewards [5, 10, 30, 12]; after action 3, action 2 pays 60 ----
# (greedy takes 2 first for 90; the optimum 3, 2, 2 makes 132). State: [step, total, bonus].


@njit(cache=True)
def _step(state, action, out):
    out[:] = state
    gain = (5, 10, 30, 12)[action]
    if action == 2 and state[2]:
        gain = 60
    out[0] += 1
    out[1] += gain
    if action == 3:
        out[2] = 1


@njit(cache=True)
def _legal(state, out):
    for i in range(out.shape[0]):
        out[i] = state[0] < 3


@njit(cache=True)
def _outcome(state):
    if state[0] >= 3:
        return True, float(state[1])
    return False, 0.0


@njit(cache=True)
def _to_play(state):
    return np.int64(0)


class Steps(NumbaGame):
    name = "steps"
    kernels = Kernels(_step, _legal, _outcome, _to_play)
    state_dtype = np.dtype(np.int16)
    state_len, num_actions, num_players, max_moves = 3, 4, 1, 3

    def initial_state(self, rng=None):
        return np.zeros(3, np.int16)


def test_one_player_search_maximises_the_objective():
    g = Steps()
    r = MCTS(g, MCTSOptions(sims=2000), seed=0).run(g.initial_state()[None])
    assert r.actions[0] == 3
    assert r.value[0] > 60  # values are objectives, not [-1, 1]
    for rule in ("uct", "puct"):
        m = MCTS(g, MCTSOptions(sims=2000, rule=rule, c=1.4), seed=1)
        s = g.initial_state()
        while not g.outcome(s)[0]:
            s = g.play(s, int(m.run(s[None]).actions[0]))
        assert g.outcome(s)[1] == 132


def test_dirichlet_alpha_is_spread_over_legal_moves():
    t = new_tree(1, 16, 4, 3, np.int16, 9)
    t.first_child[0, 0], t.num_children[0, 0] = 1, 6
    t.prior[0, 1:7] = 1 / 6
    P.add_dirichlet_noise(t, 0, np.random.default_rng(5), alpha_total=3.0, eps=0.25)
    expected = 0.75 / 6 + 0.25 * np.random.default_rng(5).dirichlet(np.full(6, 0.5))
    assert np.allclose(t.prior[0, 1:7], expected, atol=1e-6)
    assert t.prior[0, 0] == 0 and t.prior[0, 7:].sum() == 0


def test_phase_budgets():
    assert P.phase_budgets(100, 16) == [25, 25, 25, 25]
    assert P.phase_budgets(10, 6) == [4, 3, 3]
    assert P.phase_budgets(7, 1) == [7]
    assert sum(P.phase_budgets(401, 9)) == 401


def test_gumbel_halving_keeps_the_better_half():
    ch = P.RootChildren(np.arange(1, 5), np.array([4, 5, 6, 7]), np.array([3, 3, 3, 3]),
                        np.array([-1.0, 1.0, 0.0, 0.5]), np.full(4, 0.25))
    root = P.GumbelRoot.start(ch, 4, np.random.default_rng(0))
    assert sorted(root.kept.tolist()) == [0, 1, 2, 3]
    assert set(root.forced(8).tolist()) == {1, 2, 3, 4}
    root.halve(ch, P.normalised_q(ch.q, True, 0, 0), 50.0, 1.0)
    assert sorted(root.kept.tolist()) == [1, 3]  # q dominates the Gumbel noise
    assert root.choice(P.normalised_q(ch.q, True, 0, 0), 50.0, 1.0) == 1
    pi = root.improved_policy(P.normalised_q(ch.q, True, 0, 0), 0.5, 50.0, 1.0)
    assert pi.sum() == pytest.approx(1.0) and pi.argmax() == 1


def test_choose_from_visits():
    rng = np.random.default_rng(0)
    visits, q = np.array([5, 9, 9, 1]), np.array([0.1, 0.2, 0.5, 0.0])
    assert P.choose_from_visits(visits, q, 0.0, rng) == 2  # tie on visits, better q
    picks = {P.choose_from_visits(visits, q, 1.0, rng) for _ in range(200)}
    assert picks == {0, 1, 2, 3}
    target = P.visit_policy(np.array([4, 0, 2]), np.array([1, 3, 0]), 5)
    assert target.tolist() == [0.75, 0, 0, 0, 0.25]


def test_bad_options_raise_spec_errors():
    from varena.engine.errors import SpecError
    from varena.engine.mcts.options import check_options

    with pytest.raises(SpecError, match="root=dirichlet needs rule=puct"):
        check_options(MCTSOptions(root="dirichlet"))
    with pytest.raises(SpecError, match="nodes=1"):
        check_options(MCTSOptions(nodes=1))
