"""The search trees of B games as one struct of arrays, plus the structural operations.

Nodes and states live in separate pools. A node is an edge-like record (parent, action,
visit count, value sum, prior); children of a node are a contiguous block allocated when
the node is expanded. A node gets a *slot* in the state pool only when a simulation first
reaches it (lazy child states): most children are never visited, so storing their states
at expansion would waste time and memory (DESIGN.md section 4: ~40k vs ~22k sims/s).

Conventions:
- node 0 is the root of every tree, and its state is slot 0;
- ``value_sum[b, n]`` is from the viewpoint of the player who chose ``n`` (the player to
  move at its parent), so a parent maximises its children's mean value directly; the
  root's is from its own player to move;
- ``first_child[b, s]`` is -1 for a state not expanded yet and -2 for one waiting for an
  evaluation in the current step (another descent reaching it is a collision).
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

UNEXPANDED = -1
PENDING = -2
FULL_NODES = 1
FULL_STATES = 2


class Tree(NamedTuple):
    """Arrays of B trees with ``C`` node and ``S`` state slots each (shapes in brackets).

    Nodes: parent, action, visits (int32), value_sum (float32), prior (float32), slot
    (int32, -1 until the node's state is stored), all ``[B, C]``.
    States: states ``[B, S, L]`` (the game's dtype); first_child, num_children (int32),
    player (int8, to move), terminal (int8), terminal_value (float32, for the player to
    move), all ``[B, S]``.
    Per tree ``[B]``: num_nodes, num_states (int32), full (int8 bit flags FULL_NODES,
    FULL_STATES), vmin/vmax (float64, values seen, for one-player normalisation), rng
    (uint64 splitmix64 state).
    Scratch: scratch_state ``[B, L]``, scratch_mask bool ``[B, A]``, scratch_actions
    int32 ``[B, A]``.
    """

    parent: np.ndarray
    action: np.ndarray
    visits: np.ndarray
    value_sum: np.ndarray
    prior: np.ndarray
    slot: np.ndarray
    states: np.ndarray
    first_child: np.ndarray
    num_children: np.ndarray
    player: np.ndarray
    terminal: np.ndarray
    terminal_value: np.ndarray
    num_nodes: np.ndarray
    num_states: np.ndarray
    full: np.ndarray
    vmin: np.ndarray
    vmax: np.ndarray
    rng: np.ndarray
    scratch_state: np.ndarray
    scratch_mask: np.ndarray
    scratch_actions: np.ndarray


class SearchConfig(NamedTuple):
    """Scalars of the descent (fixed types, so one compiled signature serves all values).

    - rule: 0 UCT (``Q + c sqrt(ln N / n)``, unvisited children first), 1 PUCT (AlphaZero:
      ``Q + c(N) P sqrt(N) / (1 + n)``, ``c(N) = c + ln((N + c_base + 1) / c_base)``).
    - c, c_base: exploration constants. fpu: first-play urgency reduction (PUCT): an
      unvisited child's Q is the parent's mean value minus ``fpu``.
    - vloss: virtual visits added along a path while its leaf awaits evaluation (two
      players: each counts as a loss; one player: visits only).
    - two_player: 1 if values flip with the player to move, 0 for one-player problems
      (Q normalised by the min and max values seen).
    - rollouts: random playouts per leaf (rollout evaluator); max_moves bounds a playout.
    """

    rule: int
    c: float
    c_base: float
    fpu: float
    vloss: int
    two_player: int
    rollouts: int
    max_moves: int


UCT, PUCT = 0, 1


def make_config(rule: str = "uct", c: float = 0.7, c_base: float = 19652.0, fpu: float = 0.25,
                vloss: int = 1, two_player: bool = True, rollouts: int = 1,
                max_moves: int = 10_000) -> SearchConfig:
    """A SearchConfig with the exact scalar types the compiled code was built for."""
    return SearchConfig(np.int64(PUCT if rule == "puct" else UCT), np.float64(c), np.float64(c_base),
                        np.float64(fpu), np.int64(vloss), np.int64(1 if two_player else 0),
                        np.int64(rollouts), np.int64(max_moves))


def new_tree(batch: int, nodes: int, states: int, state_len: int, dtype: np.dtype,
             num_actions: int, seed: int = 0) -> Tree:
    """Empty trees; every tree must get a root (``init_roots``) before searching.

    Node and state slots are left unfilled (zeroed pages, mapped on first touch): every
    field of a slot is written when the slot is taken (``reset_tree``, ``expand``,
    ``store_state``, ``copy_subtree``), and filling a 100k-simulation tree with -1 took
    0.5 s, twice a game, out of a move's time."""
    b, c, s = batch, nodes, states
    rng = np.random.SeedSequence(seed).generate_state(b, dtype=np.uint64)
    return Tree(
        parent=np.zeros((b, c), np.int32), action=np.zeros((b, c), np.int32),
        visits=np.zeros((b, c), np.int32), value_sum=np.zeros((b, c), np.float32),
        prior=np.zeros((b, c), np.float32), slot=np.zeros((b, c), np.int32),
        states=np.zeros((b, s, state_len), dtype),
        first_child=np.zeros((b, s), np.int32), num_children=np.zeros((b, s), np.int32),
        player=np.zeros((b, s), np.int8), terminal=np.zeros((b, s), np.int8),
        terminal_value=np.zeros((b, s), np.float32),
        num_nodes=np.zeros(b, np.int32), num_states=np.zeros(b, np.int32),
        full=np.zeros(b, np.int8), vmin=np.full(b, np.inf), vmax=np.full(b, -np.inf), rng=rng,
        scratch_state=np.zeros((b, state_len), dtype),
        scratch_mask=np.zeros((b, num_actions), np.bool_),
        scratch_actions=np.zeros((b, num_actions), np.int32),
    )


def capacity(tree: Tree) -> tuple[int, int]:
    """(node slots, state slots) per tree."""
    return tree.parent.shape[1], tree.states.shape[1]


# -- random numbers: splitmix64 per tree, so results do not depend on thread scheduling ---------
@numba.njit(cache=True, inline="always")
def mix64(x):
    """splitmix64's output function."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@numba.njit(cache=True, inline="always")
def next_u64(rng, b):
    """The next 64 random bits of tree ``b``'s stream ``rng[b]``."""
    x = rng[b] + np.uint64(0x9E3779B97F4A7C15)
    rng[b] = x
    return mix64(x)


@numba.njit(cache=True, inline="always")
def rand_below(rng, b, n):
    """Uniform int in [0, n) for n < 2**32 (multiply-shift: no division in the hot loop)."""
    return np.int64(((next_u64(rng, b) >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))


@numba.njit(cache=True, inline="always")
def rand_seed(rng, b):
    """A non-negative int64 seed for a game's playout kernel."""
    return np.int64(next_u64(rng, b) >> np.uint64(1))


# -- structure ----------------------------------------------------------------------------------
@numba.njit(cache=True)
def reset_tree(t, b, root_state, done, value, player):
    """Make tree ``b`` a lone root holding ``root_state``."""
    t.num_nodes[b] = 1
    t.num_states[b] = 1
    t.full[b] = 0
    t.vmin[b] = np.inf
    t.vmax[b] = -np.inf
    t.parent[b, 0] = -1
    t.action[b, 0] = -1
    t.visits[b, 0] = 0
    t.value_sum[b, 0] = 0.0
    t.prior[b, 0] = 1.0
    t.slot[b, 0] = 0
    t.states[b, 0, :] = root_state
    t.first_child[b, 0] = UNEXPANDED
    t.num_children[b, 0] = 0
    t.player[b, 0] = player
    t.terminal[b, 0] = 1 if done else 0
    t.terminal_value[b, 0] = value


@numba.njit(cache=True)
def find_state(t, b, state, max_depth):
    """A stored node within ``max_depth`` plies of the root whose state equals ``state``.

    Returns the node index, or -1. Only stored (visited) nodes can match.
    """
    if t.num_nodes[b] == 0:
        return -1
    frontier = np.zeros(1, np.int64)
    for depth in range(max_depth + 1):
        nxt = np.empty(0, np.int64)
        for node in frontier:
            s = t.slot[b, node]
            if s < 0:
                continue
            if np.array_equal(t.states[b, s], state):
                return node
            fc = t.first_child[b, s]
            if depth < max_depth and fc >= 0:
                nxt = np.concatenate((nxt, np.arange(fc, fc + t.num_children[b, s])))
        frontier = nxt
    return -1


@numba.njit(cache=True)
def copy_subtree(src, dst, b, root, max_nodes, max_states):
    """Copy the subtree of ``src`` below node ``root`` into tree ``b`` of ``dst`` (reset).

    Breadth first, so each block of children stays contiguous. The new root's value sum is
    turned to its own player's viewpoint. Returns False (``dst`` untouched apart from its
    counters) when the subtree holds more than ``max_nodes`` nodes or ``max_states`` states:
    the caller then starts a fresh tree, which bounds the memory a reused tree can take.
    """
    queue = np.empty(max_nodes, np.int32)  # src node of each dst node, in dst order
    qpar = np.empty(max_nodes, np.int32)   # dst parent of each dst node
    queue[0] = root
    qpar[0] = -1
    n_nodes = 1
    n_states = 0
    head = 0
    while head < n_nodes:
        sn = queue[head]
        ss = src.slot[b, sn]
        if ss >= 0:
            n_states += 1
            if n_states > max_states:
                return False
            fc = src.first_child[b, ss]
            if fc >= 0:
                nc = src.num_children[b, ss]
                if n_nodes + nc > max_nodes:
                    return False
                for i in range(nc):
                    queue[n_nodes + i] = fc + i
                    qpar[n_nodes + i] = head
                n_nodes += nc
        head += 1
    # second pass: write, now that it fits
    ns = 0
    for dn in range(n_nodes):
        sn = queue[dn]
        dst.parent[b, dn] = qpar[dn]
        dst.action[b, dn] = src.action[b, sn]
        dst.visits[b, dn] = src.visits[b, sn]
        dst.value_sum[b, dn] = src.value_sum[b, sn]
        dst.prior[b, dn] = src.prior[b, sn]
        dst.slot[b, dn] = -1
    next_block = 1
    for dn in range(n_nodes):
        sn = queue[dn]
        ss = src.slot[b, sn]
        if ss < 0:
            continue
        dst.slot[b, dn] = ns
        dst.states[b, ns, :] = src.states[b, ss]
        dst.player[b, ns] = src.player[b, ss]
        dst.terminal[b, ns] = src.terminal[b, ss]
        dst.terminal_value[b, ns] = src.terminal_value[b, ss]
        fc = src.first_child[b, ss]
        if fc >= 0:
            dst.first_child[b, ns] = next_block
            dst.num_children[b, ns] = src.num_children[b, ss]
            next_block += src.num_children[b, ss]
        else:
            dst.first_child[b, ns] = UNEXPANDED
            dst.num_children[b, ns] = 0
        ns += 1
    par = src.parent[b, root]
    if par >= 0 and src.player[b, src.slot[b, par]] != dst.player[b, 0]:
        dst.value_sum[b, 0] = -dst.value_sum[b, 0]
    dst.num_nodes[b] = n_nodes
    dst.num_states[b] = ns
    dst.full[b] = 0
    dst.vmin[b] = src.vmin[b]
    dst.vmax[b] = src.vmax[b]
    dst.rng[b] = src.rng[b]
    return True


@numba.njit(cache=True)
def reroot(src, dst, roots, max_nodes, max_states, kept):
    """Copy each tree's subtree below ``roots[b]`` (-1: none) into ``dst``; ``kept[b]`` says
    whether it fitted. Trees not kept must be reset by the caller. (Sequential: copying is
    cheap next to a move's simulations, and a parallel version costs seconds to compile.)"""
    for b in range(roots.shape[0]):
        kept[b] = False
        if roots[b] >= 0:
            kept[b] = copy_subtree(src, dst, b, roots[b], max_nodes, max_states)


@numba.njit(cache=True)
def root_stats(t, visits_out, q_out):
    """Per root action: visit counts (int32 ``[B, A]``) and mean values from the root
    player's viewpoint (float32 ``[B, A]``, NaN where unvisited)."""
    for b in range(t.num_nodes.shape[0]):
        visits_out[b, :] = 0
        q_out[b, :] = np.nan
        fc = t.first_child[b, 0]
        if fc < 0:
            continue
        for i in range(fc, fc + t.num_children[b, 0]):
            a = t.action[b, i]
            n = t.visits[b, i]
            visits_out[b, a] = n
            if n > 0:
                q_out[b, a] = t.value_sum[b, i] / n
