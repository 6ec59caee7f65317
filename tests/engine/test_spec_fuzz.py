"""Spec strings under hostile input (issue 16): whatever ``game:key=value`` or ``agent:...``
is given to make_game, make_agent or ``varena play``, the answer is success or one line
(a VarenaError; exit 2 on the CLI), never another exception, a hang or a blow-up."""

from __future__ import annotations

import random
import resource
import time

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

import varena.engine.memory as memory
from tests.engine.spec_inputs import AGENT_GAMES, first_move, seeds, spec
from tests.fuzzing import FAST, FAST_PROCESS, LONG, LONG_PROCESS
from varena.engine.cli import full_cli
from varena.engine.errors import VarenaError
from varena.engine.host import get_host
from varena.engine.params import parse_spec

HOST = get_host()
GAMES, AGENTS, TABLE = seeds(HOST)
GAME_NAMES = sorted(HOST.games)
AGENT_NAMES = sorted(n for n in HOST.solvers if n in TABLE)
#: Most a spec may take to be refused or built (a real hang takes for ever) and allocate.
SECONDS, BYTES = 30.0, 1024 * 2**20


@pytest.fixture(scope="module", autouse=True)
def networks_imported():
    """torch imported and the searches compiled once per state dtype, untimed (a fresh
    cache's compile takes tens of seconds once per machine; the bound below is for what a
    spec itself costs, where a hang takes for ever)."""
    pytest.importorskip("torch")
    from varena.engine.precompile import precompile

    precompile(HOST)


def _peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _one_line(make) -> object | None:
    try:
        return make()
    except VarenaError as exc:
        assert "\n" not in str(exc) and str(exc).strip(), repr(exc)
        return None


def check_spec(game_text: str, agent_text: str, agent_game: str) -> None:
    """Parse both, make the game (and its first state), make the agent for a small game."""
    real = memory.allowance
    # a search budget the memory check accepts is allocated: keep what it may accept small
    memory.allowance = lambda: min(real(), 256 * 2**20)
    try:
        _check_spec(game_text, agent_text, agent_game)
    finally:
        memory.allowance = real


def _check_spec(game_text: str, agent_text: str, agent_game: str) -> None:
    before, start = _peak(), time.monotonic()
    _one_line(lambda: parse_spec(game_text))
    game = _one_line(lambda: HOST.make_game(game_text))
    if game is not None:
        game.initial_state(np.random.default_rng(0))
    target = HOST.make_game(agent_game)
    agent = _one_line(lambda: HOST.make_agent(agent_text, target, seed=0))
    if agent is not None:
        try:
            _one_line(lambda: first_move(agent, target))
        finally:
            agent.close()
    assert time.monotonic() - start < SECONDS, (game_text, agent_text)
    assert _peak() - before < BYTES, (game_text, agent_text, _peak() - before)


def _draw(rng: random.Random) -> tuple[str, str, str]:
    return (spec(rng, GAME_NAMES, TABLE, GAMES), spec(rng, AGENT_NAMES, TABLE, AGENTS),
            rng.choice(AGENT_GAMES))


@FAST
@given(st.randoms(use_true_random=False))
def test_spec_fuzz(rng):
    check_spec(*_draw(rng))


@pytest.mark.slow
@pytest.mark.fuzz
@LONG
@given(st.randoms(use_true_random=False))
def test_spec_fuzz_long(rng):
    check_spec(*_draw(rng))


def check_cli(game_text: str, agent_text: str) -> None:
    """``varena play`` one move: exit 0, or exit 2 with one line (never a traceback)."""
    start = time.monotonic()
    # '--': a spec starting with '-' is a spec, not an option (that is click's usage error)
    result = CliRunner().invoke(full_cli(), ["play", "--p1", agent_text, "--max-moves", "1",
                                             "--quiet", "--", game_text])
    assert time.monotonic() - start < SECONDS, (game_text, agent_text)
    assert result.exit_code in (0, 2), (game_text, agent_text, result.output, result.exception)
    if result.exit_code == 2:
        lines = [ln for ln in result.output.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), result.output


