"""Expansion and back-up: the update after a leaf has been evaluated (shared mechanics)."""

from __future__ import annotations

import numba
import numpy as np

from varena.engine.mcts.tree import FULL_NODES, UNEXPANDED, mix64, rand_below


@numba.njit(cache=True)
def expand(t, b, leaf, priors, use_priors, legal_mask):
    """Give ``leaf`` one child per legal action, stored in a shuffled order.

    ``priors`` (float32 ``[A]``) is renormalised over the legal actions (illegal entries are
    ignored); with ``use_priors`` False, or if the legal ones sum to 0, priors are uniform.
    Returns False and leaves ``leaf`` unexpanded when the node pool has no room; a state
    with no legal action is made terminal with value 0.
    """
    s = t.slot[b, leaf]
    mask = t.scratch_mask[b]
    acts = t.scratch_actions[b]
    legal_mask(t.states[b, s], mask)
    nl = 0
    for a in range(mask.shape[0]):
        if mask[a]:
            acts[nl] = a
            nl += 1
    if nl == 0:
        t.terminal[b, s] = 1
        t.terminal_value[b, s] = 0.0
        t.first_child[b, s] = UNEXPANDED
        return True
    start = t.num_nodes[b]
    if start + nl > t.parent.shape[1]:
        t.full[b] |= FULL_NODES
        t.first_child[b, s] = UNEXPANDED
        return False
    # Fisher-Yates, two 32-bit draws per random word: ties between children break at random
    # (the generator state stays in a register: a chain through memory costs 2x here)
    state = t.rng[b]
    i = nl - 1
    while i > 0:
        state += np.uint64(0x9E3779B97F4A7C15)
        x = mix64(state)
        j = np.int64(((x >> np.uint64(32)) * np.uint64(i + 1)) >> np.uint64(32))
        acts[i], acts[j] = acts[j], acts[i]
        i -= 1
        if i > 0:
            j = np.int64(((x & np.uint64(0xFFFFFFFF)) * np.uint64(i + 1)) >> np.uint64(32))
            acts[i], acts[j] = acts[j], acts[i]
            i -= 1
    t.rng[b] = state
    total = 0.0
    if use_priors:
        for i in range(nl):
            total += np.float64(priors[acts[i]])  # float64 in Python too (the interpreted twin)
    # whole-block slices: Numba writes them as plain loops (no per-element index checks)
    stop = start + nl
    t.parent[b, start:stop] = leaf
    t.action[b, start:stop] = acts[:nl]
    t.visits[b, start:stop] = 0
    t.value_sum[b, start:stop] = 0.0
    t.slot[b, start:stop] = -1
    if total > 0.0:
        inv = 1.0 / total
        prior = t.prior[b]
        for i in range(nl):
            prior[start + i] = priors[acts[i]] * inv
    else:
        t.prior[b, start:stop] = 1.0 / nl
    t.num_nodes[b] = start + nl
    t.first_child[b, s] = start
    t.num_children[b, s] = nl
    return True


@numba.njit(cache=True)
def backup(t, b, leaf, value, cfg, virtual):
    """Add ``value`` (for the player to move at ``leaf``) to every node on the root path.

    ``virtual``: whether the path carries virtual loss from :func:`descend` (removed here).
    Each node's sum gets the value from its chooser's viewpoint: the player to move at its
    parent (at the root: its own player).
    """
    leaf_player = t.player[b, t.slot[b, leaf]]
    if not cfg.two_player:
        if value < t.vmin[b]:
            t.vmin[b] = value
        if value > t.vmax[b]:
            t.vmax[b] = value
    vl = cfg.vloss if virtual else 0
    n = leaf
    while n >= 0:
        par = t.parent[b, n]
        t.visits[b, n] += 1 - vl
        v = value
        if cfg.two_player:
            v += vl
            mover = t.player[b, t.slot[b, par]] if par >= 0 else t.player[b, t.slot[b, n]]
            if mover != leaf_player:
                v = vl - value
        t.value_sum[b, n] += v
        n = par


@numba.njit(cache=True)
def random_playout(state, mask, t_rng, b, legal_mask, step, outcome, to_play, max_moves):
    """A uniformly random game from ``state`` (modified in place), for games without a
    playout kernel; returns the value for the player to move at the start."""
    me = to_play(state)
    for _ in range(max_moves + 1):
        done, value = outcome(state)
        if done:
            return value if to_play(state) == me else -value
        legal_mask(state, mask)
        n = 0
        for a in range(mask.shape[0]):
            if mask[a]:
                n += 1
        if n == 0:
            return 0.0
        k = rand_below(t_rng, b, n)
        for a in range(mask.shape[0]):
            if mask[a]:
                if k == 0:
                    step(state, np.int64(a), state)
                    break
                k -= 1
    return 0.0
