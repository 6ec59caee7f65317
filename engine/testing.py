"""Conformance kit: ``check_game`` checks a game plugin against the contract.

Any plugin can call it from its own tests::

    from varena.engine.testing import check_game
    def test_conforms():
        check_game("gomoku:size=9")

It plays random games through the rules and raises AssertionError naming the first
invariant that fails.
"""

from __future__ import annotations

import numpy as np

from varena.engine.api import Game, Tokens
from varena.engine.errors import IllegalMoveError


def check_game(game: str | Game, *, games: int = 20, seed: int = 0, max_steps: int | None = None) -> None:
    """Play ``games`` random games of ``game`` (a spec or a configured Game) and check:

    - state dtype and shape; ``num_actions``/``num_players`` sane;
    - the legal mask is non-empty until the game is over, empty after;
    - Game.play rejects an out-of-range action and an illegal one with IllegalMoveError;
    - the same seed gives the same game (initial states and rules are deterministic);
    - outcome values lie in [-1, 1] for two-player games;
    - every game ends within ``max_moves`` moves;
    - symmetries map legal moves to legal moves (and are permutations);
    - compiled kernels and their pure-Python versions (``py_func``) agree step by step;
    - tokens have the documented shapes; action names round-trip through parse_action;
      render and result_text return text.
    """
    if isinstance(game, str):
        from varena.engine.host import get_host

        game = get_host().make_game(game)
    _check_shape(game)
    limit = max_steps if max_steps is not None else game.max_moves
    first = [_random_game(game, seed + i, limit) for i in range(games)]
    again = [_random_game(game, seed + i, limit) for i in range(min(games, 3))]
    for a, b in zip(first, again, strict=False):
        assert len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True)), (
            f"{game.spec}: two runs with the same seed differ (nondeterministic rules or initial state)"
        )
    states = np.stack([s for traj in first for s in traj[:: max(1, len(traj) // 8)]])
    _check_symmetries(game, states)
    _check_tokens(game, states[:16])
    _check_names(game, states[0])
    if game.kernels is not None:
        _check_python_path(game, seed)


def _check_shape(game: Game) -> None:
    assert game.num_players in (1, 2), f"{game.spec}: num_players must be 1 or 2"
    assert game.num_actions >= 1, f"{game.spec}: num_actions must be >= 1"
    s = game.initial_state(np.random.default_rng(0))
    assert isinstance(s, np.ndarray) and s.ndim == 1, f"{game.spec}: a state must be a 1-d array"
    assert s.shape == (game.state_len,), f"{game.spec}: state shape {s.shape} != ({game.state_len},)"
    assert s.dtype == np.dtype(game.state_dtype), f"{game.spec}: dtype {s.dtype} != {game.state_dtype}"
    batch = game.initial_states(3, np.random.default_rng(0))
    assert batch.shape == (3, game.state_len), f"{game.spec}: initial_states shape {batch.shape}"


def _random_game(game: Game, seed: int, limit: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    state = game.initial_state(rng)
    trajectory = [state.copy()]
    for move in range(limit + 1):
        done, value = game.outcome(state)
        mask = game.legal_mask(state)
        assert mask.dtype == np.bool_ and mask.shape == (game.num_actions,), (
            f"{game.spec}: legal_mask must be bool [{game.num_actions}], got {mask.dtype} {mask.shape}"
        )
        if game.num_players == 2:
            assert -1.0 <= value <= 1.0, f"{game.spec}: outcome value {value} outside [-1, 1]"
        assert 0 <= game.to_play(state) < game.num_players, f"{game.spec}: to_play out of range"
        if done:
            assert not mask.any(), f"{game.spec}: legal moves remain after the game is over"
            game.result_text(state)
            return trajectory
        legal = np.flatnonzero(mask)
        assert legal.size, f"{game.spec}: no legal move at move {move} but the game is not over"
        _expect_illegal(game, state, game.num_actions, "out-of-range action")
        _expect_illegal(game, state, -1, "negative action")
        illegal = np.flatnonzero(~mask)
        if illegal.size:
            _expect_illegal(game, state, int(illegal[rng.integers(illegal.size)]), "illegal action")
        before = state.copy()
        after = game.play(state, int(legal[rng.integers(legal.size)]))
        assert np.array_equal(before, state), f"{game.spec}: play() modified its input"
        state = after
        assert state.dtype == np.dtype(game.state_dtype) and state.shape == (game.state_len,)
        trajectory.append(state.copy())
    raise AssertionError(f"{game.spec}: a random game did not end within max_moves={limit}")


def _expect_illegal(game: Game, state: np.ndarray, action: int, what: str) -> None:
    try:
        game.play(state, action)
    except IllegalMoveError:
        return
    raise AssertionError(f"{game.spec}: Game.play accepted an {what} ({action})")


def _check_symmetries(game: Game, states: np.ndarray) -> None:
    masks = game.legal_masks(states)
    for k in range(game.num_symmetries):
        perm = np.asarray(game.action_permutation(k))
        assert sorted(perm.tolist()) == list(range(game.num_actions)), (
            f"{game.spec}: action_permutation({k}) is not a permutation"
        )
        moved = game.transform_states(states, k)
        assert moved.shape == states.shape, f"{game.spec}: transform_states({k}) changed the shape"
        moved_masks = game.legal_masks(moved)
        expect = np.zeros_like(masks)
        expect[:, perm] = masks
        assert np.array_equal(moved_masks, expect), (
            f"{game.spec}: symmetry {k} does not map legal moves to legal moves"
        )


def _check_tokens(game: Game, states: np.ndarray) -> None:
    try:
        tok = game.tokens(states)
    except NotImplementedError:
        return
    assert isinstance(tok, Tokens), f"{game.spec}: tokens() must return varena.engine.api.Tokens"
    b = len(states)
    assert tok.features.ndim == 3 and tok.features.shape[0] == b, f"{game.spec}: features must be [B, T, F]"
    assert tok.features.dtype == np.float32 and np.isfinite(tok.features).all()
    t = tok.features.shape[1]
    if tok.positions is not None:
        assert tok.positions.shape == (t, 2), f"{game.spec}: positions must be [T, 2]"
    assert tok.action_tokens.shape == (game.num_actions,), f"{game.spec}: action_tokens must be [A]"
    assert ((tok.action_tokens >= -1) & (tok.action_tokens < t)).all(), f"{game.spec}: bad action_tokens"
    assert tok.globals.ndim == 2 and tok.globals.shape[0] == b, f"{game.spec}: globals must be [B, G]"


def _check_names(game: Game, state: np.ndarray) -> None:
    assert isinstance(game.render(state), str)
    for a in np.flatnonzero(game.legal_mask(state))[:50]:
        name = game.action_name(int(a))
        assert game.parse_action(name) == a, f"{game.spec}: parse_action({name!r}) != {a}"


def _check_python_path(game: Game, seed: int) -> None:
    """The compiled kernels and their plain-Python versions must play the same game."""
    k = game.kernels
    rng = np.random.default_rng(seed)
    state = game.initial_state(rng)
    for _ in range(min(game.max_moves, 400)):
        done_c, value_c = k.outcome(state)
        done_p, value_p = k.outcome.py_func(state)
        assert (bool(done_c), float(value_c)) == (bool(done_p), float(value_p)), (
            f"{game.spec}: compiled and Python outcome differ"
        )
        mc = np.zeros(game.num_actions, np.bool_)
        mp = np.zeros(game.num_actions, np.bool_)
        k.legal_mask(state, mc)
        k.legal_mask.py_func(state, mp)
        assert np.array_equal(mc, mp), f"{game.spec}: compiled and Python legal_mask differ"
        if done_c:
            return
        assert int(k.to_play(state)) == int(k.to_play.py_func(state))
        legal = np.flatnonzero(mc)
        a = int(legal[rng.integers(legal.size)])
        oc, op = np.empty_like(state), np.empty_like(state)
        k.step(state, a, oc)
        k.step.py_func(state, a, op)
        assert np.array_equal(oc, op), f"{game.spec}: compiled and Python step differ"
        state = oc
