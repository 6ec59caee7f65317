"""Baseline solvers: random, rollout MCTS and alpha-beta, through the host like users do."""

from __future__ import annotations

import numpy as np
import pytest

from tests.engine import tictactoe as T
from varena.engine.errors import SpecError, VarenaError
from varena.engine.host import get_host


@pytest.fixture(scope="module")
def host():
    return get_host()


@pytest.fixture(scope="module")
def ttt():
    return T.game()


@pytest.fixture(scope="module")
def g9(host):
    return host.make_game("gomoku:size=9")


def test_alphabeta_equals_full_minimax_on_tictactoe(host, ttt):
    memo: dict = {}
    states = T.reachable(ttt)
    agent = host.make_agent("alphabeta:depth=9", ttt, seed=0)
    actions = agent.select_actions(np.stack(states))
    for s, a, v in zip(states, actions, agent.last_values, strict=True):
        exact = T.minimax(ttt, s, memo)
        assert T.move_values(ttt, s, memo)[int(a)] == exact, ttt.render(s)
        assert np.sign(round(v, 6)) == exact  # wins score above 2, losses below -2, draws 0


def _position9(g9, x: str, o: str) -> np.ndarray:
    cells = np.zeros(81, np.int64)
    for colour, names in ((1, x), (2, o)):
        for name in names.split():
            cells[g9.parse_action(name)] = colour
    return g9.position(cells)


@pytest.mark.parametrize("spec", ["alphabeta:depth=1", "alphabeta:depth=3", "mcts:sims=5000"])
def test_forced_win_and_block_gomoku(host, g9, spec):
    win = _position9(g9, "c5 d5 e5 f5", "c7 d7 e7 h2")   # X to move: b5 or g5
    block = _position9(g9, "a5 b5 c5 d5", "c7 d7 h2")    # O to move: e5 or lose
    agent = host.make_agent(spec, g9, seed=0)
    w = agent.select_actions(win[None])[0]
    assert g9.action_name(w) in ("b5", "g5")
    if spec != "alphabeta:depth=1":
        assert g9.action_name(agent.select_actions(block[None])[0]) == "e5"


def test_alphabeta_sees_a_double_threat(host, ttt):
    # X to move makes two threats at once with b2 (a1 and c1 both win next): depth 3 needed
    s = T.position(ttt, "X.O/.../X.O", to_play=0)
    memo: dict = {}
    best = max(T.move_values(ttt, s, memo).values())
    agent = host.make_agent("alphabeta:depth=3", ttt, seed=0)
    assert T.move_values(ttt, s, memo)[int(agent.select_actions(s[None])[0])] == best == 1


def test_alphabeta_without_heuristic_uses_rollouts(host):
    game = T.game()
    game.kernels = game.kernels._replace(heuristic=None)
    agent = host.make_agent("alphabeta:depth=2,rollouts=8", game, seed=0)
    block = T.position(game, "XX./.O./...")
    assert agent.select_actions(block[None])[0] == 2


def test_alphabeta_deterministic_and_batched(host, g9):
    s = np.stack([g9.initial_state(), g9.play(g9.initial_state(), 40)])
    a = host.make_agent("alphabeta:depth=2", g9, seed=3).select_actions(s)
    b = host.make_agent("alphabeta:depth=2,threads=2", g9, seed=3).select_actions(s)
    assert np.array_equal(a, b)


def test_mcts_agent_plays_tictactoe_without_losing(host, ttt):
    for first in (0, 1):
        agents = [host.make_agent("mcts:sims=300", ttt, seed=1), host.make_agent("random", ttt, seed=2)]
        if first:
            agents.reverse()
        s = ttt.initial_state()
        while not ttt.outcome(s)[0]:
            s = ttt.play(s, int(agents[ttt.to_play(s)].select_actions(s[None])[0]))
        mcts_player = first
        assert ttt.returns(s)[mcts_player] >= 0


def test_mcts_agent_exposes_search_results(host, ttt):
    agent = host.make_agent("mcts:sims=200,rollouts=2,threads=2", ttt, seed=0)
    agent.select_actions(np.stack([ttt.initial_state()] * 3))
    r = agent.last_result
    assert r.policy.shape == (3, 9) and r.simulations.tolist() == [200, 200, 200]
    agent.reset()


@pytest.mark.parametrize("spec, words", [
    ("mcts:sims=0", "sims=.0. is not accepted"),
    ("mcts:rule=greedy", "rule"),
    ("mcts:root=dirichlet", "needs rule=puct"),
    ("mcts:rollouts=x", "rollouts"),
    ("mcts:depth=3", "unknown parameter 'depth'"),
    ("alphabeta:depth=0", "depth=.0. is not accepted"),
    ("alphabeta:depth=99", "too large"),
])
def test_bad_params_give_spec_errors(host, ttt, spec, words):
    with pytest.raises(SpecError, match=words) as info:
        host.make_agent(spec, ttt)
    assert "\n" not in str(info.value)


def test_supports_plain_python_games_too(host):
    from tests.solvers.toys import ToyBoard, ToyPoints
    from varena.solvers.baselines import AlphaBetaSolver, MCTSSolver

    toy = ToyBoard.from_params()  # no kernels: searched interpreted (tests/engine/test_plain_python.py)
    assert MCTSSolver.supports(toy) and AlphaBetaSolver.supports(toy)
    assert MCTSSolver.supports(T.game()) and AlphaBetaSolver.supports(T.game())
    assert MCTSSolver.supports(ToyPoints.from_params()) and not AlphaBetaSolver.supports(ToyPoints.from_params())


def test_terminal_state_is_refused(host, ttt):
    over = T.position(ttt, "XXX/OO./...")
    for spec in ("mcts:sims=10", "alphabeta:depth=2"):
        with pytest.raises(VarenaError, match="terminal"):
            host.make_agent(spec, ttt).select_actions(over[None])
