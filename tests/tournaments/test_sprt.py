import numpy as np
import pytest

from varena.tournaments.sprt import Sprt, bounds, elo_to_score, llr


def test_bounds_are_walds():
    b = bounds(0.05, 0.05)
    assert b.lower == pytest.approx(np.log(0.05 / 0.95)) and b.upper == pytest.approx(np.log(0.95 / 0.05))


def test_llr_sign_follows_the_evidence():
    assert llr([0, 0, 0], 0, 10) == 0.0
    assert llr([300, 100, 600], 0, 50) > 20          # clearly stronger
    assert llr([400, 200, 400], 0, 50) < -5          # equal: evidence for H0
    assert llr([50, 150, 300, 250, 150], 0, 10) > 0


def test_llr_matches_the_normal_approximation_for_large_samples():
    counts = np.array([14000, 25000, 30000, 25000, 16000], float)  # mean near s0, s1
    x = np.linspace(0, 1, 5)
    p = counts / counts.sum()
    mu, var = (p * x).sum(), (p * (x - (p * x).sum()) ** 2).sum()
    s0, s1 = elo_to_score(0), elo_to_score(10)
    approx = counts.sum() * (s1 - s0) * (2 * mu - s0 - s1) / (2 * var)
    assert llr(counts, 0, 10) == pytest.approx(approx, rel=0.03)


def test_sprt_decides_h1_for_a_strong_test_and_h0_for_an_equal_one():
    rng = np.random.default_rng(0)
    strong, equal = Sprt(0, 50), Sprt(0, 50)
    for _ in range(2000):
        if strong.decision is None:
            strong.add_pair(float(rng.random() < 0.7), float(rng.random() < 0.7))
        if equal.decision is None:
            equal.add_pair(float(rng.random() < 0.5), float(rng.random() < 0.5))
    assert strong.decision == "H1" and equal.decision == "H0"


def test_bad_parameters():
    with pytest.raises(ValueError):
        Sprt(10, 0)
    with pytest.raises(ValueError):
        bounds(0, 0.05)
    with pytest.raises(ValueError):
        llr([1, 2], 0, 5)
