"""States converted at the search's boundary (a game of a new dtype compiles no search of its
own) and the compile notice (varena.engine.compiling)."""

from __future__ import annotations

import time

import numba
import numpy as np
import pytest

from tests.engine.connect4 import ConnectFourNumba
from varena.engine import compiling, kernels
from varena.engine.api import Kernels, NumbaGame
from varena.engine.compiling import notice, search_dtype, wider_dtype
from varena.engine.mcts import MCTS, MCTSOptions


@pytest.mark.parametrize(("own", "wide"), [
    (np.int8, np.int16), (np.uint8, np.int16), (np.bool_, np.int16), (np.int16, np.int16),
    (np.uint16, np.int32), (np.int32, np.int32), (np.float32, np.float64),
    (np.float16, np.float64), (np.float64, np.float64),
    (np.int64, np.int64), (np.uint32, np.uint32), (np.uint64, np.uint64),  # none holds them
])
def test_wider_dtype_holds_every_value_exactly(own, wide):
    assert wider_dtype(np.dtype(own)) == np.dtype(wide)


def test_an_int8_game_is_searched_in_int16_and_its_evaluator_sees_int8():
    game = ConnectFourNumba()
    search = MCTS(game, MCTSOptions(sims=30, reuse=True), seed=0)
    assert search.gf.state_dtype == np.int16 and search.gf.game_dtype == np.int8
    # no entry point was specialised for kernels of int8 states: no search compiled for it
    assert kernels._ENTRY_CACHE
    assert all("array(int8" not in str(sig[-6:]) for _, sig, _ in kernels._ENTRY_CACHE)
    states = np.stack([game.initial_state(), game.next_state(game.initial_state(), 3)])
    first = search.run(states)
    assert first.simulations.tolist() == [30, 30]
    search.run(np.stack([game.next_state(states[0], int(first.actions[0])),
                         game.next_state(states[1], int(first.actions[1]))]))  # reuse path

    seen = []

    def evaluate(leaves):
        seen.append(leaves.dtype)
        return np.ones((len(leaves), game.num_actions), np.float32), np.zeros(len(leaves), np.float32)

    net = MCTS(game, MCTSOptions(sims=8, rule="puct"), evaluator=evaluate, seed=0)
    assert net.run(states).simulations.tolist() == [8, 8]
    assert seen and set(seen) == {np.dtype(np.int8)}


def _wrap_step(state, action, out):
    out[:] = state
    out[0] = out[0] + 100  # int8 wraps past 127; int16 does not: the kernels differ
    out[1 + action] = 1


def _wrap_legal(state, out):
    for a in range(out.shape[0]):
        out[a] = state[1 + a] == 0


def _wrap_outcome(state):
    return state[0] < 0, 0.0


def _wrap_to_play(state):
    return np.int64(0)


class WrapGame(NumbaGame):
    """A toy whose kernels rely on int8 wrap-around: it must stay int8 in the search."""

    name = "wrap8"
    description = "int8 wrap-around toy"
    state_len = 4
    state_dtype = np.dtype(np.int8)
    num_actions = 3
    num_players = 1
    max_moves = 3
    kernels = Kernels(*(numba.njit(f) for f in (_wrap_step, _wrap_legal, _wrap_outcome,
                                                 _wrap_to_play)))

    def initial_state(self, rng=None):
        return np.zeros(self.state_len, np.int8)


def test_kernels_that_differ_in_the_wider_dtype_keep_their_own():
    assert search_dtype(WrapGame()) == np.int8
    assert search_dtype(ConnectFourNumba()) == np.int16


def test_a_slow_compile_is_announced_once_and_a_quick_one_is_not(capsys):
    with notice("quick thing", after=0.5):
        pass
    assert capsys.readouterr().err == ""
    with notice("slow thing", after=0.05), notice("inner thing", after=0.05):
        time.sleep(0.3)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and "compiling slow thing" in err[0] and "varena compile" in err[0]
    assert err[1].startswith("varena: compiled slow thing in ")
    assert compiling.NOTICE_AFTER <= 1.0
