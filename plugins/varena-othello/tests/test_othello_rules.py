"""Othello rules: hand-built positions, and random games move by move against the
brute-force referee of othello_reference.py on every even size 4..16."""

import numpy as np
import pytest
from othello_reference import Referee
from varena_othello import rules as R
from varena_othello.game import Othello

from varena.engine.errors import IllegalMoveError, SpecError
from varena.engine.testing import check_game


def test_start_position_and_openings():
    g = Othello()
    s = g.initial_state()
    assert g.discs(s) == (2, 2) and g.to_play(s) == 0
    legal = [g.action_name(a) for a in np.flatnonzero(g.legal_mask(s))]
    assert legal == ["d3", "c4", "f5", "e6"]
    s = g.play(s, g.parse_action("D3"))
    assert g.discs(s) == (4, 1) and g.board(s)[3, 3] == 1  # d4 flipped


def test_sizes_are_even_4_to_16():
    assert Othello(size=4).num_actions == 17 and Othello(size=16).num_actions == 257
    for bad in (2, 5, 7, 18):
        with pytest.raises(SpecError, match="even integer 4..16"):
            Othello(size=bad)


def test_a_move_flips_in_several_directions():
    g = Othello(size=6)
    board = np.zeros((6, 6), int)
    board[0, 0] = board[0, 4] = board[4, 0] = board[4, 4] = 1   # black anchors
    board[1, 1] = board[2, 2] = board[3, 3] = 2                  # white diagonal
    board[0, 1] = board[0, 3] = 2                                # white on the top row
    board[2, 0] = board[3, 0] = 2                                # white down the left
    s = g.position(board, to_play=0)
    # black on c1 (row 0, col 2) flips b1 (left) and d1 (right), not the diagonal
    after = g.board(g.play(s, g.parse_action("c1")))
    assert after[0, 1] == after[0, 3] == 1 and after[1, 1] == 2
    # black on a2 (row 1, col 0) flips a3, a4 down the file and nothing else
    after = g.board(g.play(s, g.parse_action("a2")))
    assert after[2, 0] == after[3, 0] == 1 and after[1, 1] == 2


def test_pass_only_when_no_move_and_end_when_neither_can_move():
    g = Othello(size=4)
    # white to move has no move; black has one (a2 flanks a3 against a4)
    board = np.array([[0, 0, 2, 0],
                      [0, 0, 0, 0],
                      [2, 0, 0, 0],
                      [1, 0, 0, 0]])
    s = g.position(board, to_play=1)
    mask = g.legal_mask(s)
    assert mask[g.pass_action] and mask.sum() == 1 and g.action_name(g.pass_action) == "pass"
    with pytest.raises(IllegalMoveError):
        g.play(s, g.parse_action("b2"))
    s = g.play(s, g.parse_action("pass"))
    assert g.to_play(s) == 0 and not g.legal_mask(s)[g.pass_action]
    assert [g.action_name(a) for a in np.flatnonzero(g.legal_mask(s))] == ["a2"]
    s = g.play(s, g.parse_action("a2"))
    # now neither side can move although 11 cells are empty: black wins 3-1
    assert g.outcome(s) == (True, -1.0) and g.result_text(s) == "Black wins (3-1)"
    # only one colour on the board: nobody can move, the game is over with empty cells
    s = g.position(np.where(board == 2, 1, board), to_play=0)
    assert g.outcome(s) == (True, 1.0) and g.result_text(s) == "Black wins (3-0)"
    with pytest.raises(IllegalMoveError, match="over"):
        g.play(s, g.pass_action)


def test_draw_on_equal_discs():
    g = Othello(size=4)
    board = np.array([[1, 1, 1, 1], [1, 1, 1, 1], [2, 2, 2, 2], [2, 2, 2, 2]])
    s = g.position(board)
    assert g.outcome(s) == (True, 0.0) and g.result_text(s) == "draw (8-8)"


def test_names_round_trip_and_bad_names():
    g = Othello(size=16)
    assert g.action_name(0) == "a1" and g.action_name(255) == "p16"
    assert g.parse_action(" P16 ") == 255 and g.parse_action("PASS") == 256
    with pytest.raises(IllegalMoveError, match="a..p and a row 1..16"):
        g.parse_action("q1")
    with pytest.raises(IllegalMoveError, match="a..d"):
        Othello(size=4).parse_action("e1")


def _compare_random_games(size, games, seed):
    g = Othello(size=size)
    rng = np.random.default_rng(seed)
    for _ in range(games):
        ref, s = Referee(size), g.initial_state()
        while True:
            legal = np.flatnonzero(g.legal_mask(s)).tolist()
            assert legal == sorted(ref.legal())
            assert s[R.HEADER:].tolist() == ref.cells()
            done, value = g.outcome(s)
            assert done == ref.over
            if done:
                w = ref.winner()
                assert value == (0.0 if w == 0 else 1.0 if w == g.to_play(s) + 1 else -1.0)
                break
            assert g.to_play(s) == ref.color - 1
            a = legal[rng.integers(len(legal))]
            s = g.play(s, a)
            ref.play(a)


@pytest.mark.parametrize("size", [4, 6, 8, 10])
def test_random_games_agree_with_the_brute_force_referee(size):
    _compare_random_games(size, games=20 if size < 10 else 5, seed=size)


@pytest.mark.slow
@pytest.mark.parametrize("size", [12, 14, 16])
def test_random_games_agree_on_large_boards(size):
    _compare_random_games(size, games=2, seed=size)


def test_playout_kernel_ends_like_the_rules():
    """The fast playout plays legal games: its final board is one the referee reaches too."""
    g = Othello(size=6)
    for seed in range(30):
        s = g.initial_state()
        value = g.kernels.playout(s, seed)
        assert g.outcome(s)[0] and not g.legal_mask(s).any()
        b, w = g.discs(s)
        cells = s[R.HEADER:]
        assert (b, w) == (int((cells == 1).sum()), int((cells == 2).sum()))
        # the final position really is over: neither colour has a disc move
        for me in (1, 2):
            assert not any(R.is_legal(cells, 6, i, me) for i in range(36))
        assert value == (0.0 if b == w else 1.0 if b > w else -1.0)  # black was to move


def test_playout_is_uniform_over_legal_moves():
    """Black has two moves, a1 and d4; whichever it plays, white must pass and black plays
    the other, so the playout's last move tells its first: each about half the time."""
    g = Othello(size=4)
    board = np.array([[0, 2, 1, 1],
                      [1, 1, 1, 1],
                      [1, 1, 1, 1],
                      [1, 1, 2, 0]])
    start = g.position(board, to_play=0)
    assert [g.action_name(a) for a in np.flatnonzero(g.legal_mask(start))] == ["a1", "d4"]
    last = []
    for seed in range(2000):
        s = start.copy()
        assert g.kernels.playout(s, seed) == 1.0 and g.discs(s) == (16, 0)
        last.append(int(s[R.LAST]))
    assert set(last) == {0, 15}
    assert abs(last.count(0) / 2000 - 0.5) < 0.05


def test_conformance_kit():
    for size in (4, 6, 8):
        check_game(f"othello:size={size}", games=10)
