"""Hostile input to the Gomocup brain (its stdin) and from external engines (their stdout):
every brain answer is one protocol line; every engine misdeed is an AgentError (a forfeit)
within the time limit, never a crash or a hang."""

from __future__ import annotations

import io
import sys
import time

import pytest
from hypothesis import given, strategies as st

from tests.fuzzing import FAST, FAST_PROCESS, LONG, LONG_PROCESS, NASTY, mutate
from varena.engine.errors import AgentError
from varena.engine.host import get_host
from varena.tournaments.gomocup import serve

HUGE = "9" * 5000
ANSWER_HEADS = ("OK", "ERROR ", "UNKNOWN ", "MESSAGE ", 'name="varena"')


def brain_answers(data: bytes) -> list[str]:
    out = io.StringIO()
    serve("random", io.BytesIO(data), out, seed=0)
    lines = out.getvalue().split("\n")
    assert lines[-1] == ""
    for line in lines[:-1]:
        head_ok = line.startswith(ANSWER_HEADS)
        move = line.count(",") == 1 and all(p.isascii() and p.isdigit() for p in line.split(","))
        assert head_ok or move, line
    return lines[:-1]


def test_brain_survives_invalid_utf8_and_endless_lines():
    data = b"START 9\n\xff\xfe TURN\nTURN 4,\xc3\n" + b"x" * 200_000 + b"\nBEGIN\nEND\n"
    answers = brain_answers(data)
    assert answers[0] == "OK" and answers[1].startswith("UNKNOWN")
    assert answers[2].startswith("ERROR expected 2")
    assert answers[3] == "ERROR line longer than 65536 bytes"
    assert answers[4].count(",") == 1


@pytest.mark.parametrize("line, fragment", [
    (f"START {HUGE}", "START needs a board size"), ("START ١٥", "START needs a board size"),
    (f"TURN {HUGE},1", "expected 2"), ("TURN ٣,٣", "expected 2"),
    (f"INFO rule {HUGE}", "INFO rule needs an integer"), ("RECTSTART 9,9,9", "expected 2"),
])
def test_brain_numbers_are_ascii_with_a_range(line, fragment):
    answers = brain_answers(f"START 9\n{line}\n".encode())
    assert answers[1].startswith("ERROR") and fragment in answers[1], answers


def test_brain_board_and_info_stay_bounded():
    board = "".join(f"{i % 9},{i // 9 % 9},1\n" for i in range(200))
    answers = brain_answers(f"START 9\nBOARD\n{board}DONE\n".encode())
    assert "ERROR BOARD lists more than the 81 cells" in answers
    info = "".join(f"INFO k{i} 1\n" for i in range(100))
    assert sum(a.startswith("ERROR more than 64 INFO keys") for a in
               brain_answers(f"START 9\n{info}".encode())) == 100 - 64


BRAIN_SEEDS = [b"START 9\nINFO rule 1\nBEGIN\nTURN 3,3\nTAKEBACK 3,3\nRESTART\nEND\n",
               b"RECTSTART 7,9\nBOARD\n1,1,1\n2,2,2\nDONE\nTURN 0,0\nABOUT\n",
               b"START 15\nINFO timeout_turn 1000\nTURN 7,7\nTURN 8,8\nTURN 9,9\n"]


@FAST
@given(st.sampled_from(BRAIN_SEEDS), st.randoms(use_true_random=False))
def test_brain_fuzz(seed_input, rng):
    brain_answers(mutate(seed_input, rng))


@pytest.mark.slow
@pytest.mark.fuzz
@LONG
@given(st.sampled_from(BRAIN_SEEDS), st.randoms(use_true_random=False))
def test_brain_fuzz_long(seed_input, rng):
    brain_answers(mutate(seed_input, rng, rounds=8))


# -- external engines: whatever an engine writes ------------------------------------------
def _engine_says(tmp_path, protocol: str, data: bytes, timeout: float = 1.0) -> None:
    """An engine that writes ``data`` at once and then sleeps: the agent must forfeit or
    read a move, within its limit."""
    blob = tmp_path / "answer.bin"
    blob.write_bytes(data)
    host = get_host()
    game = host.make_game("go:size=5" if protocol == "gtp" else "gomoku:size=7")
    script = tmp_path / "engine.py"
    script.write_text("import sys, time\nsys.stdout.buffer.write(open(sys.argv[1], 'rb').read())\n"
                      "sys.stdout.flush()\ntime.sleep(30)\n")
    agent = host.make_agent(f'{protocol}:cmd="{sys.executable} -S {script} {blob}",'
                            f'timeout={timeout}', game, 0)
    start = time.monotonic()
    try:
        action = int(agent.select_actions(game.initial_state()[None])[0])
        assert 0 <= action < game.num_actions
    except AgentError:
        pass
    finally:
        agent.close()
    assert time.monotonic() - start < timeout * 8 + 5


ENGINE_SEEDS = {
    "gtp": [b"=\n\n=\n\n=\n\n=\n\n= C3\n\n", b"= \n\n= \n\n=\n\n=\n\n?  no\n\n",
            b"=1\n\n=2\n\n=3\n\n=4\n\n= resign\n\n"],
    "gomocup": [b"OK\nMESSAGE hi\n3,3\n", b"OK\nDEBUG x\nERROR nope\n", b"OK\n6,6\n"],
}


@pytest.mark.parametrize("protocol, data", [
    ("gtp", b"=\n\n=\n\n=\n\n=\n\n= \xff\xfe\xc3\n\n"), ("gtp", b"=\n\n" + b"x" * 300_000),
    ("gomocup", b"OK\n\xff,\xfe\n"), ("gomocup", b"OK\n" + b"MESSAGE " * 100_000),
    ("gomocup", b"OK\n" + f"{HUGE},1\n".encode()),
])
def test_engine_garbage_is_a_forfeit(tmp_path, protocol, data):
    _engine_says(tmp_path, protocol, data)


@FAST_PROCESS
@given(st.sampled_from(sorted(ENGINE_SEEDS)), st.data(), st.randoms(use_true_random=False))
def test_engine_output_fuzz(tmp_path_factory, protocol, data, rng):
    seed_output = data.draw(st.sampled_from(ENGINE_SEEDS[protocol]))
    _engine_says(tmp_path_factory.mktemp("e"), protocol, mutate(seed_output, rng), timeout=0.5)


@pytest.mark.slow
@pytest.mark.fuzz
@LONG_PROCESS
@given(st.sampled_from(sorted(ENGINE_SEEDS)), st.data(), st.randoms(use_true_random=False))
def test_engine_output_fuzz_long(tmp_path_factory, protocol, data, rng):
    seed_output = data.draw(st.sampled_from(ENGINE_SEEDS[protocol]))
    _engine_says(tmp_path_factory.mktemp("e"), protocol, mutate(seed_output, rng, 8), timeout=0.5)


def test_nasty_tokens_include_the_classics():
    assert HUGE in NASTY and "١٢" in NASTY


@pytest.mark.parametrize("cmd, fragment", [
    ('"ls\x00x"', "NUL"), ('"' + "a" * 60_000 + '"', "not found"),
    ('"' + "a" * 100_000 + '"', "too long"), ('"/dev/null"', "not found"),
    ('"/tmp"', "not found"), ("\"'unclosed\"", "No closing quotation"),
])
def test_engine_command_is_checked_in_one_line(cmd, fragment):
    from varena.engine.errors import SpecError

    game = get_host().make_game("go:size=5")
    with pytest.raises(SpecError, match=fragment):
        get_host().make_agent(f"gtp:cmd={cmd}", game, 0)
