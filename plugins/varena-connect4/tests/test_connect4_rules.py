"""Connect Four rules: hand-built games, and random games move by move against the
brute-force referee of connect4_reference.py on many sizes and k."""

import numpy as np
import pytest
from connect4_reference import Referee
from varena_connect4 import rules as R
from varena_connect4.game import ConnectFour

from varena.engine.errors import IllegalMoveError, SpecError
from varena.engine.testing import check_game


def test_discs_fall_and_lines_win():
    g = ConnectFour()
    s = g.play_columns("4455")
    assert g.board(s)[5, 3] == 1 and g.board(s)[4, 3] == 2 and g.to_play(s) == 0
    assert not g.outcome(s)[0]
    s = g.play_columns("4455667")  # red: 4, 5, 6, 7 along the bottom row
    assert g.outcome(s) == (True, -1.0) and g.result_text(s) == "Red wins (four in a row)"
    s = g.play_columns("1212121")  # red stacks four in column 1
    assert g.outcome(s)[0] and g.returns(s).tolist() == [1.0, -1.0]
    s = g.play_columns("121212")  # three are not four
    assert not g.outcome(s)[0]


def test_diagonal_win_both_directions():
    g = ConnectFour()
    s = g.play_columns("1223343447")  # red on a1 b2 c3, d3 is red: not yet four
    assert not g.outcome(s)[0]
    s = g.play_columns("12233434474")  # red's fourth on d4: a1 b2 c3 d4 rising right
    assert g.result_text(s) == "Red wins (four in a row)"
    s = g.play_columns("76655454414")  # the mirror image, rising to the left
    assert g.result_text(s) == "Red wins (four in a row)"


def test_full_column_is_illegal_and_full_board_draws():
    g = ConnectFour(width=4, height=4, k=4)
    s = g.play_columns("1111")
    assert not g.legal_mask(s)[0] and g.legal_mask(s)[1:].all()
    with pytest.raises(IllegalMoveError):
        g.play(s, 0)
    s = g.play_columns("1323113413442422")  # sixteen discs and no line
    assert g.outcome(s) == (True, 0.0) and g.result_text(s) == "draw"
    assert not g.legal_mask(s).any()


def test_k_in_a_row_and_overlines():
    g = ConnectFour(width=9, height=7, k=5)
    s = g.play_columns("1122334")
    assert not g.outcome(s)[0]  # four is not five
    s = g.play_columns("112233445")
    assert g.result_text(s) == "Red wins (five in a row)"
    s = g.play_columns("11224455" "3")  # the middle disc joins two pairs: five
    assert g.result_text(s) == "Red wins (five in a row)"
    g = ConnectFour(k=4)
    s = g.play_columns("1122446" "63")  # 1 2 _ 4 then 3: a line of four
    assert g.result_text(s) == "Red wins (four in a row)"
    g = ConnectFour(width=7, height=6, k=3)
    s = g.play_columns("11223")
    assert g.result_text(s) == "Red wins (three in a row)"


def test_sizes_and_bad_specs():
    assert ConnectFour(width=15, height=15, k=15).num_actions == 15
    with pytest.raises(SpecError, match="width=3 is not accepted; accepted: integer 4..15"):
        ConnectFour(width=3)
    with pytest.raises(SpecError, match="k=8 does not fit a 7x6 board; accepted: 2..7"):
        ConnectFour(k=8)


def test_names():
    g = ConnectFour(width=12)
    assert [g.action_name(a) for a in (0, 11)] == ["1", "12"]
    assert g.parse_action(" 12 ") == 11 and g.parse_action("B") == 1
    with pytest.raises(IllegalMoveError, match=r"column 1..12 \(or a..l\)"):
        g.parse_action("13")


def _compare(width, height, k, games, seed):
    g = ConnectFour(width=width, height=height, k=k)
    rng = np.random.default_rng(seed)
    for _ in range(games):
        ref, s = Referee(width, height, k), g.initial_state()
        while True:
            assert s[R.HEADER:].tolist() == ref.cells()
            legal = np.flatnonzero(g.legal_mask(s)).tolist()
            assert legal == ref.legal()
            done, value = g.outcome(s)
            assert done == ref.over
            if done:
                assert value == (0.0 if ref.winner == 0 else -1.0)
                if ref.winner:
                    assert ref.winner != g.to_play(s) + 1  # the winner moved last
                break
            assert g.to_play(s) == ref.color - 1
            a = legal[rng.integers(len(legal))]
            s = g.play(s, a)
            ref.play(a)


@pytest.mark.parametrize("width,height,k", [(4, 4, 3), (5, 4, 4), (7, 6, 4), (6, 7, 4),
                                            (9, 7, 5), (4, 4, 4), (8, 5, 2), (15, 4, 6)])
def test_random_games_agree_with_the_brute_force_referee(width, height, k):
    _compare(width, height, k, games=15, seed=width * 100 + height * 10 + k)


@pytest.mark.slow
def test_random_games_agree_on_the_largest_board():
    _compare(15, 15, 5, games=3, seed=1)


def test_playout_kernel_plays_legal_games():
    g = ConnectFour(width=5, height=4)
    for seed in range(30):
        s = g.initial_state()
        value = g.kernels.playout(s, seed)
        assert g.outcome(s)[0]
        # replay the final board's discs as a game would have left them: gravity holds
        board = g.board(s)
        for c in range(5):
            col = board[:, c]
            assert (col[np.argmax(col != 0):] != 0).all() or not col.any()
        res = int(s[R.RESULT])
        assert value == (0.0 if res == R.DRAW else 1.0 if res == 1 else -1.0)


@pytest.mark.parametrize("width,height,k", [(7, 6, 4), (5, 4, 4), (4, 4, 3), (9, 6, 5),
                                            (4, 12, 4), (8, 7, 2)])
def test_bitboard_playout_plays_the_cell_playout_game(width, height, k):
    """Boards with W * (H + 1) <= 64 play out on bitboards; from the same seed they must play
    the very game the cell-array playout plays (same draws, same end, same final state)."""
    g = ConnectFour(width=width, height=height, k=k)
    rng = np.random.default_rng(width * height * k)
    for seed in range(200):
        s = g.initial_state()
        for _ in range(rng.integers(0, 8)):
            legal = np.flatnonzero(g.legal_mask(s))
            if not legal.size:
                break
            s = g.play(s, int(rng.choice(legal)))
        if g.outcome(s)[0]:
            assert g.kernels.playout(s.copy(), seed) == g.outcome(s)[1]
            continue
        cells, bits = s.copy(), s.copy()
        value = R._playout_cells(cells, seed)
        assert R._playout_bits(bits, seed) == value and np.array_equal(bits, cells), seed
        assert g.kernels.playout(s, seed) == value and np.array_equal(s, cells)


def test_playout_is_uniform_over_columns():
    """Two cells are left, in columns 3 and 4, and neither disc ends the game, so the
    playout's last disc tells its first: each column about half the time."""
    g = ConnectFour(width=4, height=4, k=4)
    s0 = g.play_columns("12222431134314")
    assert g.legal_mask(s0).tolist() == [False, False, True, True] and not g.outcome(s0)[0]
    lasts = []
    for seed in range(2000):
        s = s0.copy()
        g.kernels.playout(s, seed)
        assert int(s[R.COUNT]) == 16
        lasts.append(int(s[R.LAST]) % 4)
    assert set(lasts) == {2, 3} and abs(lasts.count(2) / 2000 - 0.5) < 0.05


def test_conformance_kit():
    for spec in ("connect4", "connect4:width=5,height=4", "connect4:width=15,height=15,k=5"):
        check_game(spec, games=10)
