"""Gomoku rules: hand-built positions, a brute-force reference, the contract kit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.games import gomoku_reference as ref
from varena.engine.errors import IllegalMoveError, SpecError
from varena.engine.host import get_host
from varena.engine.testing import check_game
from varena.games import gomoku_rules as R
from varena.games.gomoku import Gomoku

RULES = ("freestyle", "standard", "renju", "caro")


def make(spec: str) -> Gomoku:
    return get_host().make_game(spec)


def empty_board(n: int = 15) -> np.ndarray:
    return np.zeros((n, n), dtype=np.int64)


def put(board: np.ndarray, color: int, *cells: tuple[int, int]) -> np.ndarray:
    for r, c in cells:
        board[r, c] = color
    return board


def is_forbidden(board: np.ndarray, r: int, c: int) -> bool:
    """Kernel answer (through the legal mask with black to move) checked against the reference."""
    g = make(f"gomoku:width={board.shape[1]},height={board.shape[0]},rule=renju")
    s = g.position(board, to_play=0)
    kernel = not g.legal_mask(s)[r * g.width + c]
    assert kernel == bool(g.forbidden(s)[r * g.width + c])
    assert kernel == ref.forbidden(board.tolist(), r, c), "kernel and reference disagree"
    return kernel


# -- configuration ----------------------------------------------------------------------------
def test_registered_with_defaults():
    g = make("gomoku")
    assert isinstance(g, Gomoku) and g.spec == "gomoku"
    assert (g.width, g.height, g.k, g.rule, g.num_actions) == (15, 15, 5, "freestyle", 225)
    assert g.state_len == R.HEADER + 225 and g.num_symmetries == 8
    rect = make("gomoku:width=9,height=6,k=4")
    assert (rect.width, rect.height, rect.num_symmetries) == (9, 6, 4)
    assert rect.spec == "gomoku:width=9,height=6,k=4"


@pytest.mark.parametrize("spec, words", [
    ("gomoku:size=9,k=10", "k=10"),
    ("gomoku:k=4,rule=renju", "renju needs k=5"),
    ("gomoku:size=2", "size"),
    ("gomoku:width=30", "width"),
    ("gomoku:rule=pente", "rule"),
    ("gomoku:width=4,height=3,k=5", "k=5"),
])
def test_bad_specs_are_one_line(spec, words):
    with pytest.raises(SpecError) as info:
        make(spec)
    msg = str(info.value)
    assert words in msg and "\n" not in msg


def test_tic_tac_toe_is_a_draw_with_perfect_play():
    g = make("gomoku:size=3,k=3")
    memo: dict[bytes, float] = {}

    def value(s: np.ndarray) -> float:
        key = s[R.HEADER:].tobytes()  # the last-move field would split equal positions
        if key not in memo:
            done, v = g.outcome(s)
            if not done:
                v = max(-value(g.next_state(s, a)) for a in np.flatnonzero(g.legal_mask(s)))
            memo[key] = v
        return memo[key]

    assert value(g.initial_state()) == 0.0
    assert len(memo) == 5478  # the number of reachable tic-tac-toe positions


# -- winning lines ------------------------------------------------------------------------------
def play_line(g: Gomoku, black: list[int], white: list[int]) -> np.ndarray:
    s = g.initial_state()
    for b, w in zip(black, white + [None], strict=False):
        s = g.play(s, b)
        if w is not None and not g.outcome(s)[0]:
            s = g.play(s, w)
    return s


@pytest.mark.parametrize("rule, wins", [("freestyle", True), ("standard", False), ("caro", False)])
def test_overline(rule, wins):
    g = make(f"gomoku:size=9,rule={rule}")
    # Black fills row 0 at columns 0-3 and 5, then 4 joins them into six.
    s = play_line(g, [0, 1, 2, 3, 5, 4], [9, 10, 11, 12, 18])
    assert g.outcome(s)[0] is wins
    if wins:
        assert g.result_text(s) == "Black wins (five in a row)"


def test_caro_blocked_at_both_ends_does_not_win():
    g = make("gomoku:size=9,rule=caro")
    b = np.zeros((9, 9), int)
    b[0, 1:5] = 1
    b[0, 0] = b[0, 6] = 2
    b[4, 0:2] = 2
    assert not g.outcome(g.play(g.position(b), 5))[0]  # OXXXXXO: closed at both ends
    b[0, 6] = 0
    b[4, 2] = 2
    assert g.outcome(g.play(g.position(b), 5))[0]  # one end open
    edge = np.zeros((9, 9), int)
    edge[0, 1:5] = 1
    edge[0, 5] = 2
    edge[5, 0:3] = 2
    assert g.outcome(g.play(g.position(edge), 0))[0], "the board edge does not block in caro"


def test_renju_white_overline_wins_black_needs_exactly_five():
    g = make("gomoku:size=15,rule=renju")
    board = empty_board()
    put(board, 2, (0, 0), (0, 1), (0, 2), (0, 4), (0, 5))
    put(board, 1, (5, 5), (9, 9), (5, 9), (9, 5), (12, 12), (2, 12))
    s = g.position(board, to_play=1)
    end = g.play(s, 3)
    assert g.outcome(end) == (True, -1.0) and g.result_text(end) == "White wins (five in a row)"


# -- renju forbidden moves ----------------------------------------------------------------------
def test_renju_double_three_is_forbidden():
    b = put(empty_board(), 1, (7, 5), (7, 6), (5, 7), (6, 7))
    assert is_forbidden(b, 7, 7)
    put(b, 2, (7, 4))  # one three is now closed at one end: only a single three remains
    put(b, 2, (7, 8))
    assert not is_forbidden(b, 7, 7)


def test_renju_double_four_is_forbidden():
    b = put(empty_board(), 1, (7, 4), (7, 5), (7, 6), (4, 7), (5, 7), (6, 7))
    put(b, 2, (7, 3), (3, 7))  # both fours are closed at one end: still two fours
    assert is_forbidden(b, 7, 7)


def test_renju_double_four_in_one_line_is_forbidden():
    b = put(empty_board(), 1, (7, 1), (7, 3), (7, 5), (7, 7))  # X.XpX.X
    assert is_forbidden(b, 7, 4)
    b2 = put(empty_board(), 1, (7, 1), (7, 2), (7, 5), (7, 7), (7, 8))  # XX.pX.XX
    assert is_forbidden(b2, 7, 4)


def test_renju_overline_is_forbidden():
    b = put(empty_board(), 1, (7, 2), (7, 3), (7, 4), (7, 6), (7, 7))
    assert is_forbidden(b, 7, 5)


def test_renju_five_beats_every_forbidden_pattern():
    b = put(empty_board(), 1, (7, 3), (7, 4), (7, 5), (7, 6), (5, 7), (6, 7), (5, 5), (6, 6))
    put(b, 2, (7, 2), (7, 8), (0, 0), (0, 2), (0, 4), (0, 6), (0, 8), (0, 10))
    assert not is_forbidden(b, 7, 7)  # five + double-three
    g = make("gomoku:rule=renju")
    s = g.play(g.position(b, to_play=0), 7 * 15 + 7)
    assert g.outcome(s) == (True, -1.0) and g.result_text(s) == "Black wins (five in a row)"
    over = put(empty_board(), 1, (7, 3), (7, 4), (7, 5), (7, 6), (2, 7), (3, 7), (4, 7), (5, 7), (6, 7))
    assert not is_forbidden(over, 7, 7)  # five in the row beats the vertical overline


def test_renju_four_three_is_allowed():
    b = put(empty_board(), 1, (7, 4), (7, 5), (7, 6), (5, 7), (6, 7))
    assert not is_forbidden(b, 7, 7)


def test_renju_false_three_does_not_count():
    # Row 7: X X p, closed on the right by white, so its only straight-four point is (7,4);
    # (7,4) is itself forbidden (double-four with the column and diagonal through it),
    # which makes the row a false three: with the real column three, p is legal.
    b = put(empty_board(), 1, (7, 5), (7, 6), (5, 7), (6, 7),
            (4, 4), (5, 4), (6, 4), (4, 1), (5, 2), (6, 3))
    put(b, 2, (7, 9))
    assert is_forbidden(b, 7, 4)
    assert not is_forbidden(b, 7, 7)
    # Without the stones through (7,4) the row is a real three: double-three.
    b2 = b.copy()
    for r, c in ((4, 4), (5, 4), (6, 4), (4, 1), (5, 2), (6, 3)):
        b2[r, c] = 0
    assert is_forbidden(b2, 7, 7)


def test_renju_three_closed_by_overline_is_not_a_three():
    # Row o.xxp..x (renju literature): one end is closed by white, the other would need an
    # overline to become a straight four, so the row is no three; with the column, p is legal.
    b = put(empty_board(), 1, (7, 3), (7, 4), (7, 8), (5, 5), (6, 5))
    put(b, 2, (7, 1))
    assert not is_forbidden(b, 7, 5)
    b[7, 8] = 0
    assert is_forbidden(b, 7, 5)


# -- random positions against the reference ------------------------------------------------------
def _compare_game(g: Gomoku, rng: np.random.Generator, check_mask: bool) -> int:
    s = g.initial_state()
    plies = 0
    while True:
        board = g.board(s).tolist()
        turn = g.to_play(s)
        mover = 2 - turn  # colour of the last move
        done, value = g.outcome(s)
        ref_win = plies > 0 and ref.has_win(board, mover, g.k, g.rule)
        assert (done and value == -1.0) == ref_win, g.render(s)
        if check_mask and not ref_win:
            expect = np.zeros(g.num_actions, bool)
            expect[ref.legal(board, turn, g.rule)] = True
            assert np.array_equal(g.legal_mask(s), expect), g.render(s)
            if not expect.any():
                assert done and value == 0.0
        if done:
            return plies
        legal = np.flatnonzero(g.legal_mask(s))
        s = g.play(s, int(rng.choice(legal)))
        plies += 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), w=st.integers(5, 19), h=st.integers(5, 19),
       k=st.integers(3, 6), rule=st.sampled_from(("freestyle", "standard", "caro")))
def test_random_games_match_reference(seed, w, h, k, rule):
    k = min(k, max(w, h))
    g = make(f"gomoku:width={w},height={h},k={k},rule={rule}")
    _compare_game(g, np.random.default_rng(seed), check_mask=w * h <= 100)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(6, 9))
def test_random_renju_games_match_reference(seed, n):
    _compare_game(make(f"gomoku:size={n},rule=renju"), np.random.default_rng(seed), check_mask=True)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(7, 11), density=st.floats(0.15, 0.45))
def test_dense_renju_boards_match_reference(seed, n, density):
    """Random boards rich in black stones: every empty cell's forbidden status agrees."""
    rng = np.random.default_rng(seed)
    board = rng.choice([0, 1, 2], size=(n, n), p=[1 - density, density * 0.75, density * 0.25])
    g = make(f"gomoku:size={n},rule=renju")
    got = g.forbidden(g.position(board, to_play=0))
    rows = board.tolist()
    for cell in np.flatnonzero(board.reshape(-1) == 0):
        r, c = divmod(int(cell), n)
        assert got[cell] == ref.forbidden(rows, r, c), (r, c, board)


