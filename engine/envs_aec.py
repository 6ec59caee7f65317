"""PettingZoo AEC environment for every varena game (needs the optional pettingzoo package).

Agents are ``player_0`` (moves first) ... ``player_{n-1}``. ``observe(agent)`` returns
``{"observation": float32 [T, F] token features of the current state (encoded for the
side to move), "action_mask": int8 [num_actions]}``; the mask is all zeros for an agent
that is not to move. Rewards are the final returns, given when the game ends. An illegal
action ends the game with ``illegal_reward`` for the offender (0 for the others) when
``illegal="loss"`` (default), or raises IllegalMoveError when ``illegal="raise"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import AECEnv

from varena.engine.api import Game
from varena.engine.envs import feature_range, make_game, observation_of
from varena.engine.errors import SpecError


class VarenaAECEnv(AECEnv):
    """Turn-based multi-agent view of a varena game; see the module doc."""

    metadata = {"render_modes": ["ansi"], "render_fps": 4, "name": "varena_v0", "is_parallelizable": False}

    def __init__(self, game: str | Game, illegal: str = "loss", illegal_reward: float = -1.0,
                 render_mode: str | None = None) -> None:
        super().__init__()
        self.game = make_game(game)
        if illegal not in ("loss", "raise"):
            raise SpecError(f"illegal={illegal!r} is not accepted; accepted: loss, raise")
        if render_mode not in (None, "ansi"):
            raise SpecError(f"render_mode={render_mode!r} is not accepted; accepted: ansi")
        self.illegal = illegal
        self.illegal_reward = float(illegal_reward)
        self.render_mode = render_mode
        self.possible_agents = [f"player_{i}" for i in range(self.game.num_players)]
        self.agents = self.possible_agents[:]
        shape = observation_of(self.game, self.game.initial_state(np.random.default_rng(0))).shape
        a = self.game.num_actions
        obs_space = spaces.Dict({
            "observation": spaces.Box(*feature_range(self.game), shape=shape, dtype=np.float32),
            "action_mask": spaces.Box(0, 1, shape=(a,), dtype=np.int8),
        })
        self.observation_spaces = {ag: obs_space for ag in self.possible_agents}
        self.action_spaces = {ag: spaces.Discrete(a) for ag in self.possible_agents}
        self._rng = np.random.default_rng()
        self.state = self.game.initial_state(self._rng)

    def observation_space(self, agent: str) -> spaces.Space:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self.action_spaces[agent]

    def observe(self, agent: str) -> dict[str, np.ndarray]:
        mask = np.zeros(self.game.num_actions, dtype=np.int8)
        if agent == self.agent_selection and not self.game.outcome(self.state)[0]:
            mask[:] = self.game.legal_mask(self.state)
        return {"observation": observation_of(self.game, self.state), "action_mask": mask}

    def reset(self, seed: int | None = None, options: dict | None = None) -> None:
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        self.state = self.game.initial_state(self._rng)
        self.agents = self.possible_agents[:]
        self.rewards = {ag: 0.0 for ag in self.agents}
        self._cumulative_rewards = {ag: 0.0 for ag in self.agents}
        self.terminations = {ag: False for ag in self.agents}
        self.truncations = {ag: False for ag in self.agents}
        self.infos = {ag: {} for ag in self.agents}
        self.agent_selection = self.agents[self.game.to_play(self.state)]

    def step(self, action: Any) -> None:
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        self._cumulative_rewards[agent] = 0.0
        mask = self.game.legal_mask(self.state)
        try:
            a = int(action)
        except (TypeError, ValueError):
            a = -1
        if not (0 <= a < self.game.num_actions and mask[a]):
            if self.illegal == "raise":
                self.game.play(self.state, action)  # raises the IllegalMoveError that explains
            self.rewards = {ag: 0.0 for ag in self.agents}
            self.rewards[agent] = self.illegal_reward
            self.infos[agent] = {"illegal_action": True}
            self._end()
        else:
            self.state = self.game.next_state(self.state, a)
            if self.game.outcome(self.state)[0]:
                returns = self.game.returns(self.state)
                self.rewards = {ag: float(returns[i]) for i, ag in enumerate(self.possible_agents)}
                self._end()
            else:
                self.rewards = {ag: 0.0 for ag in self.agents}
                self.agent_selection = self.possible_agents[self.game.to_play(self.state)]
        self._accumulate_rewards()

    def _end(self) -> None:
        self.terminations = {ag: True for ag in self.agents}

    def render(self) -> str | None:
        if self.render_mode == "ansi":
            return self.game.render(self.state)
        return None

    def close(self) -> None:
        pass
