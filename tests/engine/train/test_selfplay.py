"""Self-play: targets of two-player games and one-player problems, opening temperature,
playout-cap randomisation, several games and sizes through one search pool."""

from __future__ import annotations

import numpy as np
import pytest

from varena.engine.host import get_host
from varena.engine.nn.evaluator import NetEvaluator
from varena.engine.train.config import SELFPLAY, check_section
from varena.engine.train.selfplay import SelfPlay
from varena.solvers.alphavit.checkpoints import new_network


def _selfplay(specs, slots, **opts):
    games = [get_host().make_game(s) for s in specs]
    net = new_network("vit", "small", list(dict.fromkeys(g.name for g in games)), seed=0,
                      d_model=16, heads=2, ff=32, enc_layers=1)
    ev = NetEvaluator(net, "cpu")
    o = check_section({"sims": 4, "gumbel_m": 4, "games_in_flight": sum(slots), **opts},
                      SELFPLAY, "selfplay")
    return games, ev, SelfPlay(games, slots, ev, o, seed=0)


def _run(sp, steps):
    out = []
    for _ in range(steps):
        out += sp.step()
    return out


def test_two_player_targets():
    games, _, sp = _selfplay(["gomoku:size=3,k=3"], [6])
    g = games[0]
    finished = _run(sp, 12)
    assert sum(f.games for f in finished) >= 6
    for f in finished:
        assert f.states.shape == (len(f.value), g.state_len)
        np.testing.assert_allclose(f.policy.sum(1), 1.0, atol=1e-5)
        legal = g.legal_masks(f.states)
        assert (f.policy[~legal] == 0).all()
        assert set(np.unique(f.value)) <= {-1.0, 0.0, 1.0}
    # a decisive game's targets are +1 for the winner's positions and -1 for the loser's
    values = np.concatenate([f.value for f in finished])
    assert (values == 1).sum() > 0 and (values == -1).sum() > 0


def test_playout_cap_records_only_full_searches():
    _, _, sp = _selfplay(["gomoku:size=3,k=3"], [8], cheap_sims=2, full_fraction=0.3)
    finished = _run(sp, 30)
    moves = sum(f.moves for f in finished)
    recorded = sum(len(f.value) for f in finished)
    assert 0 < recorded < 0.7 * moves


def test_one_player_problem_records_its_objective():
    games, _, sp = _selfplay(["tsp:n=6"], [4])
    finished = _run(sp, 12)
    g = games[0]
    assert finished
    for f in finished:
        assert (f.value < 0).all()  # minus the tour length
        per_game = len(f.value) // f.games
        assert per_game * f.games == len(f.value)
        for k in range(f.games):  # one objective per game, on all its positions
            assert len(set(f.value[k * per_game:(k + 1) * per_game].tolist())) == 1
    assert g.num_players == 1


def test_mixed_games_share_one_network_call_per_simulation_step():
    games, ev, sp = _selfplay(["gomoku:size=5,k=4", "gomoku:size=3,k=3", "go:size=5"], [2, 2, 2])
    assert sp.pool is not None
    sp.step()
    before = ev.stats.calls
    sp.step()
    # sims=4 with a Gumbel root: at most 4 simulation steps plus the roots' own evaluation
    assert ev.stats.calls - before <= 5


@pytest.mark.parametrize("moves", [0, 9])
def test_opening_temperature_varies_the_games(moves):
    _, _, sp = _selfplay(["gomoku:size=3,k=3"], [8], temperature_moves=moves, root="plain",
                         sims=24)
    first = np.stack([s.state for s in sp.slots[0]])
    sp.step()
    after = np.stack([s.state for s in sp.slots[0]])
    distinct = len({tuple(x) for x in after})
    assert (distinct > 1) == (moves > 0), (first.shape, distinct)
