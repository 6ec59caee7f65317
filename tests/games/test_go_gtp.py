"""The GTP engine: a scripted session with bad input, handicap, undo, SGF, time, the CLI."""

from __future__ import annotations

import io

import numpy as np
import pytest
from click.testing import CliRunner

from varena.games.go import Go, records
from varena.games.go.command import gtp_command
from varena.games.go.gtp import GtpEngine, handicap_points

STANDARD = ["protocol_version", "name", "version", "known_command", "list_commands", "quit",
            "boardsize", "clear_board", "komi", "fixed_handicap", "place_free_handicap",
            "set_free_handicap", "play", "genmove", "undo", "time_settings", "time_left",
            "final_score", "final_status_list", "loadsgf", "reg_genmove", "showboard"]


class TimedAgent:
    """Plays the first legal point and remembers the move times it was given."""

    def __init__(self, game):
        self.game, self.times, self.resets = game, [], 0

    def set_move_time(self, seconds):
        self.times.append(seconds)

    def reset(self):
        self.resets += 1

    def select_actions(self, states):
        return np.array([np.flatnonzero(self.game.legal_mask(s))[0] for s in states])


class FakeHost:
    def __init__(self, agent_cls=TimedAgent):
        self.agent_cls, self.made = agent_cls, []

    def make_agent(self, spec, game, seed):
        self.made.append(self.agent_cls(game))
        return self.made[-1]


def session(engine: GtpEngine, script: str) -> list[str]:
    """Responses (without the trailing blank line) to each command line of ``script``."""
    out = []
    for line in script.splitlines():
        r = engine.handle(line)
        if r is not None:
            assert r.endswith("\n\n") and "\n\n" not in r[:-2]
            out.append(r[:-2])
    return out


def test_standard_commands_are_known():
    engine = GtpEngine("random", seed=1)
    listed = session(engine, "list_commands")[0][2:].split("\n")
    assert set(STANDARD) <= set(listed)
    assert session(engine, "known_command genmove\nknown_command frobnicate") == ["= true", "= false"]


def test_scripted_session_with_bad_input():
    engine = GtpEngine("random", seed=3)
    script = """1 protocol_version
    2 name
    boardsize 30
    boardsize x
    boardsize
    boardsize 9
    komi seven
    komi 6.5
    play b e5
    play b e5
    play x e5
    play w i5
    play w z9
    play w
    play white pass
    7 fixed_handicap 3
    undo
    undo
    undo
    frobnicate 1 2
    \x01\x02play\tb\tc3  # a tab, a comment and control characters
    final_status_list maybe
    time_settings 1 2
    time_left b x 0
    is_legal b c3
    is_legal w d4
    captures white
    list_stones black
    99
    10 quit"""
    got = session(engine, script)
    assert got == [
        "=1 2", "=2 varena", "? unacceptable size", "? boardsize not an integer",
        "? boardsize not an integer", "= ", "? komi not a float", "= ", "= ",
        "? illegal move", "? invalid color or coordinate", "? invalid color or coordinate",
        "? invalid color or coordinate", "? invalid color or coordinate", "= ",
        "?7 board not empty", "= ", "= ", "? cannot undo", "? unknown command", "= ",
        "? invalid status", "? not three integers", "? invalid color, time or stones",
        "= 0", "= 1", "= 0", "= C3", "?99 syntax error", "=10 ",
    ]
    assert not engine.running


def test_game_flow_capture_genmove_score():
    engine = GtpEngine("random", seed=5)
    got = session(engine, """boardsize 5
    komi 0.5
    play b b1
    play w a1
    play b a2
    captures black
    list_stones white
    genmove w
    reg_genmove b
    final_score
    final_status_list alive
    final_status_list dead
    showboard""")
    assert got[:5] == ["= ", "= ", "= ", "= ", "= "]
    assert got[5] == "= 1" and got[6] == "= "
    move = got[7][2:]
    assert move == "pass" or Go(size=5).parse_action(move) < 25
    assert got[9].startswith(("= B+", "= W+")) or got[9] == "= 0"
    assert set(got[10][2:].split()) >= {"B1", "A2"} and got[11] == "= "
    assert got[12].startswith("= \n   A B C D E\n 5 ")


def test_passes_then_play_resumes():
    engine = GtpEngine("random", seed=0)
    got = session(engine, "boardsize 5\nplay b pass\nplay w pass\nfinal_score\nplay b c3\ngenmove w")
    assert got[3] == "= W+7.5" and got[4] == "= " and got[5].startswith("= ")
    assert engine.game.board(engine.state).ravel()[engine.game.parse_action("C3")] == 1


