"""Decoding: every strategy gives valid outputs on every problem game; beam search against
brute force; augmentation and multi-start properties."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from varena.engine.errors import SpecError
from varena.solvers.ptrnet.decoding import (
    DecodeOptions,
    beam_search,
    decode,
    greedy,
    multistart,
    rollout,
)

from .helpers import ARCHS, GAMES, game, net_for, play


def _strategies(g):
    out = [DecodeOptions("greedy"), DecodeOptions("sample", samples=3),
           DecodeOptions("beam", width=4), DecodeOptions("greedy", augment=g.num_symmetries),
           DecodeOptions("beam", width=2, augment=min(2, g.num_symmetries))]
    if g.name == "tsp":
        out.append(DecodeOptions("pomo", augment=2))
    return out


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("spec", GAMES)
def test_every_strategy_is_valid_on_every_game(spec, arch):
    g = game(spec)
    m = net_for(g, arch)
    states = g.initial_states(6, np.random.default_rng(1))
    gen = torch.Generator().manual_seed(0)
    for opts in _strategies(g):
        d = decode(m, g, states, opts, gen)
        assert d.actions.shape[0] == len(states)
        for s, acts, value in zip(states, d.actions, d.values, strict=True):
            end = play(g, s, acts)  # Game.play raises on any illegal action
            done, v = g.outcome(end)
            assert done, (spec, opts)
            assert v == pytest.approx(value)
            g.evaluate(g.instance(end), g.solution(end))  # a well-formed solution


def test_degenerate_instances_still_decode_validly():
    """Duplicate and collinear points: the games' rules apply, the decoder follows them."""
    line = np.stack([np.linspace(0, 1, 7), np.linspace(0, 1, 7)], axis=1)
    dup = np.array([[0.1, 0.1], [0.1, 0.1], [0.9, 0.2], [0.5, 0.8], [0.5, 0.8], [0.3, 0.4], [0.7, 0.6]])
    for spec in ("convex_hull:n=7", "delaunay:n=7", "tsp:n=7"):
        g = game(spec)
        states = np.stack([g.state_of(line), g.state_of(dup)])
        for arch in ARCHS:
            for opts in (DecodeOptions("greedy"), DecodeOptions("beam", width=3)):
                d = decode(net_for(g, arch), g, states, opts)
                for s, acts in zip(states, d.actions, strict=True):
                    assert g.outcome(play(g, s, acts))[0]


def _sequence_logp(m, g, state, actions) -> float:
    return float(rollout(m, g, state[None], forced=np.asarray(actions)[None]).logp[0])


@pytest.mark.parametrize("arch", ARCHS)
def test_beam_search_finds_the_most_likely_tour_by_brute_force(arch):
    """TSP n=5 has 4! = 24 action sequences: a beam of 24 is exhaustive."""
    g = game("tsp:n=5")
    m = net_for(g, arch, seed=3)
    state = g.initial_states(1, np.random.default_rng(5))
    perms = [list(p) for p in itertools.permutations(range(1, 5))]
    logps = [_sequence_logp(m, g, state[0], p) for p in perms]
    probs = np.exp(logps)
    assert probs.sum() == pytest.approx(1.0, rel=1e-4)  # the tours' probabilities add up
    lengths = [-g.outcome(play(g, state[0], np.array(p)))[1] for p in perms]
    best = beam_search(m, g, state, width=24)
    # For TSP the beams' answer is the shortest finished tour: with every tour in the beam,
    # that is the optimum.
    assert -best.values[0] == pytest.approx(min(lengths))


def test_beam_search_likelihood_ranking_by_brute_force():
    """Where the objective is unknown (sorting), the beam returns the most likely sequence."""
    g = game("sorting:n=4")
    m = net_for(g, "attention", seed=2)
    state = g.initial_states(1, np.random.default_rng(9))
    perms = [list(p) for p in itertools.permutations(range(4))]
    logps = [_sequence_logp(m, g, state[0], p) for p in perms]
    best = beam_search(m, g, state, width=24)
    assert best.actions[0].tolist() == perms[int(np.argmax(logps))]
    assert best.score[0] == pytest.approx(max(logps), abs=1e-4)
    narrow = beam_search(m, g, state, width=2)
    assert narrow.score[0] <= best.score[0] + 1e-6


@pytest.mark.parametrize("arch", ARCHS)
def test_beam_of_one_is_greedy(arch):
    g = game("delaunay:n=7")
    m = net_for(g, arch)
    states = g.initial_states(4, np.random.default_rng(2))
    a, b = greedy(m, g, states), beam_search(m, g, states, width=1)
    assert np.array_equal(a.actions[:, : b.actions.shape[1]], b.actions)
    np.testing.assert_allclose(a.score, b.score, atol=1e-4)


def test_multistart_tries_every_first_city_and_is_no_worse_than_greedy():
    g = game("tsp:n=8")
    m = net_for(g, "attention")
    states = g.initial_states(5, np.random.default_rng(4))
    pomo, plain = multistart(m, g, states), greedy(m, g, states)
    assert (pomo.values >= plain.values - 1e-9).all()
    with pytest.raises(SpecError, match="pomo"):
        multistart(m, game("convex_hull:n=6"), game("convex_hull:n=6").initial_states(1))


def test_augmentation_is_no_worse_and_lengths_survive_symmetries():
    g = game("tsp:n=10")
    m = net_for(g, "attention", seed=1)
    states = g.initial_states(6, np.random.default_rng(3))
    one = decode(m, g, states, DecodeOptions("greedy"))
    eight = decode(m, g, states, DecodeOptions("greedy", augment=8))
    assert (eight.values >= one.values - 1e-9).all()
    for k in range(8):  # a tour is as long in every view of the instance
        t = g.transform_states(states, k)
        ends = [play(g, s, a) for s, a in zip(t, one.actions, strict=True)]
        np.testing.assert_allclose([g.outcome(e)[1] for e in ends], one.values)
    with pytest.raises(SpecError, match="symmetries"):
        decode(m, game("convex_hull:n=6"), game("convex_hull:n=6").initial_states(1),
               DecodeOptions("greedy", augment=8))


def test_sampling_is_seeded():
    g = game("tsp:n=9")
    m = net_for(g, "lstm")
    states = g.initial_states(3, np.random.default_rng(0))
    a = decode(m, g, states, DecodeOptions("sample", samples=4), torch.Generator().manual_seed(7))
    b = decode(m, g, states, DecodeOptions("sample", samples=4), torch.Generator().manual_seed(7))
    assert np.array_equal(a.actions, b.actions)


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("spec", ["tsp:n=9", "convex_hull:n=11", "delaunay:n=7"])
def test_teacher_forcing_in_one_pass_equals_step_by_step(spec, arch):
    from varena.solvers.ptrnet.data import labelled
    from varena.solvers.ptrnet.decoding import teacher_forced

    g = game(spec)
    m = net_for(g, arch, seed=4)
    items, labels = labelled(g, 6, seed=2)
    states = np.stack([g.state_of(x) for x in items])
    step_by_step = rollout(m, g, states, forced=labels).logp
    one_pass, steps = teacher_forced(m, g, states, labels)
    torch.testing.assert_close(one_pass.detach(), step_by_step, rtol=1e-4, atol=1e-4)
    assert steps.tolist() == (labels >= 0).sum(axis=1).tolist()
