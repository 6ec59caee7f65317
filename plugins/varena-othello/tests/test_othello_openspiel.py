"""Othello 8x8 move by move against OpenSpiel's ``othello`` on random games.

Both encode actions the same way (cell ``row * 8 + col`` with row 0 on top, 64 = pass),
so legal action lists compare directly; boards are read from OpenSpiel's text picture.
"""

import numpy as np
import pytest
from varena_othello import rules as R
from varena_othello.game import Othello

pyspiel = pytest.importorskip("pyspiel", reason="open-spiel is not installed")
pytestmark = pytest.mark.openspiel


def _spiel_cells(state) -> list[int]:
    """Cells of an OpenSpiel othello state (0 empty, 1 black 'x', 2 white 'o')."""
    rows = [line.split()[1:9] for line in str(state).splitlines()
            if line[:1].isdigit()]
    assert len(rows) == 8
    return [{"-": 0, "x": 1, "o": 2}[ch] for row in rows for ch in row]


@pytest.mark.parametrize("seed", range(4))
def test_random_games_agree_with_openspiel(seed):
    game = Othello(size=8)
    spiel = pyspiel.load_game("othello")
    assert spiel.num_distinct_actions() == game.num_actions
    rng = np.random.default_rng(seed)
    passes = 0
    for _ in range(25):
        ref, s = spiel.new_initial_state(), game.initial_state()
        while True:
            assert s[R.HEADER:].tolist() == _spiel_cells(ref)
            done, value = game.outcome(s)
            assert done == ref.is_terminal()
            if done:
                returns = ref.returns()
                assert value == returns[game.to_play(s)]
                assert game.returns(s).tolist() == list(returns)
                break
            assert game.to_play(s) == ref.current_player()
            legal = np.flatnonzero(game.legal_mask(s)).tolist()
            assert legal == ref.legal_actions()
            a = legal[rng.integers(len(legal))]
            assert game.action_name(a) == ref.action_to_string(ref.current_player(), a)
            passes += a == game.pass_action
            s = game.play(s, a)
            ref.apply_action(a)
    assert passes > 0  # the comparison saw passes, not only disc moves
