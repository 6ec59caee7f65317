"""SGF records: exact round trips, handicap setup, passes, malformed and illegal files."""

from __future__ import annotations

import numpy as np
import pytest

from varena.engine.errors import FormatError
from varena.games.go import Go, records, sgf


def _finished(game: Go, seed: int, state: np.ndarray | None = None) -> np.ndarray:
    s = game.initial_state() if state is None else state.copy()
    game.kernels.playout(s, seed)
    return s


@pytest.mark.parametrize("spec", [
    {"size": 9, "komi": 6.5},
    {"size": 5, "superko": "situational", "suicide": True},
    {"size": 7, "width": 7, "height": 5, "komi": 0},
    {"size": 19, "superko": "simple"},
    {"size": 25, "komi": -2.5, "suicide": True},
])
def test_round_trip_is_exact(spec, tmp_path):
    game = Go(**spec)
    state = _finished(game, seed=11)
    path = tmp_path / "game.sgf"
    rec = records.save(path, game, state, {"PB": "black [bot]", "PW": "white\\bot", "EV": "t"})
    text = path.read_text()
    assert text.startswith("(;GM[1]FF[4]") and "RE[" in text and "DT[" in text
    assert r"PB[black [bot\]]" in text and r"PW[white\\bot]" in text
    game2, states, rec2 = records.load(path)
    assert rec2 == rec
    assert np.array_equal(states[-1], state) and game2.spec == game.spec
    assert sgf.format_go(rec2) == text  # written again: the same bytes
    assert not list(tmp_path.glob(".*.tmp"))  # no temp file left behind


def test_handicap_setup_and_first_player(tmp_path):
    game = Go(size=9)
    start = game.setup(black=["C3", "G7", "C7"], to_play=1)
    state = _finished(game, 3, start)
    rec = records.record_of(game, state)
    text = sgf.format_go(rec)
    assert "AB[cc][gc][cg]" in text and "PL[" not in text  # White first after handicap
    game2, states, _ = records.loads(text)
    assert np.array_equal(states[0], start) and np.array_equal(states[-1], state)
    # Black to move first after black-only setup needs PL[B]; it survives the round trip
    odd = game.setup(black=["E5"], white=["D4"], to_play=1)
    text = sgf.format_go(records.record_of(game, odd))
    assert "PL[W]" in text and records.loads(text)[1][0][0:30].tolist() == odd[:30].tolist()


def test_reading_common_forms():
    text = """(;FF[4]GM[1]SZ[9]KM[5.5]RU[NZ]HA[2]AB[cc:cd][gg]PB[Honinbo]
        C[a comment \\] with escapes]
        ;W[ee]C[first move];B[tt];W[];B[dd]
        (;W[ff];B[fg])(;W[aa]))"""
    game, states, rec = records.loads(text)
    assert game.superko == "situational" and game.suicide and game.komi == 5.5
    assert sorted(rec.black) == sorted([game.parse_action(v) for v in ("C7", "C6", "G3")])
    assert rec.first == 1 and rec.info["PB"] == "Honinbo" and rec.info["HA"] == "2"
    assert [game.action_name(a) for _, a in rec.moves] == ["E5", "pass", "pass", "D6", "F4", "F3"]
    assert len(states) == 7  # the game resumes after two passes
    rect = records.loads("(;GM[1]SZ[5:3];B[ec])")[0]
    assert (rect.width, rect.height) == (5, 3)
    big = records.loads("(;GM[1]SZ[21];B[tt])")[2]
    assert big.moves == [(0, 19 * 21 + 19)]  # tt is a point on boards above 19x19


@pytest.mark.parametrize("text, where, message", [
    ("(;GM[1]SZ[9];B[aa", "1:15", "unterminated"),
    ("(;GM[4]SZ[15])", "1:3", "not a Go record"),
    ("(;GM[1]SZ[x])", "1:8", "bad board size"),
    ("(;GM[1]SZ[30])", "1:8", "not supported"),
    ("junk", "1:1", "starts with"),
    ("(;GM[1]SZ[9];B[aa]W[bb])", "1:19", "move 1: a node with both"),
    ("(;GM[1]SZ[9]\n;B[aa];W[bb]\n;b[cc])", "3:2", "property name"),
    ("(;GM[1]SZ[9]\n;B[aa];W[zz])", "2:8", r"move 2 \(W\[zz\]\)"),
    ("(;GM[1]SZ[9];B[aa];W[ab]\n;B[aa])", "2:2", r"move 3 \(B A9\) is illegal"),
    ("(;GM[1]SZ[9];B[aa];AB[cc])", "1:20", "after move 1"),
    ("(;GM[1]SZ[9]KM[seven])", "1:13", "bad komi"),
    ("(;GM[1]SZ[9]AB[aa]AW[aa])", "1:13", "both a black and a white"),
    ("(;GM[1]SZ[9];B[aa]", "1:19", "end of file"),
    ("(;GM[1]SZ[9]B)", "1:13", "no value"),
])
def test_malformed_and_illegal_files(text, where, message):
    with pytest.raises(FormatError, match=rf"^bad\.sgf:{where}: .*{message}"):
        records.loads(text, "bad.sgf")


def test_setup_without_liberties_is_rejected():
    with pytest.raises(FormatError, match=r"bad\.sgf: setup: the chain at A2 has no liberty"):
        records.loads("(;GM[1]SZ[2]AB[aa][ab]AW[ba][bb])", "bad.sgf")


@pytest.mark.parametrize("km, message", [("1e400", "komi=inf .*not a finite"), ("nan", "komi=nan"),
                                         ("1e30", "komi=1e\\+30 .*accepted: number -1000..1000")])
def test_komi_out_of_range_is_one_line(km, message):
    # the komi went straight into the compiled rules: a Numba TypingError or OverflowError
    with pytest.raises(FormatError, match=rf"^bad\.sgf: .*{message}"):
        records.loads(f"(;GM[1]SZ[9]KM[{km}];B[aa])", "bad.sgf")


def test_illegal_capture_sequence_names_the_move(tmp_path):
    path = tmp_path / "ko.sgf"
    # a ko taken back at once (move 4 retakes the ko point)
    path.write_text("(;GM[1]SZ[4]AB[ba][ab][bc]AW[ca][bb][db][cc]PL[B]\n;B[cb];W[bb])\n")
    with pytest.raises(FormatError, match=r"ko\.sgf:2:8: move 2 \(W B3\) is illegal"):
        records.load(path)
    with pytest.raises(FormatError, match="cannot read"):
        records.load(tmp_path / "missing.sgf")
