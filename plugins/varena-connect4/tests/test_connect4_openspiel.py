"""Connect Four move by move against OpenSpiel's ``connect_four`` on random games: the
classic 7x6 board, and other sizes and k through its columns/rows/x_in_row parameters.

Both take a column as the action, so legal action lists compare directly; boards are read
from OpenSpiel's text picture (top row first, 'x' the first player)."""

import numpy as np
import pytest
from varena_connect4 import rules as R
from varena_connect4.game import ConnectFour

pyspiel = pytest.importorskip("pyspiel", reason="open-spiel is not installed")
pytestmark = pytest.mark.openspiel


def _spiel_cells(state, width) -> list[int]:
    rows = [line for line in str(state).splitlines() if len(line) == width]
    return [{".": 0, "x": 1, "o": 2}[ch] for row in rows for ch in row]


@pytest.mark.parametrize("width,height,k,games", [(7, 6, 4, 200), (5, 4, 4, 50),
                                                  (9, 7, 5, 30), (4, 5, 3, 50)])
def test_random_games_agree_with_openspiel(width, height, k, games):
    game = ConnectFour(width=width, height=height, k=k)
    spiel = pyspiel.load_game("connect_four", {"columns": width, "rows": height, "x_in_row": k})
    rng = np.random.default_rng(width * height)
    outcomes = set()
    for _ in range(games):
        ref, s = spiel.new_initial_state(), game.initial_state()
        while True:
            assert s[R.HEADER:].tolist() == _spiel_cells(ref, width)
            done, value = game.outcome(s)
            assert done == ref.is_terminal()
            if done:
                assert game.returns(s).tolist() == list(ref.returns())
                outcomes.add(tuple(ref.returns()))
                break
            assert game.to_play(s) == ref.current_player()
            legal = np.flatnonzero(game.legal_mask(s)).tolist()
            assert legal == ref.legal_actions()
            a = legal[rng.integers(len(legal))]
            s = game.play(s, a)
            ref.apply_action(a)
    assert len(outcomes) >= 2  # wins for both sides (and draws on small boards) were seen