@pytest.mark.parametrize("size", [9, 15])
def test_renju_statuses_follow_the_moves(size):
    """The statuses that step keeps equal a rebuild from scratch after every move, from
    the empty board, from a position() and from a transformed state."""
    g = make(f"gomoku:size={size},rule=renju")
    n = g.num_actions
    rng = np.random.default_rng(size)
    flag = R.HEADER + 2 * n

    def scratch(s: np.ndarray) -> np.ndarray:
        t = s.copy()
        t[flag] = 0
        R._update_statuses(t, 0)  # the flag is clear: every status is rebuilt
        return t

    starts = [g.initial_state()]
    for _ in range(12):
        starts[0] = g.play(starts[0], int(rng.choice(np.flatnonzero(g.legal_mask(starts[0])))))
    starts.append(g.position(g.board(starts[0])))
    starts.append(g.transform_states(starts[0][None], 5)[0])
    for s in starts:
        for _ in range(60):
            if g.outcome(s)[0]:
                break
            mask = g.legal_mask(s)
            if s[flag]:
                assert np.array_equal(s, scratch(s)), g.render(s)
                uncached = s.copy()
                uncached[flag] = 0
                assert np.array_equal(mask, g.legal_mask(uncached)), g.render(s)
            s = g.play(s, int(rng.choice(np.flatnonzero(mask))))
        assert s[flag] == 1


