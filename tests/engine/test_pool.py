"""The step-wise search and SearchPool: one evaluator call per simulation step for many
searches of different games and sizes, with the results of each search run alone."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from varena.engine.errors import VarenaError
from varena.engine.host import get_host
from varena.engine.mcts import MCTS, MCTSOptions, SearchPool

SPECS = ("gomoku:size=7", "gomoku:size=9", "go:size=9")
BATCH = (2, 3, 1)
SIMS = (12, 20, 16)  # different lengths: searches drop out of the call as they finish


def hashed(game, states):
    """Priors and values that depend on each state alone (seeded by a hash of its bytes)."""
    p = np.empty((len(states), game.num_actions), np.float32)
    v = np.empty(len(states), np.float32)
    for i, s in enumerate(states):
        seed = int.from_bytes(hashlib.blake2b(s.tobytes(), digest_size=8).digest(), "little")
        r = np.random.default_rng(seed)
        p[i] = r.random(game.num_actions)
        v[i] = r.uniform(-1, 1)
    return p, v


class Counter:
    """A group evaluator that records the groups of every call."""

    def __init__(self) -> None:
        self.calls: list[list[tuple[str, int]]] = []

    def __call__(self, groups):
        self.calls.append([(g.spec, len(s)) for g, s in groups])
        return [hashed(g, s) for g, s in groups]


@pytest.fixture(scope="module")
def games():
    host = get_host()
    return [host.make_game(s) for s in SPECS]


def starts(games, moves=3):
    """A few positions per game after ``moves`` random moves (fixed seed)."""
    rng = np.random.default_rng(7)
    out = []
    for g, b in zip(games, BATCH, strict=True):
        rows = []
        for _ in range(b):
            s = g.initial_state()
            for _ in range(moves):
                s = g.next_state(s, int(rng.choice(np.flatnonzero(g.legal_mask(s)))))
            rows.append(s)
        out.append(np.stack(rows))
    return out


def make(games, counter, root, leaves, seed=11):
    searches = []
    for i, g in enumerate(games):
        o = MCTSOptions(sims=SIMS[i], rule="puct", c=1.25, root=root, leaves=leaves, gumbel_m=4,
                        dirichlet_alpha=3.0, temperature=1.0 if root == "dirichlet" else 0.0)
        searches.append(MCTS(g, o, lambda s, g=g: counter([(g, s)])[0], seed=seed + i))
    return searches


def same(a, b):
    for name in ("actions", "policy", "visits", "q", "value", "simulations", "pool_full"):
        x, y = getattr(a, name), getattr(b, name)
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name


def advance(games, states, results):
    return [np.stack([g.next_state(s, int(a)) for s, a in zip(st, r.actions, strict=True)])
            for g, st, r in zip(games, states, results, strict=True)]


@pytest.mark.parametrize("root,leaves", [("plain", 1), ("dirichlet", 1), ("gumbel", 1),
                                         ("plain", 4), ("gumbel", 3)])
def test_pool_matches_searches_alone_with_one_call_per_step(games, root, leaves):
    states = starts(games)
    alone_counter = Counter()
    alone = make(games, alone_counter, root, leaves)
    pooled_counter = Counter()
    pooled = make(games, pooled_counter, root, leaves)  # same seeds
    pool = SearchPool(pooled_counter)
    for _move in range(2):  # the second move reuses the trees
        alone_calls = []
        alone_results = []
        for s, st in zip(alone, states, strict=True):
            before = len(alone_counter.calls)
            alone_results.append(s.run(st))
            alone_calls.append(len(alone_counter.calls) - before)
        before = len(pooled_counter.calls)
        pool_results = pool.run(list(zip(pooled, states, strict=True)))
        calls = pooled_counter.calls[before:]
        assert len(calls) == max(alone_calls)  # exactly one evaluator call per step
        for i, spec in enumerate(SPECS):  # each search is in the first alone_calls[i] calls
            assert [spec in dict(c) for c in calls] == [k < alone_calls[i] for k in range(len(calls))]
        for a, p in zip(alone_results, pool_results, strict=True):
            same(a, p)
        states = advance(games, states, alone_results)


def test_pool_with_move_time_stops_each_search(games):
    counter = Counter()
    searches = [MCTS(g, MCTSOptions(sims=100_000, rule="puct", leaves=2),
                     lambda s, g=g: hashed(g, s), seed=1) for g in games]
    for s in searches:
        s.move_time = 0.05
    results = SearchPool(counter).run(list(zip(searches, starts(games), strict=True)))
    for r in results:
        assert 0 < r.simulations.min() and r.simulations.max() < 100_000
    groups = [len(c) for c in counter.calls]
    assert groups == sorted(groups, reverse=True)  # searches only ever drop out


def test_steps_by_hand_equal_run(games):
    g, st = games[0], starts(games)[0]
    o = MCTSOptions(sims=10, rule="puct", root="gumbel", gumbel_m=4)
    a = MCTS(g, o, lambda s: hashed(g, s), seed=3).run(st)
    m = MCTS(g, o, lambda s: pytest.fail("the steps do not call the search's evaluator"), seed=3)
    m.begin(st)
    steps = 0
    while (leaves := m.select()) is not None:
        assert leaves.shape[1] == g.state_len and leaves.dtype == g.state_dtype
        m.update(*hashed(g, leaves))
        steps += 1
    same(a, m.finish())
    assert steps > 0


def test_step_misuse_and_evaluator_failures_are_errors(games):
    g, st = games[0], starts(games)[0]
    m = MCTS(g, MCTSOptions(sims=4, rule="puct"), lambda s: hashed(g, s), seed=0)
    with pytest.raises(VarenaError, match="before begin"):
        m.select()
    m.begin(st)
    with pytest.raises(VarenaError, match="without leaves"):
        m.update(np.zeros((1, g.num_actions)), np.zeros(1))
    m.select()
    with pytest.raises(VarenaError, match="again before update"):
        m.select()
    with pytest.raises(VarenaError, match="finish"):
        MCTS(g, MCTSOptions(sims=4), seed=0).finish()
    with pytest.raises(VarenaError, match="expected"):
        m.update(np.zeros((1, 3)), np.zeros(1))
    assert m.tree is None  # a failed step forgets the half-updated trees

    searches = make(games, Counter(), "plain", 1)
    with pytest.raises(VarenaError, match="answered 1 groups for 3"):
        SearchPool(lambda groups: [hashed(*groups[0])]).run(list(zip(searches, starts(games), strict=True)))
    assert all(s.tree is None for s in searches)
    with pytest.raises(VarenaError, match="twice"):
        SearchPool(Counter()).run([(searches[0], starts(games)[0])] * 2)


def test_pool_with_the_network_evaluator(games):
    pytest.importorskip("torch")
    from varena.engine.nn.evaluator import NetEvaluator
    from varena.solvers.alphavit.checkpoints import new_network

    net = NetEvaluator(new_network("vit", "small", ("gomoku", "go"), seed=0), "cpu")
    searches = [MCTS(g, MCTSOptions(sims=6, rule="puct", root="gumbel", gumbel_m=4),
                     net.for_game(g), seed=i) for i, g in enumerate(games)]
    results = SearchPool(net.evaluate).run(list(zip(searches, starts(games), strict=True)))
    assert net.stats.calls == 6  # the roots' evaluation, then five steps: one call each
    for r, g, b in zip(results, games, BATCH, strict=True):
        assert r.actions.shape == (b,) and r.policy.shape == (b, g.num_actions)
        assert np.allclose(r.policy.sum(axis=1), 1.0, atol=1e-5)
