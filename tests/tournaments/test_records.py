import numpy as np
import pytest

from varena.engine.host import get_host
from varena.games.go.records import loads
from varena.tournaments.records import sgf_text


@pytest.mark.parametrize("spec", ["go:size=3,suicide=true", "go:size=3,superko=situational",
                                  "go:width=4,height=3,komi=0.5"])
def test_go_records_load_back_with_their_rules(spec):
    game = get_host().make_game(spec)
    # the last move is Black's three-stone suicide at A2 (legal only under suicide=true)
    moves = [0, 2, 1, 4, 8, 6] + ([3] if game.suicide else [])
    state = game.initial_state(np.random.default_rng(0))
    for a in moves:
        state = game.play(state, a)
    text = sgf_text(game, moves, "a", "b", "", 0.5)
    loaded, states, rec = loads(text)
    assert (loaded.superko, loaded.suicide, loaded.komi) == (game.superko, game.suicide, game.komi)
    assert [a for _, a in rec.moves] == moves and np.array_equal(states[-1], state)