def _draw_cli(rng: random.Random) -> tuple[str, str]:
    # the first player is a mutated cheap agent: a 10**7-simulation move is slow, not a bug
    cheap = ["random", "reference", "alphabeta:depth=1", "mcts:sims=2", "nearest_neighbour"]
    return spec(rng, GAME_NAMES, TABLE, GAMES), spec(rng, ["random"], TABLE, cheap)


@FAST_PROCESS
@given(st.randoms(use_true_random=False))
def test_cli_spec_fuzz(rng):
    check_cli(*_draw_cli(rng))


@pytest.mark.slow
@pytest.mark.fuzz
@LONG_PROCESS
@given(st.randoms(use_true_random=False))
def test_cli_spec_fuzz_long(rng):
    check_cli(*_draw_cli(rng))


@pytest.mark.parametrize("text", [
    "gomoku:size=" + "9" * 5000, "gomoku:size=١٢", "gomoku:size=\udcff", "go:komi=1e999",
    "go:komi=nan", "gomoku:" + "k=5," * 5000, "gomoku:size=5,size=6", 'gomoku:rule="renju',
    "gomoku:\x00=1", "gomoku\x00", "tsp:n=10000000000", "a" * 100_000, ":" * 10_000,
    "gomoku:rule=" + '"' * 10_000, "gomoku:" + "=" * 10_000, "gomoku:size=2.5",
])
def test_hostile_game_specs_are_one_line(text):
    check_spec(text, "random", "gomoku:size=5,k=4")
    check_cli(text, "random")


@pytest.mark.parametrize("text", [
    "mcts:sims=" + "9" * 5000, "mcts:nodes=2147483648", "mcts:c=inf", "mcts:reuse=maybe",
    "alphavit:checkpoint=/dev/zero", "alphavit:checkpoint=\x00", "ptrnet:checkpoint=/dev/zero",
    "set2seq:checkpoint=/proc/self/mem",
    "mcts:leaves=4096,sims=8", "alphabeta:depth=65", "mcts:" + "sims=1," * 3000,
])
def test_hostile_agent_specs_are_one_line(text):
    check_spec("random", text, "gomoku:size=5,k=4")


#: Found by this fuzzing: the checkpoint resolvers called Path.is_file() on the spec's text,
#: which raises OSError (ENAMETOOLONG) for a name over 255 bytes.
@pytest.mark.parametrize("text", [
    f"{solver}:checkpoint=" + "x" * 300 for solver in ("alphavit", "ptrnet", "set2seq")])
def test_over_long_checkpoint_names_are_one_line(text):
    game = "tsp:n=6" if text.startswith(("ptrnet", "set2seq")) else "gomoku:size=5,k=4"
    check_spec("random", text, game)


def test_a_spec_of_many_keys_parses_in_linear_time():
    # each key was compared with every earlier one: 40,000 keys took 57 s
    text = "gomoku:" + ",".join(f"a{i}=1" for i in range(8000))
    start = time.monotonic()
    assert len(parse_spec(text).args) == 8000
    assert time.monotonic() - start < 0.5  # was 2.5 s here


def test_an_over_long_spec_and_its_values_are_cut_in_the_error():
    with pytest.raises(VarenaError, match=r"is too long; accepted: up to 65536 characters"):
        parse_spec("gomoku:size=" + "9" * 70_000)
    for text in ("gomoku:size=" + "9" * 5000, "x" * 5000, "gomoku:" + "é" * 5000 + "=1",
                 "mcts:" + "q" * 5000 + "=1"):
        with pytest.raises(VarenaError) as info:
            HOST.make_agent(text, HOST.make_game("gomoku:size=5,k=4")) if text.startswith(
                "mcts") else HOST.make_game(text)
        assert len(str(info.value)) < 400 and "characters)" in str(info.value), str(info.value)
