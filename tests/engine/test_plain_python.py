"""Plain-Python games (no kernels) are searched by mcts, alphabeta and alphavit: the same
search code runs interpreted, and gives exactly the compiled search's results."""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest
from click.testing import CliRunner

import varena.engine.host
from tests.engine.connect4 import ConnectFour, ConnectFourNumba
from tests.engine.test_pool import hashed
from varena.engine.cli import cli
from varena.engine.mcts import MCTS, MCTSOptions

PLUGIN = pathlib.Path(__file__).with_name("connect4.py").read_text() + '''

from varena.engine import hookimpl


@hookimpl
def varena_register_games(register):
    register(ConnectFour)
'''


def positions(g, n, moves, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        s = g.initial_state()
        for _ in range(moves):
            s = g.next_state(s, int(rng.choice(np.flatnonzero(g.legal_mask(s)))))
        if not g.outcome(s)[0]:
            out.append(s)
    return np.stack(out)


def same(a, b):
    for name in ("actions", "policy", "visits", "q", "value", "simulations", "pool_full"):
        x, y = getattr(a, name), getattr(b, name)
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name


@pytest.mark.parametrize("options,network", [
    (MCTSOptions(sims=40), False),
    (MCTSOptions(sims=40, rule="puct", root="gumbel", gumbel_m=4, leaves=2), True),
    (MCTSOptions(sims=40, rule="puct", root="dirichlet", temperature=1.0), True),
])
def test_interpreted_search_equals_the_compiled_one(options, network):
    py, nb = ConnectFour(), ConnectFourNumba()
    assert py.kernels is None and nb.kernels is not None
    states = positions(py, 3, 6)
    searches = [MCTS(g, options, (lambda s, g=g: hashed(g, s)) if network else None, seed=5)
                for g in (py, nb)]
    for _move in range(2):  # the second move reuses the trees
        a, b = (s.run(states) for s in searches)
        same(a, b)
        states = np.stack([py.next_state(s, int(x)) for s, x in zip(states, a.actions, strict=True)])
        states = states[[not py.outcome(s)[0] for s in states]]
        if not len(states):
            break


def test_interpreted_alphabeta_equals_the_compiled_one():
    host = varena.engine.host.get_host()
    py, nb = ConnectFour(), ConnectFourNumba()
    states = positions(py, 2, 8, seed=1)
    out = []
    for g in (py, nb):
        agent = host.solver_class("alphabeta")(g, seed=3, depth=2, rollouts=3, threads=1)
        out.append((agent.select_actions(states), agent.last_values, agent.last_visited))
    for x, y in zip(*out, strict=True):
        assert np.array_equal(x, y)


@pytest.fixture
def c4_host(plugin_dir, host_factory, monkeypatch):
    plugin_dir("varena-connect4py", PLUGIN)
    host = host_factory()
    monkeypatch.setattr(varena.engine.host, "_HOST", host)
    return host


def test_plugins_lists_the_search_solvers_for_a_plain_python_game(c4_host):
    result = CliRunner().invoke(cli, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    solvers = {s["name"]: s["games"] for s in json.loads(result.output)["solvers"]}
    for name in ("mcts", "alphabeta", "alphavit"):
        assert "connect4py" in solvers[name], name


@pytest.mark.parametrize("p1,p2", [("mcts:sims=30", "random"),
                                   ("alphabeta:depth=2", "alphavit:sims=8,device=cpu")])
def test_varena_play_searches_a_plain_python_game(c4_host, p1, p2):
    result = CliRunner().invoke(cli, ["play", "connect4py", "--p1", p1, "--p2", p2, "--seed", "1",
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    assert "connect4py:" in result.output


def test_varena_play_mcts_200_on_a_plain_python_game(c4_host):
    result = CliRunner().invoke(cli, ["play", "connect4py", "--p1", "mcts:sims=200", "--p2", "random",
                                      "--seed", "2", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "connect4py: player 1 wins" in result.output  # 200 rollouts beat random play
