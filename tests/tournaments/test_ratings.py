import math

import numpy as np
import pytest

from varena.engine.errors import VarenaError
from varena.tournaments.ratings import Result, ratings, score_matrix


def test_two_players_closed_form():
    # 3 wins of 4: the ML difference is 400 log10(3) exactly (no prior).
    res = [Result("a", "random", 1.0)] * 3 + [Result("a", "random", 0.0)]
    table = {r.name: r for r in ratings(res, anchor="random", prior=0, bootstrap=0)}
    assert table["random"].elo == 0.0
    assert table["a"].elo == pytest.approx(400 * math.log10(3), abs=1e-6)
    assert (table["a"].wins, table["a"].draws, table["a"].losses, table["a"].games) == (3, 0, 1, 4)


def test_draws_count_half():
    # 1 win + 2 draws + 1 loss = 50%: equal ratings.
    res = [Result("a", "b", s) for s in (1.0, 0.5, 0.5, 0.0)]
    table = {r.name: r for r in ratings(res, anchor="b", prior=0, bootstrap=0)}
    assert table["a"].elo == pytest.approx(0.0, abs=1e-9) and table["a"].draws == 2


def test_prior_keeps_a_perfect_score_finite_and_ordered():
    res = [Result("strong", "random", 1.0)] * 10 + [Result("mid", "random", 1.0)] * 6 + \
          [Result("mid", "random", 0.0)] * 4
    table = ratings(res, bootstrap=50)
    assert [r.name for r in table] == ["strong", "mid", "random"]
    assert math.isfinite(table[0].elo) and table[0].elo > 300
    assert table[0].ci > 0


def test_mean_anchor_when_anchor_absent():
    res = [Result("a", "b", 1.0), Result("a", "b", 0.0), Result("a", "b", 1.0)]
    table = ratings(res, anchor="nobody", bootstrap=0)
    assert sum(r.elo for r in table) == pytest.approx(0.0, abs=1e-9)


def test_disconnected_players_are_an_error():
    with pytest.raises(VarenaError, match="not linked"):
        ratings([Result("a", "b", 1.0), Result("c", "d", 1.0)], bootstrap=0)


def test_score_matrix():
    names, frac, games = score_matrix([Result("a", "b", 1.0), Result("b", "a", 0.5)])
    assert names == ["a", "b"] and frac[0, 1] == 0.75 and frac[1, 0] == 0.25
    assert np.isnan(frac[0, 0]) and games[0, 1] == 2


@pytest.mark.openspiel
def test_matches_openspiel_bradley_terry():
    elo = pytest.importorskip("open_spiel.python.algorithms.elo")
    rng = np.random.default_rng(5)
    names = ["p0", "p1", "p2", "p3"]
    strength = np.array([0.0, 150.0, 300.0, 80.0])
    res, wins, draws = [], np.zeros((4, 4), int), np.zeros((4, 4), int)
    for _ in range(600):
        i, j = rng.choice(4, size=2, replace=False)
        p = 1 / (1 + 10 ** ((strength[j] - strength[i]) / 400))
        u = rng.random()
        if u < 0.1:
            res.append(Result(names[i], names[j], 0.5))
            draws[i, j] += 1
            draws[j, i] += 1
        elif u < 0.1 + 0.9 * p:
            res.append(Result(names[i], names[j], 1.0))
            wins[i, j] += 1
        else:
            res.append(Result(names[i], names[j], 0.0))
            wins[j, i] += 1
    ours = {r.name: r.elo for r in ratings(res, anchor="p0", prior=0, bootstrap=0)}
    theirs = elo.compute_ratings_from_matrices(wins, draws, smoothing_factor=0.0)
    theirs = theirs - theirs[0]
    for k, name in enumerate(names):
        assert ours[name] == pytest.approx(theirs[k], abs=0.5)
