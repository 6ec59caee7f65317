"""Descent: choose children from the root to a leaf, storing the leaf's state on first visit.

These are the shared mechanics; the policy part is the child score (``rule`` in the
config: UCT or PUCT) and an optional forced root child (Gumbel sequential halving). All
functions work on one tree ``b`` of a :class:`varena.engine.mcts.tree.Tree` and take the game's
kernels as first-class functions.
"""

from __future__ import annotations

import numba
import numpy as np

from varena.engine.mcts.tree import FULL_STATES, PENDING, PUCT, UNEXPANDED

# Outcomes of a descent.
EVAL, TERMINAL, COLLISION, FULL = 0, 1, 2, 3


@numba.njit(cache=True, inline="always")
def normalise(t, b, q, cfg):
    """Two players: q as is. One player: q mapped to [0, 1] by the values seen so far."""
    if cfg.two_player:
        return q
    lo, hi = t.vmin[b], t.vmax[b]
    if hi > lo:
        return (q - lo) / (hi - lo)
    return 0.5


@numba.njit(cache=True)
def node_value(t, b, node):
    """Mean value of ``node`` from the viewpoint of its own player to move (0 if unvisited)."""
    n = t.visits[b, node]
    if n == 0:
        return 0.0
    q = t.value_sum[b, node] / n
    par = t.parent[b, node]
    if par >= 0 and t.player[b, t.slot[b, par]] != t.player[b, t.slot[b, node]]:
        q = -q
    return q


@numba.njit(cache=True)
def select_child(t, b, node, cfg):
    """The child of expanded ``node`` with the best score (first best in stored order;
    children are stored shuffled, so ties break at random)."""
    s = t.slot[b, node]
    fc = t.first_child[b, s]
    nc = t.num_children[b, s]
    n_parent = t.visits[b, node]
    best = fc
    best_score = -np.inf
    if cfg.rule == PUCT:
        c_s = cfg.c + np.log((n_parent + cfg.c_base + 1.0) / cfg.c_base)
        c_s *= np.sqrt(max(n_parent, 1))
        fpu_q = normalise(t, b, node_value(t, b, node), cfg) - cfg.fpu
        for i in range(fc, fc + nc):
            n = t.visits[b, i]
            q = fpu_q if n == 0 else normalise(t, b, t.value_sum[b, i] / n, cfg)
            score = q + c_s * t.prior[b, i] / (1.0 + n)
            if score > best_score:
                best_score = score
                best = i
    else:
        c_log = cfg.c * np.sqrt(np.log(max(n_parent, 1)))
        if cfg.two_player:  # the common case, without the normalisation's branch per child
            for i in range(fc, fc + nc):
                n = t.visits[b, i]
                if n == 0:
                    return i
                score = (t.value_sum[b, i] + c_log * np.sqrt(n)) / n
                if score > best_score:
                    best_score = score
                    best = i
        else:
            for i in range(fc, fc + nc):
                n = t.visits[b, i]
                if n == 0:
                    return i
                score = normalise(t, b, t.value_sum[b, i] / n, cfg) + c_log / np.sqrt(n)
                if score > best_score:
                    best_score = score
                    best = i
    return best


@numba.njit(cache=True)
def store_state(t, b, node, step, outcome, to_play):
    """Give ``node`` a state slot: its parent's state after its action. False if no room."""
    s = t.num_states[b]
    if s >= t.states.shape[1]:
        t.full[b] |= FULL_STATES
        return False
    t.num_states[b] = s + 1
    ps = t.slot[b, t.parent[b, node]]
    out = t.states[b, s]
    step(t.states[b, ps], np.int64(t.action[b, node]), out)
    done, value = outcome(out)
    t.terminal[b, s] = 1 if done else 0
    t.terminal_value[b, s] = value
    t.player[b, s] = to_play(out)
    t.first_child[b, s] = UNEXPANDED
    t.num_children[b, s] = 0
    t.slot[b, node] = s
    return True


@numba.njit(cache=True)
def add_virtual_loss(t, b, leaf, cfg):
    """Count ``cfg.vloss`` pretend visits (losses, for two players) on the path to ``leaf``."""
    vl = cfg.vloss
    if vl == 0:
        return
    n = leaf
    while n >= 0:
        t.visits[b, n] += vl
        if cfg.two_player:
            t.value_sum[b, n] -= vl
        n = t.parent[b, n]


@numba.njit(cache=True)
def descend(t, b, cfg, forced, step, outcome, to_play):
    """Walk from the root to a leaf; returns (leaf node, EVAL | TERMINAL | COLLISION | FULL).

    ``forced`` >= 0 is the root child to take (a node index). On EVAL the leaf is marked
    PENDING and the path carries virtual loss; on TERMINAL the path carries virtual loss
    too (the caller backs the value up at once); COLLISION and FULL leave the tree as it was.
    """
    node = 0
    while True:
        s = t.slot[b, node]
        if t.terminal[b, s]:
            add_virtual_loss(t, b, node, cfg)
            return node, TERMINAL
        fc = t.first_child[b, s]
        if fc == UNEXPANDED:
            t.first_child[b, s] = PENDING
            add_virtual_loss(t, b, node, cfg)
            return node, EVAL
        if fc == PENDING:
            return node, COLLISION
        if node == 0 and forced >= 0:
            child = forced
        else:
            child = select_child(t, b, node, cfg)
        if t.slot[b, child] < 0:
            if not store_state(t, b, child, step, outcome, to_play):
                return child, FULL
        node = child
