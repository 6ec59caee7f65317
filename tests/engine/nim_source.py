"""Source text of a tiny pure-Python game used as a fake third-party plugin in tests."""

NIM = '''
import numpy as np
from varena.engine import hookimpl
from varena.engine.api import Game, Solver
from varena.engine.params import Param


class Nim(Game):
    """Take 1 or 2 stones; whoever takes the last stone wins. State: [stones, to_play]."""

    name = "nim"
    description = "subtraction game"
    params = (Param("stones", int, 7, "stones at the start", low=1, high=50),)
    state_dtype = np.int16
    state_len, num_actions, num_players = 2, 2, 2

    def __init__(self, **config):
        super().__init__(**config)
        self.max_moves = config["stones"]

    def initial_state(self, rng=None):
        return np.array([self.config["stones"], 0], np.int16)

    def next_state(self, state, action):
        return np.array([state[0] - action - 1, 1 - state[1]], np.int16)

    def legal_mask(self, state):
        return np.array([state[0] >= 1, state[0] >= 2])

    def outcome(self, state):
        return (True, -1.0) if state[0] == 0 else (False, 0.0)

    def to_play(self, state):
        return int(state[1])

    def action_name(self, action):
        return f"take{action + 1}"


class TakeOne(Solver):
    name = "takeone"
    description = "always takes one stone"

    @classmethod
    def supports(cls, game):
        return isinstance(game, Nim)

    def select_actions(self, states):
        return np.zeros(len(states), np.int64)
'''

GOOD = NIM + '''

@hookimpl
def varena_register_games(register):
    register(Nim)


@hookimpl
def varena_register_solvers(register):
    register(TakeOne)
'''
