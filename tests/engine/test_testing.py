import numpy as np
import pytest

from tests.engine.nim_source import NIM
from varena.engine.testing import check_game


@pytest.fixture(scope="module")
def nim_cls():
    namespace: dict = {}
    exec(compile(NIM, "nim_plugin", "exec"), namespace)
    return namespace["Nim"]


def test_check_game_passes_a_correct_python_game(nim_cls):
    check_game(nim_cls.from_params(stones=9), games=5)


def test_check_game_passes_a_third_party_spec(plugin_dir, host_factory, monkeypatch):
    import varena.engine.host
    from tests.engine.nim_source import GOOD

    plugin_dir("varena-nim", GOOD)
    monkeypatch.setattr(varena.engine.host, "_HOST", host_factory())
    check_game("nim:stones=4", games=3)


def _broken(nim_cls, **overrides):
    return type("Broken", (nim_cls,), overrides).from_params(stones=6)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"legal_mask": lambda self, s: np.array([True, s[0] >= 2])}, "legal moves remain after the game is over"),
        ({"initial_state": lambda self, rng=None: np.array([np.random.randint(3, 9), 0], np.int16)},
         "same seed differ"),
        ({"outcome": lambda self, s: (True, -2.0) if s[0] == 0 else (False, 0.0)}, "outside \\[-1, 1\\]"),
        ({"next_state": lambda self, s, a: s.__setitem__(0, s[0] - a - 1) or s.__setitem__(1, 1 - s[1]) or s},
         "modified its input"),
        ({"initial_state": lambda self, rng=None: np.array([6, 0], np.int32)}, "dtype"),
        ({"legal_mask": lambda self, s: np.array([s[0] >= 1, s[0] >= 1])}, "no legal move|did not end"),
        ({"num_symmetries": 2, "action_permutation": lambda self, k: np.array([0, 1][:: 1 - 2 * k])},
         "does not map legal moves"),
    ],
    ids=["moves-after-end", "nondeterministic", "value-range", "mutates-input", "dtype",
         "over-takes", "bad-symmetry"],
)
def test_check_game_catches_broken_games(nim_cls, overrides, message):
    if "transform_states" not in overrides and "num_symmetries" in overrides:
        overrides["transform_states"] = lambda self, states, k: states.copy()
    with pytest.raises(AssertionError, match=message):
        check_game(_broken(nim_cls, **overrides), games=5)


def test_a_wrong_state_dtype_from_next_state_says_so(nim_cls):
    broken = _broken(nim_cls, next_state=lambda self, s, a: np.array([s[0] - a - 1, 1 - s[1]], np.int64))
    with pytest.raises(AssertionError, match=r"next_state\(state, \d\) at move 0 returned a state of "
                                             r"dtype int64; expected state_dtype int16"):
        check_game(broken, games=2)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"render": lambda self, s: None}, "render returned NoneType, not str"),
        ({"to_play": lambda self, s: 2}, r"to_play returned 2 at move 0; accepted: 0..1"),
        ({"legal_mask": lambda self, s: [True, True]}, "legal_mask returned list, not a numpy array"),
        ({"action_name": lambda self, a: "take1"}, r"parse_action\('take1'\) gave 0, but action_name\(1\)"),
    ],
    ids=["render", "to_play", "mask-type", "names"],
)
def test_every_failing_check_names_what_failed(nim_cls, overrides, message):
    with pytest.raises(AssertionError, match=message):
        check_game(_broken(nim_cls, **overrides), games=3)


# -- playout and heuristic kernels ------------------------------------------------------------
def _gomoku_with(**kernels):
    from varena.engine.api import Kernels
    from varena.games import gomoku_rules as R
    from varena.games.gomoku import Gomoku

    base = dict(zip(Kernels._fields, Gomoku.kernels, strict=True))
    cls = type("Patched", (Gomoku,), {"kernels": Kernels(**{**base, **kernels})})
    return cls(size=5, k=4), R


def test_check_game_checks_a_correct_playout_and_heuristic():
    game, _ = _gomoku_with()
    check_game(game, games=4)


def test_a_playout_whose_value_has_the_wrong_sign_is_caught():
    import numba

    _, R = _gomoku_with()

    @numba.njit
    def wrong_side(state, seed):  # the value for the player to move at the END, a common slip
        return -R.playout(state, seed) if R.playout(state.copy(), seed) != 0 else 0.0

    game, _ = _gomoku_with(playout=wrong_side)
    with pytest.raises(AssertionError, match=r"playout \(state \d+, seed \d+\) returned [+-]1 for the "
                                             r"player to move at the start, but the game it played ends"):
        check_game(game, games=4)


def test_a_playout_that_does_not_play_to_the_end_is_caught():
    import numba

    @numba.njit
    def lazy(state, seed):
        return 0.0

    game, _ = _gomoku_with(playout=lazy)
    with pytest.raises(AssertionError, match="left the state unfinished"):
        check_game(game, games=2)


def test_a_heuristic_out_of_range_is_caught():
    import numba

    @numba.njit
    def loud(state):
        return 2.0

    game, _ = _gomoku_with(heuristic=loud)
    with pytest.raises(AssertionError, match=r"heuristic \(state \d+\) returned 2.0; accepted: \[-1, 1\]"):
        check_game(game, games=2)