@pytest.mark.parametrize("rule", RULES)
def test_playout_ends_consistently(rule):
    g = make(f"gomoku:size=9,rule={rule}")
    for seed in range(30):
        s = g.initial_state()
        value = g.kernels.playout(s, seed)
        again = g.initial_state()
        assert g.kernels.playout(again, seed) == value and np.array_equal(s, again)
        done, v = g.outcome(s)
        assert done and int(s[R.COUNT]) == int((g.board(s) != 0).sum())
        board = g.board(s).tolist()
        if v == -1.0:
            winner = 2 - g.to_play(s)
            assert ref.has_win(board, winner, g.k, rule) and value == (1.0 if winner == 1 else -1.0)
        else:
            assert value == 0.0


def test_heuristic_prefers_the_side_with_the_open_four():
    g = make("gomoku:size=15")
    s = g.initial_state()
    for a in (112, 0, 113, 14, 114, 210):
        s = g.play(s, a)
    h = g.kernels.heuristic(s)  # black to move with an open three
    assert 0 < h < 1
    assert g.kernels.heuristic(g.initial_state()) == 0.0


# -- presentation, encoding, symmetries ---------------------------------------------------------
def test_action_names_follow_gomocup_guis():
    g = make("gomoku")
    assert g.action_name(7 * 15 + 7) == "h8" and g.parse_action("H8") == 112
    assert g.action_name(0) == "a15" and g.action_name(224) == "o1"
    big = make("gomoku:size=25")
    assert big.action_name(24) == "y25"
    for bad in ("z1", "a16", "a0", "h", "", "8h"):
        with pytest.raises(IllegalMoveError):
            g.parse_action(bad)


