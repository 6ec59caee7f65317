"""Depth-limited negamax with alpha-beta pruning and move ordering, compiled per game.

The search is iterative (explicit per-ply frames; Numba compiles recursion poorly) and
takes the game's kernels as first-class functions like the tree search does
(:mod:`varena.engine.kernels`). Values are for the player to move:

- a finished game scores ``value * (WIN + plies left)``: a win beats any static value and
  a quicker win beats a slower one (a draw scores 0);
- at the depth limit a position scores the game's ``heuristic`` kernel if it has one, else
  the mean of ``rollouts`` random playouts;
- moves are shuffled (random tie-breaks under the seed), then, where at least two plies
  remain and a heuristic exists, sorted best first by the heuristic of the position after
  each move (wins first). Whether the player changes after a move is read from ``to_play``,
  so games where a side moves twice are searched correctly too.
"""

from __future__ import annotations

import numba
import numpy as np

from varena.engine.mcts.expand import random_playout
from varena.engine.mcts.tree import rand_below, rand_seed

WIN = 2.0


@numba.njit(cache=True)
def _gen_moves(states, d, moves, nmov, keys, mask, scratch, rng, b, order_moves,
               step, legal_mask, outcome, to_play, heuristic):
    legal_mask(states[d], mask)
    n = 0
    for a in range(mask.shape[0]):
        if mask[a]:
            moves[d, n] = a
            n += 1
    for i in range(n - 1, 0, -1):
        j = rand_below(rng, b, i + 1)
        tmp = moves[d, i]
        moves[d, i] = moves[d, j]
        moves[d, j] = tmp
    nmov[d] = n
    if not order_moves or n < 2:
        return
    me = to_play(states[d])
    for i in range(n):
        step(states[d], np.int64(moves[d, i]), scratch)
        done, v = outcome(scratch)
        h = v * 4.0 if done else heuristic(scratch)
        keys[i] = h if to_play(scratch) == me else -h
    order = np.argsort(-keys[:n], kind="mergesort")
    tmp_moves = moves[d, :n].copy()
    for i in range(n):
        moves[d, i] = tmp_moves[order[i]]


@numba.njit(cache=True)
def _leaf_value(state, scratch, mask, rng, b, rollouts, has_heuristic, has_playout, max_moves,
                step, legal_mask, outcome, to_play, playout, heuristic):
    if has_heuristic:
        return heuristic(state)
    total = 0.0
    for _ in range(rollouts):
        scratch[:] = state
        if has_playout:
            total += playout(scratch, rand_seed(rng, b))
        else:
            total += random_playout(scratch, mask, rng, b, legal_mask, step, outcome, to_play, max_moves)
    return total / rollouts


@numba.njit(cache=True)
def negamax(root, num_actions, depth, rollouts, has_heuristic, has_playout, max_moves, rng, b,
            abort, step, legal_mask, outcome, to_play, playout, heuristic):
    """(best action, value for the player to move, positions visited) of ``root``.

    ``depth`` >= 1 plies. A root without legal moves gives action -1. Stops (with garbage)
    when ``abort[0]`` is set: a kernel raised, the caller reports it.
    """
    states = np.empty((depth + 1, root.shape[0]), root.dtype)
    moves = np.empty((depth + 1, num_actions), np.int64)
    nmov = np.zeros(depth + 1, np.int64)
    idx = np.zeros(depth + 1, np.int64)
    alpha = np.empty(depth + 1)
    beta = np.empty(depth + 1)
    best = np.empty(depth + 1)
    best_move = np.full(depth + 1, -1, np.int64)
    sign = np.ones(depth + 1)  # +1: the player of ply d is the player of ply d-1
    keys = np.empty(num_actions)
    mask = np.zeros(num_actions, np.bool_)
    scratch = np.empty_like(root)
    scratch2 = np.empty_like(root)
    visited = 1
    states[0, :] = root
    alpha[0], beta[0], best[0] = -np.inf, np.inf, -np.inf
    _gen_moves(states, 0, moves, nmov, keys, mask, scratch, rng, b, has_heuristic and depth >= 2,
               step, legal_mask, outcome, to_play, heuristic)
    d = 0
    while not abort[0]:
        if idx[d] < nmov[d] and alpha[d] < beta[d]:
            a = moves[d, idx[d]]
            idx[d] += 1
            c = d + 1
            step(states[d], a, states[c])
            visited += 1
            same = to_play(states[c]) == to_play(states[d])
            done, v = outcome(states[c])
            if done:
                child = v * (WIN + depth - c)
            elif c == depth:
                child = _leaf_value(states[c], scratch2, mask, rng, b, rollouts, has_heuristic,
                                    has_playout, max_moves, step, legal_mask, outcome, to_play,
                                    playout, heuristic)
            else:
                sign[c] = 1.0 if same else -1.0
                if same:
                    alpha[c], beta[c] = alpha[d], beta[d]
                else:
                    alpha[c], beta[c] = -beta[d], -alpha[d]
                best[c] = -np.inf
                best_move[c] = -1
                idx[c] = 0
                _gen_moves(states, c, moves, nmov, keys, mask, scratch, rng, b,
                           has_heuristic and depth - c >= 2, step, legal_mask, outcome, to_play,
                           heuristic)
                d = c
                continue
            score = child if same else -child
        else:
            if d == 0:
                break
            score = sign[d] * (best[d] if nmov[d] > 0 else 0.0)  # no move: a draw
            d -= 1
            a = moves[d, idx[d] - 1]
        if score > best[d]:
            best[d] = score
            best_move[d] = a
            if score > alpha[d]:
                alpha[d] = score
    return best_move[0], best[0], visited


def negamax_batch(states, num_actions, depth, rollouts, has_heuristic, has_playout, max_moves, rng,
                  actions, values, visited, abort, step, legal_mask, outcome, to_play, playout, heuristic):
    """:func:`negamax` for each row of ``states`` ``[B, L]`` in parallel (``prange``)."""
    for b in numba.prange(states.shape[0]):
        a, v, n = negamax(states[b], num_actions, depth, rollouts, has_heuristic, has_playout, max_moves, rng, b,
                          abort, step, legal_mask, outcome, to_play, playout, heuristic)
        actions[b] = a
        values[b] = v
        visited[b] = n
