import sys
import time
from pathlib import Path

import pytest

from varena.engine.errors import SpecError
from varena.engine.host import get_host
from varena.engine.play import play_game

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
        ("flood", 2, "longer than 65536 bytes"),
        ("chatter", 2, "no answer within 0.5 s"),
        ("badutf8", 2, "unreadable move"),
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


def _go_game(spec_a, spec_b, size=5, seed=1):
    host = get_host()
    game = host.make_game(f"go:size={size}")
    agents = [host.make_agent(spec_a, game, seed), host.make_agent(spec_b, game, seed + 1)]
    try:
        record, _ = play_game(game, agents, names=["a", "b"], seed=seed)
    finally:
        for agent in agents:
            getattr(agent, "close", lambda: None)()
    return record


def test_good_gtp_engine_plays_a_whole_go_game():
    record = _go_game(f"gtp:cmd={_cmd('gtp', 'good')}", "random")
    assert record.reason == "end" and record.result[:2] in ("B+", "W+", "0")


@pytest.mark.parametrize(
    "mode, n, fragment",
    [
        ("crash", 2, "engine exited"),
        ("hang", 2, "no answer within 0.5 s"),
        ("illegal", 2, "played an illegal move"),
        ("garbage", 1, "unreadable move 'Z99'"),
        ("resign", 2, "a resigned"),
        ("flood", 2, "longer than 65536 bytes"),
        ("chatter", 2, "longer than 4096 lines"),
        ("badutf8", 2, "unreadable move"),
    ],
)
def test_misbehaving_gtp_engine_forfeits(mode, n, fragment):
    start = time.monotonic()
    record = _go_game(f"gtp:cmd={_cmd('gtp', mode, n)},timeout=0.5", "random")
    assert record.reason.startswith("forfeit: a") and fragment in record.reason, record.reason
    assert record.returns == (-1.0, 1.0)
    assert time.monotonic() - start < 20  # the timeout holds while the engine floods


def test_engine_closed_with_its_helpers(tmp_path, monkeypatch):
    """close() kills the engine's whole process group, so a helper it started goes too."""
    pidfile = tmp_path / "orphan.pid"
    monkeypatch.setenv("FAKE_ORPHAN_PIDFILE", str(pidfile))
    record = _go_game(f"gtp:cmd={_cmd('gtp', 'orphan', 1)},timeout=1", "random")
    assert "no answer within 1 s" in record.reason
    pid = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid), "the engine's helper outlived it"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def test_varena_gtp_engine_as_an_external_player():
    cmd = f'"{sys.executable} -c \'from varena.engine.cli import main; main()\' gtp --agent random"'
    record = _go_game(f"gtp:cmd={cmd},timeout=60", "random")
    assert record.reason == "end", record.reason


@pytest.mark.gnugo
def test_a_real_short_match_against_gnu_go(tmp_path):
    from varena.tournaments.external import resolve_command

    try:
        resolve_command("gnugo")
    except SpecError:
        pytest.skip("GNU Go is not installed (Debian package gnugo)")
    from varena.tournaments.config import Config
    from varena.tournaments.runner import run

    # --capture-all-dead: under area scoring without dead-stone removal, GNU Go must
    # capture what it knows is dead before passing.
    cmd = "gnugo --mode gtp --level 1 --chinese-rules --capture-all-dead"
    config = Config(games=["go:size=7"], agents={"random": "random", "gnugo": f'gtp:cmd="{cmd}"'},
                    games_per_pairing=2, concurrency=1, seed=2).validate()
    rows = run(config, tmp_path).rows()
    assert len(rows) == 2 and all(r.reason == "end" for r in rows)
    scores = {r.first: r.score for r in rows}
    assert scores["gnugo"] == 1.0 and scores["random"] == 0.0  # GNU Go beats random both ways
    assert all((tmp_path / r.record).read_text().startswith("(;GM[1]FF[4]") for r in rows)
