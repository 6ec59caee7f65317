"""An exception raised inside a compiled kernel stops the search: one line naming the game,
the kernel and the message (KernelError; exit 2 from the CLI), under mcts, alphabeta and
alphavit, never Numba's "Exception ignored" and a search over unwritten states."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from click.testing import CliRunner

import varena.engine.host
from varena.engine.cli import cli
from varena.engine.errors import KernelError

BOOM = '''
import numba
import numpy as np
from varena.engine import hookimpl
from varena.engine.api import Kernels, NumbaGame, Tokens
from varena.engine.params import Param

BOOM_AT = 3


@numba.njit
def boom_step(state, action, out):
    if state[0] >= BOOM_AT:
        raise ValueError("boom at move 3")
    out[0] = state[0] + 1
    out[1] = 1 - state[1]
    out[2] = state[2]


@numba.njit
def boom_legal_mask(state, out):
    out[0] = state[0] < 20
    out[1] = state[0] < 20


@numba.njit
def boom_outcome(state):
    return state[0] >= 20, 0.0


@numba.njit
def boom_to_play(state):
    return state[1]


@numba.njit
def boom_playout(state, seed):
    if state[2]:
        raise RuntimeError("playout says no")
    return 0.0


class Boom(NumbaGame):
    """Count to 20 with either action; ``step`` raises from move 3 on (``playout=true``: a
    playout kernel that always raises)."""

    name = "boom"
    description = "a game whose kernels raise"
    params = (Param("playout", bool, False, "give a playout kernel that raises"),)
    state_len, num_actions, num_players, max_moves = 3, 2, 2, 20
    state_dtype = np.dtype(np.int64)

    def __init__(self, **config):
        super().__init__(**config)
        self.kernels = Kernels(boom_step, boom_legal_mask, boom_outcome, boom_to_play,
                               boom_playout if config["playout"] else None)

    def initial_state(self, rng=None):
        return np.array([0, 0, int(self.config["playout"])], np.int64)

    def tokens(self, states):
        states = np.atleast_2d(states)
        feats = np.repeat((states[:, :1] / 20.0).astype(np.float32)[:, None, :], 2, axis=1)
        pos = np.array([[0, 0], [0, 1]], np.int32)
        glob = np.stack([states[:, 1], np.zeros(len(states))], 1).astype(np.float32)
        return Tokens(feats, pos, np.arange(2, dtype=np.int64), glob)


@hookimpl
def varena_register_games(register):
    register(Boom)
'''


@pytest.fixture
def boom_host(plugin_dir, host_factory, monkeypatch):
    plugin_dir("varena-boom", BOOM)
    host = host_factory()
    monkeypatch.setattr(varena.engine.host, "_HOST", host)
    return host


SOLVERS = ("mcts:sims=50", "alphabeta:depth=4", "alphavit:sims=30,device=cpu")


@pytest.mark.parametrize("spec", SOLVERS)
def test_a_raising_kernel_is_one_line_and_exit_2(boom_host, spec, capfd):
    result = CliRunner().invoke(cli, ["play", "boom", "--p1", spec, "--p2", "random", "--quiet"])
    assert result.exit_code == 2, result.output
    # a fresh cache announces its compiles (engine/compiling.py); the error is one line
    lines = [line for line in result.output.splitlines()
             if line.strip() and not line.startswith("varena: compil")]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: game 'boom': kernel step raised ValueError: boom at move 3")
    assert "the search stopped" in lines[0]
    assert "Exception ignored" not in capfd.readouterr().err


def test_a_raising_playout_kernel_names_it(boom_host):
    game = boom_host.make_game("boom:playout=true")
    agent = boom_host.make_agent("mcts:sims=20", game, seed=0)
    with pytest.raises(KernelError, match=r"game 'boom:playout=true': kernel playout raised "
                                          r"RuntimeError: playout says no"):
        agent.select_actions(game.initial_state()[None])
    from varena.engine.mcts import RolloutEvaluator

    with pytest.raises(KernelError, match="kernel playout raised RuntimeError: playout says no"):
        RolloutEvaluator(game, 1)(game.initial_state()[None])  # the Python-side rollout too


def test_the_search_forgets_its_trees_and_the_hook_is_restored(boom_host):
    hook = sys.unraisablehook
    game = boom_host.make_game("boom")
    agent = boom_host.make_agent("mcts:sims=50,threads=2", game, seed=0)
    with pytest.raises(KernelError, match="kernel step"):
        agent.select_actions(np.stack([game.initial_state()] * 4))
    assert agent.search.tree is None
    assert sys.unraisablehook is hook
