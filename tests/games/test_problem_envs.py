"""The four problems as gymnasium environments (varena.engine.envs.VarenaEnv)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

envs = pytest.importorskip("varena.engine.envs", reason="engine/envs.py (VarenaEnv) is not written yet")


@pytest.mark.parametrize("spec", ["tsp:n=8", "convex_hull:n=8", "delaunay:n=5", "sorting:n=6"])
def test_check_env(spec):
    from gymnasium.utils.env_checker import check_env

    env = envs.VarenaEnv(spec, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # check_env's advice (e.g. on unbounded spaces) is not a failure
        check_env(env, skip_render_check=True)


@pytest.mark.parametrize("spec", ["tsp:n=8", "convex_hull:n=8", "delaunay:n=5", "sorting:n=6"])
def test_reference_episode_earns_the_best_reward(spec):
    from varena.engine.host import get_host

    env = envs.VarenaEnv(spec, seed=1)
    obs, info = env.reset(seed=3)
    assert env.observation_space.contains(obs)
    agent = get_host().make_agent("reference", env.game, seed=0)
    done, reward = False, 0.0
    while not done:
        action = int(agent.select_actions(env.state[None])[0])
        assert info["action_mask"][action] == 1
        obs, reward, done, _, info = env.step(action)
    if env.game.name == "tsp":
        pts = env.game.instance(env.state)
        assert reward == pytest.approx(-env.game.evaluate(pts, env.game.solution(env.state))["length"])
    else:
        assert reward == 1.0
    assert not np.any(info["action_mask"])