def test_render_and_result():
    g = make("gomoku:size=5,k=4")
    s = play_line(g, [0, 1, 2, 3], [5, 6, 7])
    text = g.render(s)
    assert "a b c d e" in text and "[X]" in text and text.endswith("Black wins (four in a row)")


def test_tokens():
    g = make("gomoku:width=7,height=5,rule=renju")
    s = g.play(g.initial_state(), 0)
    tok = g.tokens(np.stack([g.initial_state(), s]))
    assert tok.features.shape == (2, 35, 4) and tok.globals.shape == (2, 8)
    assert tok.features[1, 0, 1] == 1 and tok.features[1, 0, 0] == 0  # white to move: opp stone
    assert tok.positions[8].tolist() == [1, 1] and tok.action_tokens[8] == 8
    assert tok.globals[1, 0] == 1 and tok.globals[0, 4 + 2] == 1


def test_tokens_mark_renju_forbidden_cells():
    b = put(empty_board(), 1, (7, 5), (7, 6), (5, 7), (6, 7))
    put(b, 2, (0, 0), (0, 2), (0, 4), (0, 6))
    s = make("gomoku:rule=renju").position(b)
    forbidden = make("gomoku:rule=renju").tokens(np.stack([s, s])).features[:, :, 3]
    assert forbidden[1, 7 * 15 + 7] == 1 and forbidden[0].sum() == forbidden[1].sum() >= 1
    assert make("gomoku").tokens(s[None]).features[..., 3].sum() == 0


@pytest.mark.parametrize("spec", ["gomoku:size=6", "gomoku:width=7,height=5",
                                  "gomoku:size=9,rule=renju"])
def test_symmetries_commute_with_moves(spec):
    g = make(spec)
    rng = np.random.default_rng(1)
    s = g.initial_state()
    for _ in range(6):
        s = g.play(s, int(rng.choice(np.flatnonzero(g.legal_mask(s)))))
    for k in range(g.num_symmetries):
        perm = g.action_permutation(k)
        t = g.transform_states(s[None], k)[0]
        for a in np.flatnonzero(g.legal_mask(s))[:5]:
            moved = g.transform_states(g.next_state(s, a)[None], k)[0]
            assert np.array_equal(g.next_state(t, perm[a]), moved)


# -- the contract kit -----------------------------------------------------------------------------
@pytest.mark.parametrize("spec", [
    "gomoku:size=9", "gomoku:size=9,rule=standard", "gomoku:size=9,rule=renju",
    "gomoku:size=9,rule=caro", "gomoku:size=3,k=3", "gomoku:width=8,height=5,k=4",
    "gomoku:size=15,rule=renju",
])
def test_check_game(spec):
    check_game(spec, games=6)
