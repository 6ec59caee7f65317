"""Go rules: hand-built positions, random games against a naive referee, the contract kit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tests.games.go_reference import RefGo
from varena.engine.errors import IllegalMoveError, SpecError
from varena.engine.host import get_host
from varena.engine.testing import check_game
from varena.games.go import Go, rules


def position(game: Go, rows: list[str], to_play: int = 0) -> np.ndarray:
    """A start position from a diagram (top row first): X black, O white, . empty."""
    flat = "".join(rows)
    assert len(flat) == game.area
    black = [i for i, ch in enumerate(flat) if ch == "X"]
    white = [i for i, ch in enumerate(flat) if ch == "O"]
    return game.setup(black, white, to_play)


def play(game: Go, state: np.ndarray, *moves: str) -> np.ndarray:
    for m in moves:
        state = game.play(state, game.parse_action(m))
    return state


def diagram(game: Go, state: np.ndarray) -> list[str]:
    return ["".join(".XO"[v] for v in row) for row in game.board(state)]


def legal(game: Go, state: np.ndarray, name: str) -> bool:
    return bool(game.legal_mask(state)[game.parse_action(name)])


def test_registered_and_spec():
    game = get_host().make_game("go:size=9,komi=6.5")
    assert isinstance(game, Go) and game.width == game.height == 9 and game.komi == 6.5
    assert game.spec == "go:size=9,komi=6.5"
    assert game.num_actions == 82 and game.pass_action == 81 and game.num_symmetries == 8
    assert Go(size=5, width=7).num_symmetries == 4 and Go(width=7, height=5).area == 35
    assert game.max_moves == 3 * 81
    with pytest.raises(SpecError, match="superko"):
        get_host().make_game("go:superko=japanese")
    with pytest.raises(SpecError, match="2..25"):
        get_host().make_game("go:size=26")


def test_names_like_gtp():
    game = Go(size=19)
    assert game.action_name(game.parse_action("A1")) == "A1"
    assert game.parse_action("A1") == 18 * 19 and game.parse_action("a19") == 0
    assert game.parse_action("T19") == 18 and game.action_name(8) == "J19"  # no column I
    assert game.parse_action("pass") == 361 == game.parse_action(" PASS ")
    for bad in ("I5", "Z1", "A20", "A0", "", "D"):
        with pytest.raises(IllegalMoveError):
            game.parse_action(bad)
    assert Go(size=25).action_name(24) == "Z25"


def test_capture_and_counts():
    game = Go(size=4)
    s = position(game, ["....", ".X..", "XOX.", "...."])
    s = play(game, s, "B1")
    assert diagram(game, s) == ["....", ".X..", "X.X.", ".X.."]
    assert game.captures(s) == (1, 0) and game.to_play(s) == 1


def test_snapback_is_not_ko():
    game = Go(size=5)
    s = position(game, [".OO..", "O.XOO", "OXOOX", "OXOXX", "O.XX."])
    s = play(game, s, "D5")  # throw-in, captured at once
    s = play(game, s, "E5")
    assert game.captures(s) == (0, 1) and game.ko_point(s) is None
    assert legal(game, s, "D5")
    s = play(game, s, "D5")  # takes back six stones
    assert game.captures(s) == (6, 1)


@pytest.mark.parametrize("superko", ["positional", "situational", "simple"])
def test_basic_ko(superko):
    game = Go(size=4, superko=superko)
    s = position(game, [".XO.", "XO.O", ".XO.", "...."])
    s = play(game, s, "C3")
    assert game.captures(s) == (1, 0)
    assert game.ko_point(s) == game.parse_action("B3") and not legal(game, s, "B3")
    s = play(game, s, "A1", "D1")  # a ko threat and its answer
    assert legal(game, s, "B3")
    s = play(game, s, "B3")
    assert game.captures(s) == (1, 1) and not legal(game, s, "C3")


def test_positional_superko_other_player_to_move():
    """A 3-move cycle that repeats the start position with the other player to move:
    forbidden under positional superko only."""
    rows = ["..O.", "XXOO", ".XOO", "XO.X"]
    for superko, allowed in (("positional", False), ("situational", True), ("simple", True)):
        game = Go(size=4, superko=superko)
        s = play(game, position(game, rows), "C1", "B1")
        assert game.captures(s) == (1, 2)
        assert game.ko_point(s) is None  # two stones were taken: no basic ko
        assert legal(game, s, "D1") is allowed, superko


def test_superko_four_move_cycle_same_player():
    """Two stones taken by each side in turn: the 4th move would repeat the start position
    with the same player to move, forbidden under both superko rules, not by basic ko."""
    rows = [".OOOX", "OOOXX", "OXX.X", "OOXXX", "XX.OX"]
    for superko, allowed in (("positional", False), ("situational", False), ("simple", True)):
        game = Go(size=5, superko=superko)
        s = play(game, position(game, rows, to_play=1), "C1", "B1", "D1")
        assert legal(game, s, "A1") is allowed, superko
        if allowed:
            assert diagram(game, play(game, s, "A1")) == rows


@pytest.mark.parametrize("suicide", [False, True])
def test_suicide(suicide):
    game = Go(size=4, suicide=suicide)
    s = position(game, [".OX.", "OX..", "X...", "...."], to_play=1)
    assert legal(game, s, "A4") is suicide
    if suicide:
        s = play(game, s, "A4")
        assert diagram(game, s) == ["..X.", ".X..", "X...", "...."]
        assert game.captures(s) == (3, 0)
    with pytest.raises(IllegalMoveError):  # an occupied point is never legal
        game.play(position(game, ["X...", "....", "....", "...."]), game.parse_action("A4"))


def test_single_stone_suicide_repeats_the_position():
    rows = [".X.", "X.X", ".X."]
    assert not legal(Go(size=3, suicide=True), position(Go(size=3), rows, 1), "B2")
    game = Go(size=3, suicide=True, superko="situational")
    s = play(game, position(game, rows, 1), "B2")
    assert diagram(game, s) == rows and game.captures(s) == (1, 0)


def test_scoring_area_and_results():
    game = Go(size=5, komi=0.5)
    s = position(game, [".XO.."] * 5)
    s = play(game, s, "pass", "pass")
    assert game.outcome(s) == (True, 1.0 if game.to_play(s) == 1 else -1.0)
    assert game.score(s) == -5.5 and game.result_text(s) == "W+5.5"
    draw = Go(size=5, komi=0)
    s = play(draw, position(draw, [".X.O."] * 5), "pass", "pass")
    assert draw.outcome(s) == (True, 0.0) and draw.result_text(s) == "0"
    assert np.array_equal(draw.returns(s), [0.0, 0.0])
    big = Go(size=5, komi=-3)
    s = play(big, position(big, ["XXXXX"] + ["....."] * 4), "pass", "pass")
    assert big.result_text(s) == "B+28"
    with pytest.raises(IllegalMoveError, match="not over"):
        big.result_text(big.initial_state())


def test_game_end_and_max_moves():
    game = Go(size=5, max_moves=3)
    s = play(game, game.initial_state(), "C3", "pass", "D3")
    assert game.outcome(s)[0] and not game.legal_mask(s).any()
    assert game.result_text(s) == "B+17.5"  # scored as it stands: 25 points - komi
    s = play(Go(size=5), Go(size=5).initial_state(), "pass", "C3", "pass")
    assert not Go(size=5).outcome(s)[0]  # passes must be consecutive
    with pytest.raises(IllegalMoveError, match="over"):
        game.play(play(game, game.initial_state(), "pass", "pass"), 0)


def _random_vs_reference(size, width, height, superko, suicide, seed, games):
    game = Go(size=size, width=width, height=height, komi=2.5, superko=superko, suicide=suicide)
    rng = np.random.default_rng(seed)
    for _ in range(games):
        ref = RefGo(game.width, game.height, 2.5, superko, suicide)
        s = game.initial_state()
        while not game.outcome(s)[0]:
            assert np.flatnonzero(game.legal_mask(s)).tolist() == ref.legal_moves()
            a = int(rng.choice(ref.legal_moves()))
            s = game.play(s, a)
            ref.play(a)
            assert game.board(s).ravel().tolist() == ref.board
            assert list(game.captures(s)) == ref.captures
            assert (game.ko_point(s) if game.ko_point(s) is not None else -1) == ref.ko
        assert game.score(s) == ref.area()


@pytest.mark.parametrize("superko", ["positional", "situational", "simple"])
@pytest.mark.parametrize("suicide", [False, True])
def test_random_games_match_naive_referee(superko, suicide):
    for size, w, h in ((2, None, None), (3, None, None), (4, None, None), (5, None, None),
                       (4, 4, 2), (3, 5, 3)):
        _random_vs_reference(size, w, h, superko, suicide, seed=size, games=6)


@settings(max_examples=25, deadline=None)
@given(size=st.integers(2, 6), superko=st.sampled_from(["positional", "situational", "simple"]),
       suicide=st.booleans(), seed=st.integers(0, 2**31))
def test_property_random_game_matches_referee(size, superko, suicide, seed):
    _random_vs_reference(size, None, None, superko, suicide, seed, games=1)


@pytest.mark.slow
def test_many_random_games_match_naive_referee():
    for size in (5, 7):
        for superko in ("positional", "situational"):
            _random_vs_reference(size, None, None, superko, True, seed=size, games=40)


@pytest.mark.parametrize("rollout", ["uniform", "noeye"])
@pytest.mark.parametrize("size", [5, 9, 19])
def test_playout_equals_step_replay(size, rollout):
    game = Go(size=size, rollout=rollout)
    for seed in range(3):
        s = game.initial_state()
        value = game.kernels.playout(s, seed)
        replay = game.initial_state()
        for _, a in game.moves(s):
            replay = game.play(replay, a)
        assert np.array_equal(s, replay)
        done, v = game.outcome(s)
        assert done and value == (v if game.to_play(s) == 0 else -v)
        again = game.initial_state()
        game.kernels.playout(again, seed)
        assert np.array_equal(again, s)


def test_noeye_playout_leaves_no_dame_points_to_fill():
    game = Go(size=9, rollout="noeye")
    s = game.initial_state()
    game.kernels.playout(s, 5)
    assert int(s[rules.PASSES]) >= 2


@pytest.mark.parametrize("spec", ["go:size=5", "go:size=9", "go:size=19",
                                  "go:size=7,width=7,height=5,superko=situational,suicide=true"])
def test_check_game(spec):
    check_game(spec, games=20 if "19" not in spec else 3)


def test_symmetries_keep_superko_history():
    game = Go(size=4)
    s = play(game, position(game, ["..O.", "XXOO", ".XOO", "XO.X"]), "C1", "B1")
    d1 = game.parse_action("D1")
    assert not game.legal_mask(s)[d1]
    for k in range(game.num_symmetries):
        moved = game.transform_states(s[None], k)[0]
        perm = game.action_permutation(k)
        assert not game.legal_mask(moved)[perm[d1]]
        assert np.array_equal(game.legal_mask(moved)[perm], game.legal_mask(s))
        assert game.captures(moved) == game.captures(s) and game.to_play(moved) == game.to_play(s)
        back = game.board(moved).ravel()[perm[:-1]]
        assert np.array_equal(back, game.board(s).ravel())


def test_tokens():
    game = Go(size=4, komi=5)
    s = play(game, position(game, [".XO.", "XO.O", ".XO.", "...."]), "C3")
    tok = game.tokens(s[None])
    assert tok.features.shape == (1, 16, 7) and tok.globals.shape == (1, 4)
    f = tok.features[0]
    white_to_move = 1
    a = game.parse_action
    assert f[a("C3"), 1] == 1 and f[a("C3"), 3] == 1  # opponent stone, one liberty (ko)
    assert f[a("C4"), 0] == 1 and f[a("C4"), 3] == 1  # own stone with one liberty
    assert f[a("D3"), 0] == 1 and f[a("D3"), 4] == 1  # own stone with two liberties
    assert f[a("A3"), 1] == 1 and f[a("A3"), 5] == 1  # three liberties
    assert f[a("B3"), 2] == 1 and f[a("B3"), 6] == 1  # empty, the ko point
    assert tok.globals[0].tolist() == pytest.approx([white_to_move, 4 / 19, 4 / 19, 0.5])
    assert tok.action_tokens[-1] == -1 and tok.positions[a("A1")].tolist() == [3, 0]


def test_render_and_heuristic():
    game = Go(size=5)
    s = play(game, game.initial_state(), "C3")
    text = game.render(s)
    assert " 3 . . X . . 3" in text and "White to move" in text
    assert -1 < game.kernels.heuristic(s) < 0  # White to move, Black leads on area
