"""Rollout MCTS on tic-tac-toe and hand-built Gomoku positions (varena.engine.mcts)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from tests.engine import tictactoe as T
from varena.engine.errors import VarenaError
from varena.engine.host import get_host
from varena.engine.mcts import MCTS, MCTSOptions, RolloutEvaluator


@pytest.fixture(scope="module")
def ttt():
    return T.game()


@pytest.fixture(scope="module")
def g9():
    return get_host().make_game("gomoku:size=9")


def board9(g9, marks: dict[str, str], to_play: int | None = None) -> np.ndarray:
    """A 9x9 position from {"X": "c5 d5 e5", "O": "..."} (gomoku move names)."""
    cells = np.zeros(81, np.int64)
    for colour, value in (("X", 1), ("O", 2)):
        for name in marks.get(colour, "").split():
            cells[g9.parse_action(name)] = value
    return g9.position(cells, to_play)


def test_finds_forced_win_and_block_tictactoe(ttt):
    win = T.position(ttt, "XX./OO./...")      # X to move: c3 wins
    block = T.position(ttt, "XX./.O./...")    # O to move: must take c3 (then draws)
    memo: dict = {}
    assert T.move_values(ttt, win, memo)[2] == 1 and T.move_values(ttt, block, memo)[2] == 0
    assert max(v for a, v in T.move_values(ttt, block, memo).items() if a != 2) == -1
    r = MCTS(ttt, MCTSOptions(sims=400), seed=0).run(np.stack([win, block]))
    assert r.actions.tolist() == [2, 2]
    assert r.value[0] > 0.9  # a sure win for the side to move


def test_finds_forced_win_and_block_gomoku(g9):
    win = board9(g9, {"X": "c5 d5 e5 f5", "O": "c7 d7 e7 h2"})           # X: b5 or g5
    block = board9(g9, {"X": "a5 b5 c5 d5", "O": "c7 d7 h2"})           # O: e5 only
    r = MCTS(g9, MCTSOptions(sims=20_000), seed=0).run(np.stack([win, block]))
    assert g9.action_name(r.actions[0]) in ("b5", "g5")
    assert g9.action_name(r.actions[1]) == "e5"


def test_visits_concentrate_on_minimax_moves(ttt):
    memo: dict = {}
    rng = np.random.default_rng(1)
    pool = [s for s in T.reachable(ttt) if len(set(T.move_values(ttt, s, memo).values())) > 1]
    states = [pool[i] for i in rng.choice(len(pool), 150, replace=False)]
    r = MCTS(ttt, MCTSOptions(sims=1000), seed=0).run(np.stack(states))
    fractions = []
    for i, s in enumerate(states):
        values = T.move_values(ttt, s, memo)
        best = max(values.values())
        optimal = [a for a, v in values.items() if v == best]
        assert r.actions[i] in optimal, ttt.render(s)
        fractions.append(r.visits[i, optimal].sum() / r.visits[i].sum())
    assert np.mean(fractions) > 0.9 and min(fractions) > 0.35


def test_deterministic_under_seed_and_threads(g9):
    s = np.stack([g9.initial_state(), g9.play(g9.initial_state(), 40)])
    runs = [MCTS(g9, MCTSOptions(sims=3000, threads=th), seed=7).run(s) for th in (1, 2, 1)]
    for r in runs[1:]:
        assert np.array_equal(r.visits, runs[0].visits) and np.array_equal(r.actions, runs[0].actions)
    other = MCTS(g9, MCTSOptions(sims=3000), seed=8).run(s)
    assert not np.array_equal(other.visits, runs[0].visits)


def test_simulation_count_and_policy_target(ttt):
    s = ttt.initial_state()
    r = MCTS(ttt, MCTSOptions(sims=300, reuse=False), seed=0).run(s[None])
    assert r.simulations.tolist() == [300] and r.visits.sum() == 299  # the root's own visit
    assert r.policy.dtype == np.float32 and r.policy.sum() == pytest.approx(1.0)
    assert np.allclose(r.policy, r.visits / r.visits.sum())


def test_temperature_samples_from_visits(ttt):
    s = ttt.initial_state()
    m = MCTS(ttt, MCTSOptions(sims=200, reuse=False, temperature=1.0), seed=3)
    moves = {int(m.run(s[None]).actions[0]) for _ in range(12)}
    assert len(moves) > 1  # argmax would always pick the same most-visited cell


def test_tree_reuse_keeps_the_subtree(ttt):
    s0 = ttt.initial_state()
    m = MCTS(ttt, MCTSOptions(sims=500), seed=0)
    r0 = m.run(s0[None])
    s1 = ttt.play(s0, int(r0.actions[0]))
    reply = int(np.flatnonzero(ttt.legal_mask(s1))[0])
    s2 = ttt.play(s1, reply)
    carried = r0.visits[0, r0.actions[0]]
    r2 = m.run(s2[None])
    assert r2.visits.sum() + 1 > 500  # old visits below the reply were kept
    assert carried > 0
    fresh = MCTS(ttt, MCTSOptions(sims=500, reuse=False), seed=0)
    fresh.run(s0[None])
    assert fresh.run(s2[None]).visits.sum() == 499


def test_reused_root_takes_its_own_viewpoint(ttt):
    """After our own move (self-play), the child becomes the root with its statistics,
    its value turned to the viewpoint of the player now to move."""
    s0 = T.position(ttt, "X../.O./...", to_play=0)
    m = MCTS(ttt, MCTSOptions(sims=600), seed=0)
    r0 = m.run(s0[None])
    a = int(r0.actions[0])
    s1 = ttt.play(s0, a)
    m._roots(s1[None])
    assert m.tree.visits[0, 0] == r0.visits[0, a]
    assert m.tree.value_sum[0, 0] / m.tree.visits[0, 0] == pytest.approx(-r0.q[0, a], abs=1e-6)
    r1 = m.run(s1[None])
    assert r1.visits.sum() + 1 > 600


def test_reuse_stays_within_the_pool(g9):
    m = MCTS(g9, MCTSOptions(sims=300), seed=0)
    s = g9.initial_state()
    shape = None
    for _ in range(8):
        r = m.run(s[None])
        assert not r.pool_full[0]
        shape = shape or m.tree.parent.shape
        assert m.tree.parent.shape == shape
        s = g9.play(s, int(r.actions[0]))
        if g9.outcome(s)[0]:
            break
        s = g9.play(s, int(np.flatnonzero(g9.legal_mask(s))[0]))
        if g9.outcome(s)[0]:
            break


def test_pool_full_stops_gracefully(ttt, caplog):
    s = ttt.initial_state()
    with caplog.at_level(logging.WARNING, logger="varena.mcts"):
        r = MCTS(ttt, MCTSOptions(sims=500, nodes=40), seed=0).run(s[None])
    assert r.pool_full[0] and 0 < r.simulations[0] < 500
    assert ttt.legal_mask(s)[r.actions[0]]
    assert "filled up" in caplog.text


def test_node_budget_below_one_expansion_is_a_spec_error(ttt):
    # nodes=2 used to leave the root unexpanded: a numpy traceback when choosing the move
    from varena.engine.errors import SpecError

    with pytest.raises(SpecError, match=r"nodes=2 is too small .*accepted: 0 or integer >= 10"):
        MCTS(ttt, MCTSOptions(sims=20, nodes=2), seed=0)
    s = ttt.initial_state()
    m = MCTS(ttt, MCTSOptions(sims=20, nodes=10), seed=0)  # just the root and its 9 children
    for _ in range(3):
        s = ttt.play(s, int(m.run(s[None]).actions[0]))


def test_dirichlet_root(ttt):
    win = T.position(ttt, "XX./OO./...")
    opts = MCTSOptions(sims=400, rule="puct", root="dirichlet", c=1.25, dirichlet_eps=0.5)
    m = MCTS(ttt, opts, seed=0)
    r = m.run(win[None])
    assert r.actions[0] == 2
    fc, nc = m.tree.first_child[0, 0], m.tree.num_children[0, 0]
    priors = m.tree.prior[0, fc:fc + nc]
    assert priors.sum() == pytest.approx(1.0, abs=1e-5)
    assert priors.std() > 0.01  # uniform rollout priors, perturbed by the noise


def test_gumbel_root(ttt):
    win = T.position(ttt, "XX./OO./...")
    block = T.position(ttt, "XX./.O./...")
    opts = MCTSOptions(sims=400, rule="puct", root="gumbel", gumbel_m=8)
    r = MCTS(ttt, opts, seed=0).run(np.stack([win, block]))
    assert r.actions.tolist() == [2, 2]
    assert r.simulations.tolist() == [400, 400]
    # sequential halving: 6 legal moves -> 3 phases; survivors get most visits
    assert (np.sort(r.visits[1])[-2:] > 100).all()
    assert np.allclose(r.policy.sum(axis=1), 1.0) and r.policy[0, 2] == r.policy[0].max()
    legal = np.stack([ttt.legal_mask(win), ttt.legal_mask(block)])
    assert (r.policy[~legal] == 0).all()


def test_external_evaluator_with_virtual_loss(ttt):
    calls = []
    rollout = RolloutEvaluator(ttt, 2, seed=0)

    def evaluate(states):
        calls.append(len(states))
        return rollout(states)

    win = T.position(ttt, "XX./OO./...")
    block = T.position(ttt, "XX./.O./...")
    opts = MCTSOptions(sims=200, leaves=4)
    r = MCTS(ttt, opts, evaluator=evaluate, seed=0).run(np.stack([win, block]))
    assert r.actions.tolist() == [2, 2]
    assert len(calls) <= 50 and max(calls) <= 8  # one call per step: B=2 trees x 4 leaves


def test_a_slow_evaluator_keeps_to_the_move_time_at_a_large_sims_budget():
    """Slices follow the measured rate: 10 ms an evaluation (a network on one CPU thread)
    with sims=100000 once ran ~1,500 simulations (~2 s here) before the clock was read."""
    import time

    from varena.engine.host import get_host

    game = get_host().make_game("gomoku:size=9")
    calls = []

    def slow(states):
        calls.append(len(states))
        time.sleep(0.01)
        return np.full((len(states), game.num_actions), 1.0, np.float32), np.zeros(len(states), np.float32)

    m = MCTS(game, MCTSOptions(sims=100_000, leaves=8, rule="puct"), evaluator=slow, seed=0)
    m.move_time = 0.2
    start = time.perf_counter()
    r = m.run(game.initial_state()[None])
    elapsed = time.perf_counter() - start
    assert 0.2 <= elapsed < 1.0, elapsed
    assert 16 <= r.visits.sum() < 1_000 and len(calls) < 100


def test_bad_evaluator_and_terminal_state(ttt):
    m = MCTS(ttt, MCTSOptions(sims=10), evaluator=lambda s: (np.ones((len(s), 3)), np.zeros(len(s))))
    with pytest.raises(VarenaError, match="expected"):
        m.run(ttt.initial_state()[None])
    over = T.position(ttt, "XXX/OO./...")
    with pytest.raises(VarenaError, match="terminal"):
        MCTS(ttt, MCTSOptions(sims=10)).run(over[None])


def test_without_playout_kernel(ttt):
    """Games without a playout kernel get the generic compiled random playout."""
    game = T.game()
    game.kernels = game.kernels._replace(playout=None, heuristic=None)
    block = T.position(game, "XX./.O./...")
    r = MCTS(game, MCTSOptions(sims=400), seed=0).run(block[None])
    assert r.actions[0] == 2


def test_move_time_stops_the_search_early_but_always_finds_a_move():
    import time

    from varena.engine.host import get_host

    game = get_host().make_game("gomoku:size=9")
    agent = get_host().make_agent("mcts:sims=1000000", game, seed=1)
    agent.set_move_time(0.2)
    state = game.initial_state()
    agent.select_actions(state[None])  # compile outside the timed call
    start = time.perf_counter()
    action = agent.select_actions(state[None])[0]
    assert time.perf_counter() - start < 10.0 and game.legal_mask(state)[action]
    assert 8 <= agent.last_result.visits.sum() < 1_000_000
    agent.set_move_time(0.0)
    agent.reset()
    agent.select_actions(state[None])
    assert agent.last_result.visits.sum() >= 8  # the first slice always runs
