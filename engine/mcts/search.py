"""MCTS over a batch of games: trees, root policy, simulation steps, tree reuse, moves out.

``MCTS(game, options, evaluator).run(states)`` searches every state of ``states`` (one tree
each) and returns a :class:`SearchResult`. With the default :class:`RolloutEvaluator` the
simulations run entirely compiled; with any other evaluator each simulation step is one
evaluator call on the leaves of all trees.

``run`` is a loop over four steps that callers may drive themselves, e.g. to evaluate the
leaves of many searches in one network call (:class:`varena.engine.mcts.pool.SearchPool`)::

    search.begin(states)                      # roots (tree reuse), root policy
    while (leaves := search.select()) is not None:   # [n, L] leaf states of this step
        search.update(*evaluate(leaves))      # priors [n, A], values [n]: expand, back up
    result = search.finish()

The root policy (:mod:`varena.engine.mcts.roots`) drives the phases in between.

Tree reuse: between calls, each tree looks for the new position among its stored nodes
within two plies of the old root (our move, then the opponent's reply), comparing states;
when found, that subtree becomes the root (copied compactly, so memory stays bounded),
otherwise the tree starts afresh. Nothing has to be told about the opponent's move.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from varena.engine import memory
from varena.engine.api import Game
from varena.engine.compiling import notice
from varena.engine.errors import SpecError, VarenaError
from varena.engine.kernels import call, game_functions, set_threads, specialise
from varena.engine.mcts import batched, policies
from varena.engine.mcts.evaluators import Evaluator, RolloutEvaluator, checked
from varena.engine.mcts.options import MCTSOptions, check_options
from varena.engine.mcts.roots import root_policy
from varena.engine.mcts.tree import (
    Tree,
    capacity,
    find_state,
    make_config,
    new_tree,
    reroot,
    root_stats,
)

log = logging.getLogger("varena.mcts")

REUSE_DEPTH = 2
NODE_BYTES = 24            # parent, action, visits, value sum, prior, slot
AUTO_BYTES = 1 << 30       # memory the automatic budget may give all trees of one search


@dataclass(frozen=True, slots=True)
class SearchResult:
    """What a search of B positions found (A = the game's number of actions).

    - actions int64 ``[B]``: the chosen moves.
    - policy float32 ``[B, A]``: policy targets (visit distribution; Gumbel: the improved
      policy).
    - visits int32 ``[B, A]``: root visit counts; q float32 ``[B, A]``: root children's mean
      values for the player to move (NaN where unvisited); value float32 ``[B]``: the root's
      mean value for the player to move.
    - simulations int32 ``[B]``: simulations run in this call; pool_full bool ``[B]``:
      trees that stopped early because their node or state pool filled up.
    """

    actions: np.ndarray
    policy: np.ndarray
    visits: np.ndarray
    q: np.ndarray
    value: np.ndarray
    simulations: np.ndarray
    pool_full: np.ndarray


#: What the step generator yields after an update (a select follows).
_UPDATED = object()


class MCTS:
    """Batched tree search for one configured game (compiled kernels, or plain Python: the
    same search interpreted, much slower)."""

    def __init__(self, game: Game, options: MCTSOptions | None = None,
                 evaluator: Evaluator | None = None, seed: int | None = None,
                 owner: str = "mcts") -> None:
        self.game = game
        self.options = options or MCTSOptions()
        self.owner = owner
        check_options(self.options, owner, game=game)
        if game.num_players not in (1, 2):
            raise VarenaError(f"MCTS supports one- and two-player games, not {game.num_players}")
        self.gf = game_functions(game)
        self.evaluator = evaluator if evaluator is not None else RolloutEvaluator(game, 1)
        self.compiled_rollouts = isinstance(self.evaluator, RolloutEvaluator)
        rollouts = self.evaluator.rollouts if self.compiled_rollouts else 1
        o = self.options
        # the compiled path runs one simulation at a time per tree: no virtual loss needed
        vloss = 0 if self.compiled_rollouts else o.vloss
        self.cfg = make_config(o.rule, o.c, o.c_base, o.fpu, vloss, game.num_players == 2,
                               rollouts, game.max_moves)
        self.rng = np.random.default_rng(seed)
        self.seed = int(self.rng.integers(2**62))
        self.tree: Tree | None = None
        self.spare: Tree | None = None
        self._compiled: dict = {}  # entry point -> dispatcher (argument types are fixed)
        self._warned = False
        self.root_policy = root_policy(self.options, game.num_players == 2)
        self._steps: Generator | None = None  # the running search (begin .. finish)
        self._pending = 0                     # leaves handed out by select, awaiting update
        self._done: np.ndarray | None = None  # simulations per tree, once the steps ended
        #: Seconds allowed per ``run`` (None: no limit, ``options.sims`` alone decides).
        self.move_time: float | None = None
        #: Bytes all trees of this search may take (read once: no cost per move or simulation).
        self.room = memory.allowance()
        self.check_memory(1)  # an absurd budget is refused before the first move
        self._prepare()

    def _prepare(self) -> None:
        """Load (or compile, announced) every compiled function this search calls, now:
        the first move then pays for its search only (loading them took ~0.3 s of it)."""
        if self.gf.python:
            return
        g, gf, cfg = self.game, self.gf, self.cfg
        t = new_tree(1, 2, 2, g.state_len, gf.state_dtype, g.num_actions)
        states = np.zeros((1, g.state_len), gf.state_dtype)
        forced = np.full((1, 0), -1, np.int32)
        done = np.zeros(1, np.int32)
        with notice(f"the tree search for {gf.state_dtype} states"):
            entries = [(batched.init_roots, (t, states, np.ones(1, np.bool_)), False)]
            if self.compiled_rollouts:
                entries.append((batched.run_rollouts,
                                (t, cfg, np.int64(1), forced, gf.has_playout, done), True))
            else:
                lv = np.empty((1, 1), np.int32)
                entries += [
                    (batched.select_batch, (t, cfg, np.int64(1), np.int64(0), forced, lv, lv,
                                            states), True),
                    (batched.update_batch, (t, cfg, lv, lv, np.zeros((1, g.num_actions), np.float32),
                                            np.zeros(1, np.float32), done), True)]
            for fn, args, parallel in entries:  # the calls find them by their argument types
                specialise(fn, args, gf, parallel=parallel)
            # the plain compiled helpers, on the empty tree: they touch nothing
            root_stats(t, np.zeros((1, g.num_actions), np.int32), np.zeros((1, g.num_actions), np.float32))
            if self.options.reuse:
                find_state(t, 0, states[0], REUSE_DEPTH)
                reroot(t, new_tree(1, 2, 2, g.state_len, gf.state_dtype, g.num_actions),
                       np.full(1, -1, np.int64), 1, 1, np.zeros(1, np.bool_))

    # -- memory -------------------------------------------------------------------------------
    def _budget(self, batch: int = 1) -> tuple[int, int]:
        """(nodes, states) per tree; auto: room for one move's simulations, twice with reuse,
        within AUTO_BYTES (or the memory there is) for all trees (beyond that a search stops
        early and says so)."""
        o, g = self.options, self.game
        reuse = 2 if o.reuse else 1
        auto = min(AUTO_BYTES, self.room // reuse)
        per_state = g.state_len * self.gf.state_dtype.itemsize + 16
        nodes = o.nodes or min((1 + o.sims * g.num_actions) * reuse,
                               max(4096, 1 + g.num_actions, auto // 2 // (NODE_BYTES * batch)))
        states = min(nodes, (o.sims + 2) * reuse, max(64, auto // 2 // (per_state * batch)))
        return int(nodes), int(max(states, 2))

    def memory_bytes(self, batch: int = 1) -> tuple[int, int, int]:
        """Bytes ``batch`` trees take: (all, of that the node pools, of that the buffers of
        one simulation step); with reuse every tree has two pools (the reroot copies)."""
        o, g = self.options, self.game
        nodes, states = self._budget(batch)
        item = self.gf.state_dtype.itemsize
        pools = 2 if o.reuse else 1
        node_part = batch * pools * nodes * NODE_BYTES
        tree = states * (g.state_len * item + 14) + g.state_len * item + 9 * g.num_actions + 64
        step = 0 if self.compiled_rollouts else batch * o.leaves * (
            g.state_len * item + 4 * g.num_actions + 12)
        return node_part + batch * pools * tree + step, node_part, step

    def check_memory(self, batch: int) -> None:
        """Refuse (one line naming the parameter, its value, the bytes and the accepted
        maximum) a budget that ``batch`` trees could not hold in :attr:`room`."""
        need, node_part, step = self.memory_bytes(batch)
        if need <= self.room:
            return
        o, rest = self.options, need
        pools = 2 if o.reuse else 1
        if o.nodes and node_part * 2 >= need:
            rest -= node_part
            what, value = "nodes", o.nodes
            most = max(0, self.room - rest) // (batch * pools * NODE_BYTES)
        elif step * 2 >= need:
            rest -= step
            what, value = "leaves", o.leaves
            most = max(0, self.room - rest) * o.leaves // step
        else:
            what, value = "trees (games searched at once)", batch
            most = self.room // (need // batch)
        where = f" for {batch} trees" if batch > 1 else ""
        pool_note = " (two pools each: tree reuse)" if o.reuse and what == "nodes" else ""
        raise SpecError(f"{self.owner}: {what}={value} would take {need} bytes ({memory.human(need)})"
                        f"{where}{pool_note}; accepted: {what} <= {most} here "
                        f"({memory.FRACTION:.0%} of the {memory.human(self.room / memory.FRACTION)} "
                        "of memory available)")

    def _allocate(self, batch: int) -> Tree:
        self.check_memory(batch)
        nodes, states = self._budget(batch)
        g = self.game
        return new_tree(batch, nodes, states, g.state_len, self.gf.state_dtype, g.num_actions,
                        seed=int(self.rng.integers(2**62)))

    def reset(self) -> None:
        """Forget all trees (new games start) and any search in progress."""
        self.tree = self.spare = None
        self._steps, self._pending, self._done = None, 0, None

    def _roots(self, states: np.ndarray) -> None:
        """Point every tree at its new root, reusing subtrees where the position is known."""
        b = len(states)
        if self.tree is None or self.tree.num_nodes.shape[0] != b:
            self.tree = self._allocate(b)
            self.spare = None
            reset = np.ones(b, np.bool_)
        elif self.options.reuse:
            roots = np.array([find_state(self.tree, i, states[i], REUSE_DEPTH) for i in range(b)],
                             np.int64)
            if self.spare is None:
                self.spare = self._allocate(b)
            nodes, nstates = capacity(self.tree)
            keep_nodes = nodes - (1 + self.options.sims * self.game.num_actions)
            keep_states = nstates - (self.options.sims + 1)
            if keep_nodes < 2 or keep_states < 1:  # an explicit small budget: keep up to half
                keep_nodes, keep_states = nodes // 2, nstates // 2
            kept = np.zeros(b, np.bool_)
            reroot(self.tree, self.spare, roots, keep_nodes, keep_states, kept)
            self.tree, self.spare = self.spare, self.tree
            self.tree.rng[:] = self.spare.rng  # every tree continues its own random stream
            reset = ~kept
        else:
            reset = np.ones(b, np.bool_)
        call(batched.init_roots, (self.tree, states, reset), self.gf, memo=self._compiled)

    # -- the steps ------------------------------------------------------------------------------
    def begin(self, states: np.ndarray) -> None:
        """Start searching each of ``states`` (``[B, L]``): roots (reusing subtrees), root policy."""
        g = self.game
        start = time.perf_counter()  # the move's time includes setting up its trees
        states = np.atleast_2d(states)
        if states.ndim != 2 or states.shape[1] != g.state_len:
            raise VarenaError(f"states must be [B, {g.state_len}], got {list(states.shape)}")
        for i, s in enumerate(states):
            if g.outcome(s)[0]:
                raise VarenaError(f"state {i} is terminal: the game is over, there is no move to search")
        # the search's dtype (the game's own, or a wider one: kernels.GameFunctions)
        states = np.ascontiguousarray(states, dtype=self.gf.state_dtype)
        if self._steps is not None:  # an abandoned search: its trees may hold virtual loss
            self.reset()
        set_threads(self.options.threads)
        try:
            self._roots(states)
        except BaseException:
            self.reset()
            raise
        deadline = None if self.move_time is None else start + self.move_time
        self._steps, self._pending, self._done = self._search(len(states), deadline), 0, None

    def select(self) -> np.ndarray | None:
        """The leaf states ``[n, L]`` to evaluate in this simulation step (virtual loss on
        their paths), or None when the search has finished (then call :meth:`finish`)."""
        if self._steps is None:
            if self._done is not None:
                return None
            raise VarenaError("mcts: select() before begin()")
        if self._pending:
            raise VarenaError("mcts: select() again before update() of the leaves it gave")
        set_threads(self.options.threads)
        try:
            leaves = next(self._steps)
        except StopIteration as stop:
            self._steps, self._done = None, stop.value
            return None
        except BaseException:
            self.reset()  # a kernel failed mid-step: the trees hold unwritten states
            raise
        self._pending = len(leaves)
        return leaves

    def update(self, priors: np.ndarray, values: np.ndarray) -> None:
        """Expand and back up the leaves of the last :meth:`select` with their evaluation:
        priors float32 ``[n, A]`` (illegal entries ignored), values float32 ``[n]`` for the
        player to move at each leaf."""
        self._update((priors, values))

    def _update(self, result: tuple) -> None:
        if self._steps is None or not self._pending:
            raise VarenaError("mcts: update() without leaves from select()")
        try:
            answer = checked(result, self._pending, self.game.num_actions)
            self._pending = 0
            set_threads(self.options.threads)
            self._steps.send(answer)  # runs to the yield after the update
        except BaseException:
            self.reset()  # pending leaves hold virtual loss
            raise

    def finish(self) -> SearchResult:
        """The moves and root statistics, once :meth:`select` returned None."""
        if self._done is None:
            raise VarenaError("mcts: finish() before select() returned None")
        done, self._done = self._done, None
        return self._result(done)

    def run(self, states: np.ndarray) -> SearchResult:
        """Search each of ``states`` (``[B, L]``) and pick a move for each."""
        self.begin(states)
        while (leaves := self.select()) is not None:
            try:
                answer = self.evaluator(leaves)
            except BaseException:
                self.reset()
                raise
            self._update(answer)
        return self.finish()

    # -- what the steps do -------------------------------------------------------------------------
    def _search(self, b: int, deadline: float | None) -> Generator:
        """The search as a generator: yields leaf states, receives their evaluation, yields
        ``_UPDATED`` after backing it up; returns the simulations per tree."""
        o, t, pol = self.options, self.tree, self.root_policy
        done = np.zeros(b, np.int32)
        if pol.expands_root and (t.first_child[:, 0] < 0).any():
            done += yield from self._simulate(1)  # the root's own evaluation expands it
        pol.begin(t, self.rng)
        for n, forced in pol.phases(t, o.sims - int(done.max())):
            if forced is None and deadline is not None:
                done += yield from self._simulate_until(n, deadline)
                break
            done += yield from self._simulate(n, forced)
        return done

    def _simulate(self, n: int, forced: np.ndarray | None = None) -> Generator:
        """Run ``n`` simulations per tree; ``forced`` int32 ``[B, n]`` root children or None."""
        t = self.tree
        b = t.num_nodes.shape[0]
        if forced is None:
            forced = np.full((b, 0), -1, np.int32)
        done = np.zeros(b, np.int32)
        if n <= 0:
            return done
        if self.compiled_rollouts:
            call(batched.run_rollouts, (t, self.cfg, np.int64(n), forced, self.gf.has_playout, done),
                 self.gf, parallel=True, memo=self._compiled)
            return done
        k_max = self.options.leaves
        a = self.game.num_actions
        leaf_states = np.zeros((b * k_max, self.game.state_len), self.gf.state_dtype)
        priors = np.zeros((b * k_max, a), np.float32)
        values = np.zeros(b * k_max, np.float32)
        offset = 0
        while offset < n:
            k = min(k_max, n - offset)
            lv, st = np.empty((b, k), np.int32), np.empty((b, k), np.int32)
            call(batched.select_batch, (t, self.cfg, np.int64(k), np.int64(offset), forced, lv, st,
                                        leaf_states), self.gf, parallel=True, memo=self._compiled)
            rows = np.flatnonzero(st.reshape(-1) == 0)  # EVAL
            if rows.size:
                p, v = yield self.gf.for_game(leaf_states[rows])
                priors[rows] = p
                values[rows] = v
            call(batched.update_batch, (t, self.cfg, lv, st, priors[: b * k], values[: b * k], done),
                 self.gf, parallel=True, memo=self._compiled)
            if rows.size:
                yield _UPDATED
            if t.full.all():
                break
            offset += k
        return done

    def _simulate_until(self, sims: int, deadline: float) -> Generator:
        """Up to ``sims`` simulations per tree, in slices, stopping at ``deadline``.

        The first slice always runs, so a move is found however short the time. Slices are
        sized from the rate measured so far (half the time left), not from ``sims``: a network
        search runs ~100x fewer simulations a second than the compiled rollouts, and a fixed
        share of a large ``sims`` overran a 0.25 s move by seconds."""
        done = np.zeros(self.tree.num_nodes.shape[0], np.int32)
        start, ran = time.perf_counter(), 0
        slice_ = max(16, self.options.leaves)  # the rate is unknown until one slice has run
        while sims > 0:
            n = min(slice_, sims)
            done += yield from self._simulate(n)
            sims, ran = sims - n, ran + n
            now = time.perf_counter()
            if self.tree.full.all() or now >= deadline:
                break
            slice_ = max(8, int(ran / max(now - start, 1e-6) * (deadline - now) / 2))
        return done

    def _result(self, done: np.ndarray) -> SearchResult:
        o, t, a = self.options, self.tree, self.game.num_actions
        b = t.num_nodes.shape[0]
        visits = np.zeros((b, a), np.int32)
        q = np.zeros((b, a), np.float32)
        root_stats(t, visits, q)
        actions = np.zeros(b, np.int64)
        policy = np.zeros((b, a), np.float32)
        value = np.where(t.visits[:, 0] > 0, t.value_sum[:, 0] / np.maximum(t.visits[:, 0], 1), 0.0)
        for i in range(b):
            ch = policies.root_children(t, i)
            j, policy[i] = self.root_policy.choose(t, i, ch, float(value[i]), self.rng, a)
            actions[i] = ch.actions[j]
        full = t.full != 0
        if full.any() and not self._warned:
            self._warned = True
            log.warning("mcts: the tree pool of %d of %d games filled up (fewest simulations: %d of "
                        "%d); moves come from the simulations done; raise nodes= (now %d) to search fully",
                        int(full.sum()), b, int(done.min()), o.sims, self._budget(b)[0])
        return SearchResult(actions, policy, visits, q, value.astype(np.float32), done, full)
