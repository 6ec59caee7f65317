"""Gymnasium environments for every varena game (and, lazily, a PettingZoo AEC environment).

``VarenaEnv(game, opponent="random", player=0)`` lets one agent play ``player`` while the
opponent agent (any solver spec) plays the other side; one-player games (TSP, sorting,
...) have no opponent. Importing this module registers with gymnasium:

- ``varena/Gomoku-v0``: kwargs ``size``, ``width``, ``height``, ``k``, ``rule`` plus the
  VarenaEnv kwargs (``opponent``, ``player``, ``seed``, ``illegal``, ``flatten``);
- ``varena/Go-v0``: kwargs ``size``, ``komi`` (and any other Go parameter) likewise;
- ``varena/Game-v0``: kwarg ``game``, any spec string (``"tsp:n=20"``).

Observation: the game's token features (:meth:`varena.engine.api.Game.tokens`) of the current
state, float32 ``[T, F]`` (``flatten=True``: ``[T*F]``), encoded from the point of view of
the side to move, which is the agent whenever the agent is asked to act. The Box is
bounded by the game's :attr:`varena.engine.api.Game.feature_range` (unbounded by default).
An opponent given as an object is played as a :class:`varena.engine.api.Solver` (a plain
agent gets the Solver's no-op ``reset``/``observe_move``/``close``).
``info["action_mask"]`` is int8 ``[num_actions]`` (also :meth:`VarenaEnv.action_masks`).
Reward: 0 until the end, then the agent's final return (+1 win, 0 draw, -1 loss; the
objective for one-player problems). An illegal action ends the episode with reward
``illegal_reward`` (default -1) and ``info["illegal_action"] = True`` when
``illegal="loss"`` (the default, so random exploration never crashes), or raises
:class:`varena.engine.errors.IllegalMoveError` when ``illegal="raise"``.

``VarenaAECEnv`` (PettingZoo) lives in :mod:`varena.engine.envs_aec`; it is importable from
here too, but pettingzoo is only imported when it is first used.
"""

from __future__ import annotations

import logging
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces

from varena.engine.api import Agent, Game, Solver, as_solver
from varena.engine.errors import IllegalMoveError, SpecError

log = logging.getLogger("varena.envs")

__all__ = ["VarenaEnv", "feature_range", "make_game", "observation_of", "register_envs"]  # + VarenaAECEnv (lazy)


def make_game(game: str | Game, name: str | None = None, **params: Any) -> Game:
    """A configured game from a Game, a spec string, or a game name and keyword parameters."""
    if isinstance(game, Game):
        return game
    from varena.engine.host import get_host

    host = get_host()
    if name is not None:
        given = {k: v for k, v in params.items() if v is not None}
        return host.game_class(name).from_params(**given)
    if not isinstance(game, str):
        raise SpecError(f"game must be a spec string or an varena.engine.api.Game, got {type(game).__name__}")
    return host.make_game(game)


def observation_of(game: Game, state: np.ndarray, flatten: bool = False) -> np.ndarray:
    """float32 ``[T, F]`` (or ``[T*F]``): the token features of one state."""
    feats = np.asarray(game.tokens(state[None]).features[0], dtype=np.float32)
    return feats.reshape(-1) if flatten else feats


def feature_range(game: Game) -> tuple[float, float]:
    """Bounds of the token features (:attr:`varena.engine.api.Game.feature_range`) as floats."""
    low, high = game.feature_range
    return float(low), float(high)


