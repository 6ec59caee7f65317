"""Game records: Game.record_text writes SGF for Go (games/go) and Gomoku (games/gomoku)."""

import numpy as np
import pytest

from varena.engine.api import Game
from varena.engine.host import get_host
from varena.engine.play import GameRecord, play_game
from varena.games.go.records import loads
from varena.games.gomoku import format_gomoku


def _record(game, moves, result="", reason="end", returns=(0.0, 0.0), players=("a", "b")):
    return GameRecord(game.spec, players, tuple(moves), tuple(game.action_name(a) for a in moves),
                      returns, result, reason, 0, 0.0)


@pytest.mark.parametrize("spec", ["go:size=3,suicide=true", "go:size=3,superko=situational",
                                  "go:width=4,height=3,komi=0.5"])
def test_go_records_load_back_with_their_rules(spec):
    game = get_host().make_game(spec)
    # the last move is Black's three-stone suicide at A2 (legal only under suicide=true)
    moves = [0, 2, 1, 4, 8, 6] + ([3] if game.suicide else [])
    state = game.initial_state(np.random.default_rng(0))
    for a in moves:
        state = game.play(state, a)
    text = game.record_text(_record(game, moves))
    loaded, states, rec = loads(text)
    assert (loaded.superko, loaded.suicide, loaded.komi) == (game.superko, game.suicide, game.komi)
    assert [a for _, a in rec.moves] == moves and np.array_equal(states[-1], state)
    assert rec.info["PB"] == "a" and rec.info["PW"] == "b" and rec.info["RE"] == "0"


def test_go_record_of_a_played_game_keeps_result_passes_and_names():
    host = get_host()
    game = host.make_game("go:size=5")
    agents = [host.make_agent("random", game, seed=s) for s in (1, 2)]
    record, state = play_game(game, agents, names=["x]y", "z"], seed=0)
    text = game.record_text(record)
    assert game.record_suffix == ".sgf" and text.startswith("(;GM[1]FF[4]")
    loaded, states, rec = loads(text)
    assert np.array_equal(states[-1][: game.state_len], state)
    assert rec.info["PB"] == "x]y" and rec.info["RE"] == record.result.split(" ")[0]
    assert rec.info["GN"] == game.spec


@pytest.mark.parametrize("reason, score, re_value", [
    ("forfeit: b resigned", (1.0, -1.0), "B+R"),
    ("forfeit: a played an illegal move (x)", (-1.0, 1.0), "W+F"),
    ("max_moves", (0.0, 0.0), "0"),
])
def test_gomoku_record_result_and_comment(reason, score, re_value):
    game = get_host().make_game("gomoku:size=9")
    moves = [game.parse_action(n) for n in ("e5", "e6", "f5")]
    text = game.record_text(_record(game, moves, result="x", reason=reason, returns=score))
    assert text.startswith("(;GM[4]FF[4]") and "SZ[9]" in text and f"RE[{re_value}]" in text
    assert "C[" in text and "KM[" not in text
    r, c = divmod(moves[0], 9)
    assert f";B[{'abcdefghi'[c]}{'abcdefghi'[r]}]" in text
    assert f";W[{'abcdefghi'[moves[1] % 9]}{'abcdefghi'[moves[1] // 9]}]" in text


def test_gomoku_rectangular_board_size():
    text = format_gomoku(9, 6, [(0, 9 * 5 + 8)], {"PB": "x"})
    assert "SZ[9:6]" in text and ";B[if]" in text and "PB[x]" in text


def test_a_game_without_a_record_format_writes_none():
    game = get_host().make_game("tsp:n=5")
    assert Game.record_text(game, None) is None and game.record_suffix == ""
