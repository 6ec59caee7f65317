"""Search budgets are checked against the memory there is before anything is allocated
(issue 16): ``mcts:nodes=2147483647`` (and alphavit, which shares the search) is one line
naming the parameter, the value, the bytes and the accepted maximum, not gigabytes touched."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest
from click.testing import CliRunner

import varena.engine.memory as memory
from varena.engine.cli import full_cli
from varena.engine.errors import SpecError
from varena.engine.host import get_host
from varena.engine.mcts import MCTS, MCTSOptions

GAME = "gomoku:size=7,k=4"


def uniform(states):
    """Uniform priors and value 0: a network's shape without one (the search's step path)."""
    n = len(states)
    return np.full((n, 49), 1 / 49, np.float32), np.zeros(n, np.float32)


@pytest.fixture(autouse=True)
def at_most_16_gib(monkeypatch):
    """The figures of this machine, or of a 32 GiB one if it has more (96 GiB never fits)."""
    real = memory.allowance()
    monkeypatch.setattr(memory, "allowance", lambda: min(real, 16 * 2**30))


@pytest.fixture(scope="module")
def game():
    return get_host().make_game(GAME)


def _refused(make) -> str:
    tracemalloc.start()
    start = time.monotonic()
    with pytest.raises(SpecError) as info:
        make()
    seconds, peak = time.monotonic() - start, tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert seconds < 30 and peak < 64 * 2**20, (seconds, peak)
    text = str(info.value)
    assert "\n" not in text and " bytes (" in text and "accepted: " in text, text
    return text


@pytest.mark.parametrize("solver", ["mcts", "alphavit"])
def test_a_node_budget_beyond_memory_is_refused_before_the_first_move(game, solver):
    spec = f"{solver}:nodes=2147483647,sims=8" + (",preset=small" if solver == "alphavit" else "")
    text = _refused(lambda: get_host().make_agent(spec, game, seed=0))
    assert f"solver {solver!r}: nodes=2147483647 would take " in text
    assert "GiB" in text and "accepted: nodes <= " in text, text


def test_the_cli_says_it_in_one_line_with_exit_2():
    result = CliRunner().invoke(full_cli(), ["play", GAME, "--p1", "mcts:nodes=2147483647"])
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert "nodes=2147483647 would take" in result.output


def test_the_accepted_maximum_is_accepted(game, monkeypatch):
    monkeypatch.setattr(memory, "allowance", lambda: 64 * 2**20)
    text = _refused(lambda: MCTS(game, MCTSOptions(nodes=10**8, sims=8)))
    most = int(text.split("accepted: nodes <= ")[1].split()[0])
    search = MCTS(game, MCTSOptions(nodes=most, sims=8), seed=1)
    assert search.memory_bytes(1)[0] <= 64 * 2**20
    assert search.run(game.initial_state(np.random.default_rng(0))[None]).simulations[0] == 8
    _refused(lambda: MCTS(game, MCTSOptions(nodes=most + 1, sims=8)))


def test_the_automatic_budget_fits_what_memory_there_is(game, monkeypatch):
    monkeypatch.setattr(memory, "allowance", lambda: 16 * 2**20)
    search = MCTS(game, MCTSOptions(sims=10**6), seed=1)  # auto: within the 16 MiB
    assert search.memory_bytes(1)[0] <= 16 * 2**20
    result = search.run(game.initial_state(np.random.default_rng(0))[None])
    assert result.simulations[0] > 0


def test_many_trees_and_many_leaves_are_refused_by_name(game, monkeypatch):
    monkeypatch.setattr(memory, "allowance", lambda: 256 * 2**20)
    states = np.stack([game.initial_state(np.random.default_rng(0))] * 4)
    search = MCTS(game, MCTSOptions(sims=8, nodes=2**21), seed=1)
    search.run(states[:1])
    text = _refused(lambda: search.run(states))  # 4 trees x 2 pools x 2**21 nodes x 24 bytes
    assert "nodes=2097152 would take" in text and "for 4 trees" in text, text
    wide = MCTS(game, MCTSOptions(sims=8, leaves=4096, reuse=False), uniform)
    batch = 2048  # the buffers of one step: 2048 trees x 4096 leaves x (state + priors)
    text = _refused(lambda: wide.check_memory(batch))
    assert "leaves=4096 would take" in text and "accepted: leaves <= " in text, text
    text = _refused(lambda: MCTS(game, MCTSOptions(sims=8)).check_memory(10**6))
    assert "trees (games searched at once)=1000000 would take" in text, text


def test_memory_figures_are_sane():
    assert 0 < memory.allowance() <= memory.available()
    assert memory.human(103079215104) == "96.0 GiB" and memory.human(12) == "12 bytes"
