"""Gymnasium and PettingZoo adapters: API checkers, opponents, one-player games, masks."""

from __future__ import annotations

import warnings

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import varena.engine.envs  # noqa: F401  (registers the env ids)
from varena.engine.api import Game, Solver, Tokens
from varena.engine.envs import VarenaEnv, feature_range, make_game
from varena.engine.errors import IllegalMoveError, SpecError
from varena.engine.host import get_host


class Pick(Game):
    """One-player test game: three times pick one of four values; maximise the sum."""

    name = "pick-test"
    num_players = 1
    num_actions = 4
    state_len = 2
    state_dtype = np.dtype(np.float64)
    max_moves = 3
    VALUES = np.array([1.0, 5.0, 2.0, 3.0])

    def initial_state(self, rng=None):
        return np.zeros(2)

    def next_state(self, state, action):
        return np.array([state[0] + 1, state[1] + self.VALUES[action]])

    def legal_mask(self, state):
        return np.full(4, state[0] < 3)

    def outcome(self, state):
        return bool(state[0] >= 3), float(state[1])

    def to_play(self, state):
        return 0

    def tokens(self, states):
        b = len(states)
        feats = np.broadcast_to(self.VALUES[None, :, None], (b, 4, 1)).astype(np.float32)
        glob = np.asarray(states, dtype=np.float32)
        return Tokens(feats.copy(), None, np.arange(4), glob)


@pytest.fixture(autouse=True)
def _quiet_gym():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # gymnasium warns about unbounded Boxes
        yield


@pytest.mark.parametrize("kwargs", [
    {"size": 5, "k": 4}, {"size": 6, "k": 4, "player": 1}, {"size": 7, "rule": "renju"},
    {"width": 7, "height": 5, "k": 4, "flatten": True},
])
def test_gomoku_env_passes_check_env(kwargs):
    env = gymnasium.make("varena/Gomoku-v0", **kwargs)
    check_env(env.unwrapped)


def test_gomoku_env_episode_and_rewards():
    env = gymnasium.make("varena/Gomoku-v0", size=5, k=4, opponent="random", render_mode="ansi")
    obs, info = env.reset(seed=3)
    assert obs.shape == (25, 4) and obs.dtype == np.float32
    assert info["action_mask"].dtype == np.int8 and info["action_mask"].sum() == 25
    total, done, steps = 0.0, False, 0
    rng = np.random.default_rng(0)
    while not done:
        action = int(rng.choice(np.flatnonzero(info["action_mask"])))
        obs, reward, done, truncated, info = env.step(action)
        total += reward
        steps += 1
        assert not truncated
    assert total in (-1.0, 0.0, 1.0) and steps <= 13
    assert "a b c d e" in env.render()
    assert env.unwrapped.action_masks().sum() == 0


def test_second_player_sees_the_opponent_move_first():
    env = VarenaEnv("gomoku:size=5,k=4", player=1, seed=1)
    obs, info = env.reset()
    assert info["action_mask"].sum() == 24 and info["to_play"] == 1
    assert obs[:, 1].sum() == 1  # the opponent's first stone


def test_same_seed_same_episode():
    def run(seed):
        env = VarenaEnv("gomoku:size=6,k=4", player=1)
        obs, info = env.reset(seed=seed)
        trace = [obs.copy()]
        done = False
        while not done:
            obs, r, done, _, info = env.step(int(np.flatnonzero(info["action_mask"])[0]))
            trace.append(obs.copy())
        return np.stack(trace), r

    a, b = run(7), run(7)
    assert np.array_equal(a[0], b[0]) and a[1] == b[1]


def test_illegal_action_policy():
    env = VarenaEnv("gomoku:size=5,k=4")
    obs, info = env.reset(seed=0)
    env.step(12)
    taken = int(np.flatnonzero(env.game.board(env.state).reshape(-1) == 2)[0])
    _, reward, done, _, info = env.step(taken)
    assert done and reward == -1.0 and info["illegal_action"]
    with pytest.raises(RuntimeError):
        env.step(0)
    strict = VarenaEnv("gomoku:size=5,k=4", illegal="raise")
    strict.reset(seed=0)
    with pytest.raises(IllegalMoveError):
        strict.step(99)


def test_one_player_game_has_no_opponent():
    env = VarenaEnv(Pick(), opponent="random")
    check_env(env)
    obs, info = env.reset(seed=0)
    assert obs.shape == (4, 1)
    rewards = [env.step(1)[1] for _ in range(3)]
    assert rewards == [0.0, 0.0, 15.0]