class VarenaEnv(gymnasium.Env):
    """One agent against an opponent agent on any varena game; see the module doc."""

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(self, game: str | Game, opponent: str | Agent | None = "random", player: int = 0,
                 seed: int | None = None, illegal: str = "loss", illegal_reward: float = -1.0,
                 flatten: bool = False, render_mode: str | None = None) -> None:
        self.game = make_game(game)
        n = self.game.num_players
        if not 0 <= int(player) < n:
            raise SpecError(f"player={player} is not accepted; accepted: 0..{n - 1}")
        if illegal not in ("loss", "raise"):
            raise SpecError(f"illegal={illegal!r} is not accepted; accepted: loss, raise")
        if render_mode not in (None, "ansi"):
            raise SpecError(f"render_mode={render_mode!r} is not accepted; accepted: ansi")
        self.player = int(player)
        self.opponent_spec = opponent if n > 1 else None
        self.illegal = illegal
        self.illegal_reward = float(illegal_reward)
        self.flatten = flatten
        self.render_mode = render_mode
        self._first_seed = seed
        self._opponent: Solver | None = None
        if n > 1 and opponent is None:
            raise SpecError("a two-player game needs an opponent (a solver spec such as 'random')")
        shape = observation_of(self.game, self.game.initial_state(np.random.default_rng(0)), flatten).shape
        low, high = feature_range(self.game)
        self.observation_space = spaces.Box(low, high, shape=shape, dtype=np.float32)
        self.action_space = spaces.Discrete(self.game.num_actions)
        self.state: np.ndarray | None = None
        self._done = True
        self._make_opponent(0 if seed is None else int(seed))  # a bad spec fails here, not at reset

    # -- opponent ---------------------------------------------------------------------------
    def _make_opponent(self, seed: int) -> None:
        spec = self.opponent_spec
        self._close_opponent()
        if spec is None:
            self._opponent = None
        elif isinstance(spec, str):
            from varena.engine.host import get_host

            self._opponent = get_host().make_agent(spec, self.game, seed)
        else:
            self._opponent = as_solver(spec, self.game)  # an Agent object given by the caller
            self._opponent.reset()

    def _opponent_moves(self) -> None:
        while not self.game.outcome(self.state)[0] and self.game.to_play(self.state) != self.player:
            action = int(self._opponent.select_actions(self.state[None])[0])
            self.state = self.game.play(self.state, action)
            self._observe(action)

    def _observe(self, action: int) -> None:
        # External engines (gtp:, gomocup:) follow the game only through observe_move.
        if self._opponent is not None:
            self._opponent.observe_move(action)

    def _close_opponent(self) -> None:
        """End an opponent made here from a spec (an external engine is a process); an
        opponent object belongs to the caller, who closes it."""
        if isinstance(self.opponent_spec, str) and self._opponent is not None:
            self._opponent.close()
        self._opponent = None

    # -- gymnasium API ----------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        if seed is None and self._first_seed is not None:
            seed, self._first_seed = self._first_seed, None
        super().reset(seed=seed)
        sub = int(self.np_random.integers(2**31))
        if seed is not None or self._opponent is None:
            self._make_opponent(sub)
        else:
            self._opponent.reset()
        self.state = self.game.initial_state(np.random.default_rng(sub))
        self._done = False
        self._opponent_moves()
        self._done = self.game.outcome(self.state)[0]
        return self._obs(), self._info()

    def step(self, action):
        if self.state is None or self._done:
            raise RuntimeError("the episode is over; call reset() first")
        mask = self.game.legal_mask(self.state)
        try:
            a = int(action)
        except (TypeError, ValueError):
            a = -1
        if not (0 <= a < self.game.num_actions and mask[a]):
            if self.illegal == "raise":
                self.game.play(self.state, action)  # raises the IllegalMoveError that explains
                raise IllegalMoveError(f"illegal action {action!r}")
            log.debug("illegal action %r ends the episode", action)
            self._done = True
            return self._obs(), self.illegal_reward, True, False, self._info(illegal_action=True)
        self.state = self.game.next_state(self.state, a)
        self._observe(a)
        self._opponent_moves()
        done = self.game.outcome(self.state)[0]
        self._done = done
        reward = float(self.game.returns(self.state)[self.player]) if done else 0.0
        return self._obs(), reward, done, False, self._info()

    def action_masks(self) -> np.ndarray:
        """Bool ``[num_actions]``: the agent's legal actions now (all False once over)."""
        if self.state is None or self._done:
            return np.zeros(self.game.num_actions, dtype=np.bool_)
        return self.game.legal_mask(self.state)

    def close(self) -> None:
        self._close_opponent()
        super().close()

    def render(self):
        if self.render_mode == "ansi" and self.state is not None:
            return self.game.render(self.state)
        return None

    def _obs(self) -> np.ndarray:
        return observation_of(self.game, self.state, self.flatten)

    def _info(self, **extra: Any) -> dict:
        info = {"action_mask": self.action_masks().astype(np.int8),
                "to_play": self.game.to_play(self.state)}
        info.update(extra)
        return info


# -- registration ----------------------------------------------------------------------------
def _env_kwargs(kwargs: dict) -> dict:
    keys = ("opponent", "player", "seed", "illegal", "illegal_reward", "flatten", "render_mode")
    return {k: kwargs.pop(k) for k in keys if k in kwargs}


def gomoku_env(**kwargs: Any) -> VarenaEnv:
    """Entry point of ``varena/Gomoku-v0``: gomoku parameters plus VarenaEnv kwargs."""
    env_kw = _env_kwargs(kwargs)
    return VarenaEnv(make_game("", name="gomoku", **kwargs), **env_kw)


def go_env(**kwargs: Any) -> VarenaEnv:
    """Entry point of ``varena/Go-v0``: Go parameters (size, komi, ...) plus VarenaEnv kwargs."""
    env_kw = _env_kwargs(kwargs)
    return VarenaEnv(make_game("", name="go", **kwargs), **env_kw)


def game_env(game: str | Game = "gomoku", **kwargs: Any) -> VarenaEnv:
    """Entry point of ``varena/Game-v0``: any game spec plus VarenaEnv kwargs."""
    return VarenaEnv(game, **kwargs)


def register_envs() -> None:
    """Register the varena environment ids with gymnasium (once)."""
    for env_id, entry in (("varena/Gomoku-v0", "varena.engine.envs:gomoku_env"),
                          ("varena/Go-v0", "varena.engine.envs:go_env"),
                          ("varena/Game-v0", "varena.engine.envs:game_env")):
        if env_id not in gymnasium.registry:
            gymnasium.register(id=env_id, entry_point=entry)


register_envs()


def __getattr__(name: str) -> Any:
    # PettingZoo stays optional: its module is imported on first use of VarenaAECEnv.
    if name == "VarenaAECEnv":
        from varena.engine.envs_aec import VarenaAECEnv

        return VarenaAECEnv
    raise AttributeError(f"module 'varena.engine.envs' has no attribute {name!r}")
