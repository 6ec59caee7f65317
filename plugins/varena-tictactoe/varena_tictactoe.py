"""Tic-tac-toe for varena, written in plain Python (no Numba): the minimal plugin.

State: 9 cells (0 empty, 1 X, 2 O) then the player to move (0 = X, 1 = O); int8.
"""

from functools import cache

import numpy as np

from varena.engine import hookimpl
from varena.engine.api import Game, Solver
from varena.engine.params import Param

LINES = ((0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6))


class TicTacToe(Game):
    name = "tictactoe"
    description = "3x3 noughts and crosses, in plain Python"
    state_len, state_dtype, num_actions, num_players, max_moves = 10, np.int8, 9, 2, 9

    def initial_state(self, rng=None):
        return np.zeros(10, np.int8)

    def next_state(self, state, action):
        out = state.copy()
        out[action] = state[9] + 1
        out[9] = 1 - state[9]
        return out

    def winner(self, state):
        for a, b, c in LINES:
            if state[a] and state[a] == state[b] == state[c]:
                return int(state[a]) - 1
        return -1

    def outcome(self, state):
        w = self.winner(state)
        if w >= 0:
            return True, 1.0 if w == state[9] else -1.0
        return bool((state[:9] != 0).all()), 0.0

    def legal_mask(self, state):
        if self.outcome(state)[0]:
            return np.zeros(9, bool)
        return state[:9] == 0

    def to_play(self, state):
        return int(state[9])

    def action_name(self, action):
        return "abc"[action % 3] + str(3 - action // 3)

    def render(self, state):
        rows = ["".join(".XO"[c] for c in state[r * 3 : r * 3 + 3]) for r in range(3)]
        return "\n".join(f"{3 - i} {row}" for i, row in enumerate(rows)) + "\n  abc"

    def player_name(self, player):
        return "XO"[player]

    # Optional: a record per game, which `varena tournament` writes as games/NNNNN-KEY.txt.
    record_suffix = ".txt"

    def record_text(self, record):
        x, o = record.players
        return f"X: {x}\nO: {o}\nmoves: {' '.join(record.move_names)}\nresult: {record.result}\n"


class Perfect(Solver):
    name = "perfect"
    description = "full minimax for tic-tac-toe; never loses"
    params = (Param("random_ties", bool, True, "pick at random among equally good moves"),)

    @classmethod
    def supports(cls, game):
        return isinstance(game, TicTacToe)

    def select_actions(self, states):
        return np.array([self._best(s) for s in states], dtype=np.int64)

    def _best(self, state):
        legal = np.flatnonzero(self.game.legal_mask(state))
        scores = [-_value(self.game, tuple(self.game.next_state(state, a))) for a in legal]
        best = legal[np.asarray(scores) == max(scores)]
        return int(self.rng.choice(best) if self.config["random_ties"] else best[0])


@cache
def _value(game, key):
    state = np.array(key, np.int8)
    done, value = game.outcome(state)
    if done:
        return value
    return max(-_value(game, tuple(game.next_state(state, a)))
               for a in np.flatnonzero(game.legal_mask(state)))


@hookimpl
def varena_register_games(register):
    register(TicTacToe)


@hookimpl
def varena_register_solvers(register):
    register(Perfect)