def test_bad_arguments_are_spec_errors():
    with pytest.raises(SpecError):
        gymnasium.make("varena/Gomoku-v0", size=2)
    with pytest.raises(SpecError):
        VarenaEnv("gomoku:size=5", player=2)
    with pytest.raises(SpecError):
        VarenaEnv("gomoku:size=5", opponent="no-such-solver")


def test_generic_game_env_id():
    env = gymnasium.make("varena/Game-v0", game="gomoku:size=4,k=3")
    obs, info = env.reset(seed=0)
    assert obs.shape == (16, 4)


def test_go_env_when_go_is_installed():
    if "go" not in get_host().games:
        pytest.skip("varena.games.go is not available yet")
    env = gymnasium.make("varena/Go-v0", size=5, komi=0.5)
    check_env(env.unwrapped)


def test_pettingzoo_aec_env_passes_api_test():
    pytest.importorskip("pettingzoo", reason="pettingzoo is optional")
    from pettingzoo.test import api_test

    from varena.engine.envs import VarenaAECEnv

    for spec in ("gomoku:size=5,k=4", "gomoku:size=6,rule=renju"):
        env = VarenaAECEnv(spec)
        api_test(env, num_cycles=200)


def test_pettingzoo_game_rewards_sum_to_zero():
    pytest.importorskip("pettingzoo", reason="pettingzoo is optional")
    from varena.engine.envs import VarenaAECEnv

    env = VarenaAECEnv("gomoku:size=4,k=3")
    env.reset(seed=5)
    totals = {a: 0.0 for a in env.possible_agents}
    for agent in env.agent_iter():
        obs, reward, term, trunc, info = env.last()
        totals[agent] += reward
        action = None if term or trunc else int(np.flatnonzero(obs["action_mask"])[0])
        env.step(action)
    assert sum(totals.values()) == 0.0


class _Recorder(Solver):
    """An opponent that plays the first legal move and records what it is told."""

    name = "recorder"

    def __init__(self, game):
        super().__init__(game)
        self.seen, self.chosen, self.closed = [], [], 0

    def reset(self):
        self.seen, self.chosen = [], []

    def select_actions(self, states):
        self.chosen.append(int(np.flatnonzero(self.game.legal_mask(states[0]))[0]))
        return np.array(self.chosen[-1:], dtype=np.int64)

    def observe_move(self, action):
        self.seen.append(int(action))

    def close(self):
        self.closed += 1


def test_the_opponent_observes_every_move_and_is_closed(monkeypatch):
    # external engines (gtp:, gomocup:) know the board only through observe_move
    host = get_host()
    made = []

    def make_agent(spec, game, seed=None):
        made.append(_Recorder(game))
        return made[-1]

    monkeypatch.setattr(host, "make_agent", make_agent)
    env = VarenaEnv("gomoku:size=5,k=4", opponent="recorder", player=1)
    obs, info = env.reset(seed=3)
    played, done = [], False
    while not done:
        a = int(np.flatnonzero(info["action_mask"])[-1])
        played.append(a)
        obs, r, done, _, info = env.step(a)
    opponent = made[-1]
    assert played and opponent.seen[1::2] == played and opponent.seen[0::2] == opponent.chosen
    env.close()
    assert opponent.closed == 1 and all(m.closed == 1 for m in made)


class _FirstLegal:
    """A plain Agent: select_actions only, none of the Solver hooks."""

    def __init__(self, game):
        self.game = game

    def select_actions(self, states):
        return np.array([np.flatnonzero(self.game.legal_mask(s))[0] for s in states], dtype=np.int64)


def test_a_plain_agent_object_is_an_opponent_with_the_solver_defaults():
    game = make_game("gomoku:size=5,k=4")
    env = VarenaEnv(game, opponent=_FirstLegal(game), player=1)
    obs, info = env.reset(seed=0)
    assert info["action_mask"].sum() == 24  # the agent's first legal cell was taken
    done = False
    while not done:
        obs, r, done, _, info = env.step(int(np.flatnonzero(info["action_mask"])[0]))
    env.reset(seed=1)  # reset and observe_move are the Solver's no-ops, never missing
    env.close()


def test_feature_range_is_declared_on_every_game():
    from tests.engine.nim_source import NIM

    namespace: dict = {}
    exec(compile(NIM, "nim_plugin", "exec"), namespace)
    nim = namespace["Nim"].from_params(stones=3)
    assert feature_range(nim) == (-np.inf, np.inf)  # the Game default: unbounded
    assert feature_range(make_game("gomoku:size=5")) == (0.0, 1.0)