@pytest.mark.parametrize("size, n, expect", [
    (19, 2, {"D4", "Q16"}), (19, 5, {"D4", "Q16", "D16", "Q4", "K10"}),
    (19, 6, {"D4", "Q16", "D16", "Q4", "D10", "Q10"}),
    (19, 9, {"D4", "Q16", "D16", "Q4", "D10", "Q10", "K4", "K16", "K10"}),
    (7, 4, {"C3", "E5", "C5", "E3"}), (9, 3, {"C3", "G7", "C7"}), (13, 8, None),
])
def test_fixed_handicap_placement(size, n, expect):
    pts = handicap_points(size, n)
    assert len(set(pts)) == n and (expect is None or set(pts) == expect)


def test_handicap_commands_and_undo_floor():
    engine = GtpEngine("random", seed=0)
    got = session(engine, """boardsize 9
    fixed_handicap 10
    fixed_handicap 4
    genmove black
    undo
    undo
    clear_board
    place_free_handicap 30
    clear_board
    set_free_handicap a1 a1
    set_free_handicap a1
    set_free_handicap a1 b2 zz
    set_free_handicap a1 b2 j9""")
    assert got[1] == "? invalid handicap" and len(got[2].split()) == 5
    assert got[4] == "= " and got[5] == "? cannot undo"  # handicap stones cannot be undone
    assert len(got[7].split()) == 31 and got[9] == "? repeated vertex"
    assert got[10] == "? invalid handicap" and got[11] == "? invalid coordinate"
    assert got[12] == "= " and engine.game.to_play(engine.state) == 1
    assert session(engine, "boardsize 5\nfixed_handicap 2") == ["= ", "? invalid handicap"]


def test_loadsgf(tmp_path):
    game = Go(size=9, komi=5.5)
    state = game.initial_state()
    for name in ("E5", "C3", "G7"):
        state = game.play(state, game.parse_action(name))
    records.save(tmp_path / "g.sgf", game, state)
    (tmp_path / "bad.sgf").write_text("(;GM[1]SZ[9];B[ee];W[ee])")
    engine = GtpEngine("random", seed=0)
    got = session(engine, f"""loadsgf {tmp_path / 'g.sgf'}
    list_stones black
    undo
    loadsgf {tmp_path / 'g.sgf'} 2
    list_stones black
    loadsgf {tmp_path / 'bad.sgf'}
    loadsgf {tmp_path / 'none.sgf'}""")
    assert got[0] == "= white" and set(got[1][2:].split()) == {"E5", "G7"}
    assert got[2] == "= "  # the loaded moves can be taken back
    assert got[3] == "= white" and got[4] == "= E5"
    assert got[5] == f"? cannot open or parse '{tmp_path / 'bad.sgf'}'"
    assert got[6].startswith("? cannot open or parse")
    assert engine.game.komi == 5.5


def test_time_settings_reach_the_agent():
    host = FakeHost()
    engine = GtpEngine("timed", host=host)
    session(engine, """boardsize 9
    time_settings 300 30 5
    time_left b 120 0
    genmove b
    time_left w 25 5
    genmove w
    time_settings 0 1 0
    genmove b
    clear_board""")
    times = host.made[0].times
    assert times[0] == pytest.approx(0.9 * 120 / 27)  # main time over ~moves to come (81/3)
    assert times[1] == pytest.approx(0.9 * 25 / 5)  # byo-yomi: time per stone
    assert times[2] is None  # GTP: no time limit
    assert host.made[0].resets == 1


def test_agent_crash_does_not_kill_the_engine():
    class Broken(TimedAgent):
        def select_actions(self, states):
            raise RuntimeError("boom\nwith two lines")

    engine = GtpEngine("broken", host=FakeHost(Broken))
    got = session(engine, "boardsize 5\ngenmove b\nname")
    assert got[1] == "? internal error: boom with two lines" and got[2] == "= varena"


def test_cli_command_serves_stdin():
    from varena.engine.cli import full_cli

    cli = full_cli()
    result = CliRunner().invoke(cli, ["gtp", "--agent", "random", "--seed", "1"],
                                input="boardsize 7\ngenmove b\nshowboard\nquit\nname\n")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("= \n\n= ") and result.output.endswith("= \n\n")
    bad = CliRunner().invoke(cli, ["gtp", "--agent", "nosuchsolver"], input="")
    assert bad.exit_code != 0 and "nosuchsolver" in bad.output
    rules = CliRunner().invoke(gtp_command, ["--game", "go:superko=situational"], input="quit\n")
    assert rules.exit_code == 0


def test_serve_stops_at_quit():
    engine = GtpEngine("random")
    out = io.StringIO()
    engine.serve(io.StringIO("name\nquit\nname\n"), out)
    assert out.getvalue() == "= varena\n\n= \n\n"
