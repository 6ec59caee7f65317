"""Conformance kit: ``check_game`` checks a game plugin against the contract.

Any plugin can call it from its own tests::

    from varena.engine.testing import check_game
    def test_conforms():
        check_game("gomoku:size=9")

It plays random games through the rules and raises AssertionError naming the game, the
method and what it got against what the contract asks, for the first check that fails.
"""

from __future__ import annotations

import numpy as np

from varena.engine.api import Game, Tokens
from varena.engine.errors import IllegalMoveError


def check_game(game: str | Game, *, games: int = 20, seed: int = 0, max_steps: int | None = None) -> None:
    """Play ``games`` random games of ``game`` (a spec or a configured Game) and check:

    - state dtype and shape (of ``initial_state``, ``initial_states``, every ``next_state``);
      ``num_actions``/``num_players`` sane;
    - the legal mask is non-empty until the game is over, empty after;
    - Game.play rejects an out-of-range action and an illegal one with IllegalMoveError;
    - the same seed gives the same game (initial states and rules are deterministic);
    - outcome values lie in [-1, 1] for two-player games;
    - every game ends within ``max_moves`` moves;
    - symmetries map legal moves to legal moves (and are permutations);
    - compiled kernels and their pure-Python versions (``py_func``) agree step by step;
    - a ``playout`` kernel plays its state to the end in place, is deterministic for a seed,
      and its value has the sign of that end position's outcome for the player who was to
      move at the start (as ``outcome`` and ``to_play`` judge it);
    - a ``heuristic`` kernel gives a finite value in [-1, 1] and leaves its state alone;
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
        if game.kernels.playout is not None:
            _check_playout(game, states[:24], seed)
        if game.kernels.heuristic is not None:
            _check_heuristic(game, states[:24])


def _check_state(game: Game, s: object, what: str) -> None:
    assert isinstance(s, np.ndarray), f"{game.spec}: {what} returned {type(s).__name__}, not a numpy array"
    assert s.shape == (game.state_len,), (
        f"{game.spec}: {what} returned a state of shape {s.shape}; expected ({game.state_len},) (state_len)"
    )
    assert s.dtype == np.dtype(game.state_dtype), (
        f"{game.spec}: {what} returned a state of dtype {s.dtype}; expected state_dtype {np.dtype(game.state_dtype)}"
    )


def _check_shape(game: Game) -> None:
    assert game.num_players in (1, 2), f"{game.spec}: num_players must be 1 or 2, got {game.num_players!r}"
    assert game.num_actions >= 1, f"{game.spec}: num_actions must be >= 1, got {game.num_actions!r}"
    _check_state(game, game.initial_state(np.random.default_rng(0)), "initial_state")
    batch = game.initial_states(3, np.random.default_rng(0))
    assert batch.shape == (3, game.state_len), (
        f"{game.spec}: initial_states(3) has shape {batch.shape}; expected (3, {game.state_len})"
    )


def _random_game(game: Game, seed: int, limit: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    state = game.initial_state(rng)
    trajectory = [state.copy()]
    for move in range(limit + 1):
        done, value = game.outcome(state)
        mask = game.legal_mask(state)
        assert isinstance(mask, np.ndarray), (
            f"{game.spec}: legal_mask returned {type(mask).__name__}, not a numpy array"
        )
        assert mask.dtype == np.bool_ and mask.shape == (game.num_actions,), (
            f"{game.spec}: legal_mask must be bool [{game.num_actions}], got {mask.dtype} {mask.shape}"
        )
        if game.num_players == 2:
            assert -1.0 <= value <= 1.0, f"{game.spec}: outcome value {value} outside [-1, 1] at move {move}"
        player = game.to_play(state)
        assert 0 <= player < game.num_players, (
            f"{game.spec}: to_play returned {player!r} at move {move}; accepted: 0..{game.num_players - 1}"
        )
        if done:
            assert not mask.any(), f"{game.spec}: legal moves remain after the game is over (move {move})"
            text = game.result_text(state)
            assert isinstance(text, str), f"{game.spec}: result_text returned {type(text).__name__}, not str"
            return trajectory
        legal = np.flatnonzero(mask)
        assert legal.size, f"{game.spec}: no legal move at move {move} but the game is not over"
        _expect_illegal(game, state, game.num_actions, "out-of-range action")
        _expect_illegal(game, state, -1, "negative action")
        illegal = np.flatnonzero(~mask)
        if illegal.size:
            _expect_illegal(game, state, int(illegal[rng.integers(illegal.size)]), "illegal action")
        before = state.copy()
        action = int(legal[rng.integers(legal.size)])
        after = game.play(state, action)
        assert np.array_equal(before, state), f"{game.spec}: play() (next_state) modified its input"
        _check_state(game, after, f"next_state(state, {action}) at move {move}")
        state = after
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
            f"{game.spec}: action_permutation({k}) is not a permutation of 0..{game.num_actions - 1}"
        )
        moved = game.transform_states(states, k)
        assert moved.shape == states.shape, (
            f"{game.spec}: transform_states({k}) changed the shape {states.shape} to {moved.shape}"
        )
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
    assert isinstance(tok, Tokens), f"{game.spec}: tokens() must return varena.engine.api.Tokens, got {type(tok).__name__}"
    b = len(states)
    f = tok.features
    assert f.ndim == 3 and f.shape[0] == b, f"{game.spec}: tokens features must be [B={b}, T, F], got {f.shape}"
    assert f.dtype == np.float32, f"{game.spec}: tokens features must be float32, got {f.dtype}"
    assert np.isfinite(f).all(), f"{game.spec}: tokens features hold NaN or infinity"
    low, high = game.feature_range
    assert (f >= low).all() and (f <= high).all(), (
        f"{game.spec}: tokens features span [{f.min():g}, {f.max():g}], outside feature_range ({low:g}, {high:g})"
    )
    t = f.shape[1]
    if tok.positions is not None:
        assert tok.positions.shape == (t, 2), f"{game.spec}: positions must be [T={t}, 2], got {tok.positions.shape}"
    assert tok.action_tokens.shape == (game.num_actions,), (
        f"{game.spec}: action_tokens must be [A={game.num_actions}], got {tok.action_tokens.shape}"
    )
    assert ((tok.action_tokens >= -1) & (tok.action_tokens < t)).all(), (
        f"{game.spec}: action_tokens must lie in -1..{t - 1} (a token index, or -1 for none)"
    )
    assert tok.globals.ndim == 2 and tok.globals.shape[0] == b, (
        f"{game.spec}: globals must be [B={b}, G], got {tok.globals.shape}"
    )


def _check_names(game: Game, state: np.ndarray) -> None:
    text = game.render(state)
    assert isinstance(text, str), f"{game.spec}: render returned {type(text).__name__}, not str"
    for a in np.flatnonzero(game.legal_mask(state))[:50]:
        name = game.action_name(int(a))
        assert isinstance(name, str), f"{game.spec}: action_name({a}) returned {type(name).__name__}, not str"
        back = game.parse_action(name)
        assert back == a, f"{game.spec}: parse_action({name!r}) gave {back}, but action_name({a}) is {name!r}"


def _check_python_path(game: Game, seed: int) -> None:
    """The compiled kernels and their plain-Python versions must play the same game."""
    k = game.kernels
    rng = np.random.default_rng(seed)
    state = game.initial_state(rng)
    for move in range(min(game.max_moves, 400)):
        done_c, value_c = k.outcome(state)
        done_p, value_p = k.outcome.py_func(state)
        assert (bool(done_c), float(value_c)) == (bool(done_p), float(value_p)), (
            f"{game.spec}: compiled and Python outcome differ at move {move}: "
            f"{(bool(done_c), float(value_c))} != {(bool(done_p), float(value_p))}"
        )
        mc = np.zeros(game.num_actions, np.bool_)
        mp = np.zeros(game.num_actions, np.bool_)
        k.legal_mask(state, mc)
        k.legal_mask.py_func(state, mp)
        assert np.array_equal(mc, mp), f"{game.spec}: compiled and Python legal_mask differ at move {move}"
        if done_c:
            return
        tc, tp = int(k.to_play(state)), int(k.to_play.py_func(state))
        assert tc == tp, f"{game.spec}: compiled and Python to_play differ at move {move}: {tc} != {tp}"
        legal = np.flatnonzero(mc)
        a = int(legal[rng.integers(legal.size)])
        oc, op = np.empty_like(state), np.empty_like(state)
        k.step(state, a, oc)
        k.step.py_func(state, a, op)
        assert np.array_equal(oc, op), f"{game.spec}: compiled and Python step differ at move {move} (action {a})"
        state = oc


def _check_playout(game: Game, states: np.ndarray, seed: int) -> None:
    """``playout(state, seed)`` against the rules: the position it leaves is the end of the
    random game it played, so ``outcome`` there, seen from the player to move at the start,
    must have the sign of the value it returned."""
    k = game.kernels
    for i, s in enumerate(states):
        if k.outcome(s)[0]:
            continue
        a, b = s.copy(), s.copy()
        value = float(k.playout(a, seed + i))
        again = float(k.playout(b, seed + i))
        where = f"{game.spec}: playout (state {i}, seed {seed + i})"
        assert np.isfinite(value), f"{where} returned {value}"
        assert value == again and np.array_equal(a, b), f"{where} differs between two runs with the same seed"
        if game.num_players == 2:
            assert -1.0 <= value <= 1.0, f"{where} returned {value:g}, outside [-1, 1]"
        done, end_value = k.outcome(a)
        assert done, f"{where} left the state unfinished; it must play the state to the end in place"
        end_value = float(end_value)
        if game.num_players == 2 and int(k.to_play(a)) != int(k.to_play(s)):
            end_value = -end_value
        assert np.sign(value) == np.sign(end_value), (
            f"{where} returned {value:+g} for the player to move at the start, but the game it "
            f"played ends {end_value:+g} for that player (by outcome and to_play at its end)"
        )


def _check_heuristic(game: Game, states: np.ndarray) -> None:
    k = game.kernels
    for i, s in enumerate(states):
        if k.outcome(s)[0]:
            continue
        before = s.copy()
        value = float(k.heuristic(s))
        where = f"{game.spec}: heuristic (state {i})"
        assert np.isfinite(value) and -1.0 <= value <= 1.0, f"{where} returned {value}; accepted: [-1, 1]"
        assert np.array_equal(before, s), f"{where} modified its state"
