import numpy as np
import pytest

from varena.engine.testing import check_game
from tests.engine.nim_source import NIM


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
