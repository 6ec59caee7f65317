import sys
from pathlib import Path

import pytest

from engine.errors import SpecError
from engine.host import get_host
from engine.play import play_game

FAKE = Path(__file__).with_name("fake_engine.py")


def _cmd(protocol, mode, n=1):
    return f'"{sys.executable} {FAKE} {protocol} {mode} {n}"'


def _gomocup_game(mode, n=1, timeout=2.0):
    host = get_host()
    game = host.make_game("gomoku:size=7")
    fake = host.make_agent(f"gomocup:cmd={_cmd('gomocup', mode, n)},timeout={timeout}", game, 0)
    rand = host.make_agent("random", game, 1)
    try:
        record, _ = play_game(game, [fake, rand], names=["fake", "random"], seed=3)
    finally:
        fake.close()
    return record


def test_good_gomocup_engine_plays_a_whole_game():
    record = _gomocup_game("good")
    assert record.reason == "end" and len(record.moves) >= 9


@pytest.mark.parametrize(
    "mode, n, fragment",
    [
        ("crash", 3, "engine exited (code 3)"),
        ("hang", 2, "no answer within 0.5 s"),
        ("illegal", 1, "played an illegal move"),
        ("garbage", 2, "unreadable move 'hello'"),
    ],
)
def test_misbehaving_engine_forfeits_the_game(mode, n, fragment):
    record = _gomocup_game(mode, n, timeout=0.5)
    assert record.reason.startswith("forfeit: fake") and fragment in record.reason, record.reason
    assert record.returns == (-1.0, 1.0)
    assert record.result == "random wins by forfeit"


def test_missing_program_is_a_clear_spec_error():
    game = get_host().make_game("gomoku:size=7")
    with pytest.raises(SpecError, match="program 'no-such-engine' not found on PATH"):
        get_host().make_agent("gomocup:cmd=no-such-engine", game)
    with pytest.raises(SpecError, match="cmd is required"):
        get_host().make_agent("gomocup", game)


def test_gtp_agent_plays_only_go():
    game = get_host().make_game("gomoku:size=7")
    with pytest.raises(SpecError, match="does not support game"):
        get_host().make_agent(f"gtp:cmd={_cmd('gtp', 'good')}", game)
