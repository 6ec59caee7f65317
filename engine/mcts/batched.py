"""Entry points over all B trees at once (``prange`` over trees), specialised per game.

Each function's last seven arguments are the abort flag and the game's kernels (see
:mod:`varena.engine.kernels`); call them through ``kernels.call``. Loops stop when
``abort[0]`` is set (a kernel raised: the caller discards the trees). Trees are independent
and each has its own random stream, so results do not depend on the number of threads.

- :func:`init_roots`: fresh roots for the trees flagged in ``reset``.
- :func:`run_rollouts`: whole simulations with random-rollout values, entirely compiled.
- :func:`select_batch` / :func:`update_batch`: one simulation step around an external
  evaluator (a network): select K leaves per tree, then expand and back up.
"""

from __future__ import annotations

import numba
import numpy as np

from varena.engine.mcts.expand import backup, expand, random_playout
from varena.engine.mcts.select import EVAL, FULL, TERMINAL, descend
from varena.engine.mcts.tree import rand_seed, reset_tree


def init_roots(t, root_states, reset, abort, step, legal_mask, outcome, to_play, playout, heuristic):
    """Tree b becomes a lone root holding ``root_states[b]`` where ``reset[b]``."""
    for b in range(root_states.shape[0]):
        if reset[b]:
            done, value = outcome(root_states[b])
            reset_tree(t, b, root_states[b], done, value, to_play(root_states[b]))


@numba.njit(cache=True)
def rollout_value(t, b, leaf, cfg, has_playout, step, legal_mask, outcome, to_play, playout):
    src = t.states[b, t.slot[b, leaf]]
    scratch = t.scratch_state[b]
    total = 0.0
    for _ in range(cfg.rollouts):
        scratch[:] = src
        if has_playout:
            total += playout(scratch, rand_seed(t.rng, b))
        else:
            total += random_playout(scratch, t.scratch_mask[b], t.rng, b, legal_mask, step,
                                    outcome, to_play, cfg.max_moves)
    return total / cfg.rollouts


def run_rollouts(t, cfg, sims, forced, has_playout, done_out,
                 abort, step, legal_mask, outcome, to_play, playout, heuristic):
    """Run ``sims`` simulations in every tree (uniform priors, rollout values).

    ``forced`` int32 ``[B, F]``: the root child (node index) of simulation i < F, -1 for
    free choice. ``done_out[b]``: simulations completed (fewer if a pool filled up).
    """
    nf = forced.shape[1]
    for b in numba.prange(t.num_nodes.shape[0]):
        done = 0
        for i in range(sims):
            if t.full[b] or abort[0]:
                break
            f = forced[b, i] if i < nf else -1
            leaf, status = descend(t, b, cfg, f, step, outcome, to_play)
            if status == TERMINAL:
                backup(t, b, leaf, t.terminal_value[b, t.slot[b, leaf]], cfg, True)
            elif status == EVAL:
                v = rollout_value(t, b, leaf, cfg, has_playout, step, legal_mask, outcome,
                                  to_play, playout)
                expand(t, b, leaf, t.prior[b], False, legal_mask)
                backup(t, b, leaf, v, cfg, True)
            else:
                break
            done += 1
        done_out[b] = done


def select_batch(t, cfg, k, offset, forced, leaves, status, leaf_states,
                 abort, step, legal_mask, outcome, to_play, playout, heuristic):
    """Select up to ``k`` leaves per tree with virtual loss (one simulation step).

    ``leaves``/``status`` int32 ``[B, k]``; ``leaf_states`` ``[B*k, L]`` (row b*k+j) gets
    the state of each EVAL leaf. Terminal leaves are backed up here; COLLISION and FULL
    slots need nothing more. ``forced`` ``[B, F]`` as in :func:`run_rollouts`, indexed by
    ``offset + j``.
    """
    nf = forced.shape[1]
    for b in numba.prange(t.num_nodes.shape[0]):
        for j in range(k):
            leaves[b, j] = -1
            status[b, j] = FULL
            if t.full[b] or abort[0]:
                continue
            i = offset + j
            f = forced[b, i] if i < nf else -1
            leaf, st = descend(t, b, cfg, f, step, outcome, to_play)
            leaves[b, j] = leaf
            status[b, j] = st
            if st == TERMINAL:
                backup(t, b, leaf, t.terminal_value[b, t.slot[b, leaf]], cfg, True)
            elif st == EVAL:
                leaf_states[b * k + j, :] = t.states[b, t.slot[b, leaf]]


def update_batch(t, cfg, leaves, status, priors, values, done_out,
                 abort, step, legal_mask, outcome, to_play, playout, heuristic):
    """Expand and back up the EVAL leaves of :func:`select_batch` with the evaluator's
    ``priors`` (float32 ``[B*k, A]``) and ``values`` (float32 ``[B*k]``, for the player to
    move at each leaf). ``done_out[b]`` counts completed simulations (adds to it)."""
    k = leaves.shape[1]
    for b in numba.prange(t.num_nodes.shape[0]):
        for j in range(k):
            st = status[b, j]
            if st == EVAL:
                r = b * k + j
                expand(t, b, leaves[b, j], priors[r], True, legal_mask)
                backup(t, b, leaves[b, j], np.float64(values[r]), cfg, True)
                done_out[b] += 1
            elif st == TERMINAL:
                done_out[b] += 1
