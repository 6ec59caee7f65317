"""Connect Four (7 columns x 6 rows) twice over the same rule functions: as a plain-Python
game (``kernels`` None, the contract's slow path) and, compiled by ``numba.njit``, as a
Numba game. The rule functions are written in the kernels' calling convention, so both
games play identically and the search treats one as interpreted, the other compiled.

State int8 ``[44]``: 42 cells (row 0 at the bottom; 0 empty, 1 first player, 2 second),
then the player to move and the number of moves played.
"""

from __future__ import annotations

import types

import numba
import numpy as np

from varena.engine.api import Game, Kernels, NumbaGame, Tokens

ROWS, COLS = 6, 7
CELLS = ROWS * COLS


def c4_step(state, action, out):
    p = state[CELLS]
    out[:] = state
    for r in range(ROWS):
        i = r * COLS + action
        if out[i] == 0:
            out[i] = p + 1
            break
    out[CELLS] = 1 - p
    out[CELLS + 1] = out[CELLS + 1] + 1


def c4_legal_mask(state, out):
    full = state[CELLS + 1] >= CELLS
    for c in range(COLS):
        out[c] = False if full else state[(ROWS - 1) * COLS + c] == 0
    if c4_won(state):
        for c in range(COLS):
            out[c] = False


def c4_won(state):
    """Whether the player who just moved has four in a row."""
    me = 2 - state[CELLS]  # the previous mover's stone: to_play 0 -> 2, 1 -> 1
    for r in range(ROWS):
        for c in range(COLS):
            if state[r * COLS + c] != me:
                continue
            for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
                n = 1
                rr, cc = r + dr, c + dc
                while 0 <= rr < ROWS and 0 <= cc < COLS and state[rr * COLS + cc] == me and n < 4:
                    n += 1
                    rr += dr
                    cc += dc
                if n >= 4:
                    return True
    return False


def c4_outcome(state):
    if c4_won(state):
        return True, -1.0
    if state[CELLS + 1] >= CELLS:
        return True, 0.0
    return False, 0.0


def c4_to_play(state):
    return np.int64(state[CELLS])


class ConnectFour(Game):
    """Connect Four in plain Python (no kernels): searched by the interpreted search."""

    name = "connect4py"
    description = "Connect Four, 7x6, plain Python"
    state_len = CELLS + 2
    state_dtype = np.dtype(np.int8)
    num_actions = COLS
    num_players = 2
    max_moves = CELLS
    feature_range = (0.0, 1.0)

    def initial_state(self, rng=None):
        return np.zeros(self.state_len, np.int8)

    def next_state(self, state, action):
        out = np.empty_like(state)
        c4_step(state, int(action), out)
        return out

    def legal_mask(self, state):
        out = np.zeros(COLS, np.bool_)
        c4_legal_mask(state, out)
        return out

    def outcome(self, state):
        done, value = c4_outcome(state)
        return bool(done), float(value)

    def to_play(self, state):
        return int(state[CELLS])

    def tokens(self, states):
        states = np.atleast_2d(states)
        cells = states[:, :CELLS]
        me = (states[:, CELLS] + 1)[:, None]
        feats = np.zeros((len(states), CELLS, 3), np.float32)
        feats[:, :, 0] = cells == me
        feats[:, :, 1] = (cells != me) & (cells != 0)
        feats[:, :, 2] = cells == 0
        rows, cols = np.divmod(np.arange(CELLS), COLS)
        pos = np.stack([ROWS - 1 - rows, cols], 1).astype(np.int32)
        # a column's action points at its bottom cell
        act = np.arange(COLS, dtype=np.int64)
        glob = np.stack([states[:, CELLS], np.full(len(states), 0.3)], 1).astype(np.float32)
        return Tokens(feats, pos, act, glob)


def _compiled_kernels() -> Kernels:
    """The same functions compiled, in globals of their own (so the plain-Python game keeps
    calling the Python ``c4_won``)."""
    env = dict(globals())

    def jit(f):
        return numba.njit(cache=True)(types.FunctionType(f.__code__, env, f.__name__))

    env["c4_won"] = jit(c4_won)
    return Kernels(jit(c4_step), jit(c4_legal_mask), jit(c4_outcome), jit(c4_to_play))


class ConnectFourNumba(NumbaGame, ConnectFour):
    """The same rules compiled (a Numba game), for comparisons."""

    name = "connect4n"
    description = "Connect Four, 7x6, compiled"
    kernels = _compiled_kernels()
