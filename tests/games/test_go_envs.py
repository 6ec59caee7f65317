"""Go through the gymnasium and PettingZoo adapters of varena.engine.envs."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import varena.engine.envs  # noqa: F401  (registers the varena/* ids)


def test_gymnasium_go_env_passes_check_env():
    env = gymnasium.make("varena/Go-v0", size=5)
    check_env(env.unwrapped, skip_render_check=True)
    obs, info = env.reset(seed=0)
    assert obs.shape == (25, 7) and info["action_mask"].shape == (26,)
    assert env.observation_space.low.min() == 0.0 and env.observation_space.high.max() == 1.0


def test_gymnasium_go_episode_ends_with_a_result():
    env = gymnasium.make("varena/Go-v0", size=5, komi=0.5, opponent="random")
    obs, info = env.reset(seed=3)
    rng = np.random.default_rng(3)
    for _ in range(500):
        action = int(rng.choice(np.flatnonzero(info["action_mask"])))
        obs, reward, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            break
    assert terminated and reward in (-1.0, 1.0)  # komi 0.5: no draws


def test_pettingzoo_go_env_passes_api_test():
    pytest.importorskip("pettingzoo")
    from pettingzoo.test import api_test

    from varena.engine.envs import VarenaAECEnv

    api_test(VarenaAECEnv("go:size=5"), num_cycles=200)
