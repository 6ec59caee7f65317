"""Go game records: replay an SGF record into states (checking every move), and back."""

from __future__ import annotations

import datetime as _dt
import os

import numpy as np

from varena.engine.errors import FormatError, IllegalMoveError, SpecError
from varena.games.go import positions, rules
from varena.games.go.game import Go, margin_text
from varena.games.go.sgf import GoRecord, parse_go, read_go, write_go


def replay(rec: GoRecord, source: str = "<sgf>", **overrides) -> tuple[Go, list[np.ndarray]]:
    """The game of ``rec`` and its states (start position, then one per move).

    An illegal move raises FormatError naming its place in the file and its number.
    ``overrides`` change game parameters (e.g. ``max_moves``); by default ``max_moves`` is
    raised to the record's length if needed.
    """
    params = {**rec.game_params(), **overrides}
    try:
        game = Go.from_params(**params)  # checked like a spec: KM[1e30] or KM[nan] gives one line
        if len(rec.moves) > game.max_moves and "max_moves" not in overrides:
            game = Go.from_params(**{**params, "max_moves": len(rec.moves)})
        state = game.setup(rec.black, rec.white, rec.first)
    except (SpecError, IllegalMoveError) as exc:
        raise FormatError(f"{source}: {exc}") from None
    states = [state]
    for i, (player, action) in enumerate(rec.moves):
        where = rec.where[i] if i < len(rec.where) else "?"
        if game.outcome(state)[0] and int(state[rules.PASSES]) >= 2:
            state = state.copy()
            state[rules.PASSES] = 0  # play resumed after two passes
        if game.to_play(state) != player:
            state = game.with_to_play(state, player)
        try:
            state = game.play(state, action)
        except IllegalMoveError as exc:
            raise FormatError(f"{source}:{where}: move {i + 1} ({'BW'[player]} "
                              f"{game.action_name(action)}) is illegal: {exc}") from None
        states.append(state)
    return game, states


def load(path: str | os.PathLike, max_bytes: int | None = None,
         **overrides) -> tuple[Go, list[np.ndarray], GoRecord]:
    """Read (at most ``max_bytes``, default the reader's cap) and replay a Go SGF file."""
    rec = read_go(path) if max_bytes is None else read_go(path, max_bytes)
    game, states = replay(rec, str(path), **overrides)
    return game, states, rec


def loads(text: str, source: str = "<sgf>", **overrides) -> tuple[Go, list[np.ndarray], GoRecord]:
    """Parse and replay Go SGF text."""
    rec = parse_go(text, source)
    game, states = replay(rec, source, **overrides)
    return game, states, rec


def record_of(game: Go, state: np.ndarray, info: dict[str, str] | None = None) -> GoRecord:
    """The record of the game that led to ``state`` (setup stones, moves, result if over)."""
    W, H = game.width, game.height
    ob, oi = rules.layout(W, H, game.max_moves)[:2]
    init = state[oi:oi + (W + 2) * (H + 2)].reshape(H + 2, W + 2)[1:-1, 1:-1].ravel()
    rec = GoRecord(width=W, height=H, komi=game.komi, superko=game.superko,
                   suicide=game.suicide, black=np.flatnonzero(init == 1).tolist(),
                   white=np.flatnonzero(init == 2).tolist(), first=int(state[rules.FIRST]),
                   moves=positions.move_list(state), info=dict(info or {}))
    if game.outcome(state)[0] and "RE" not in rec.info:
        rec.info["RE"] = margin_text(game.score(state))
    return rec


def save(path: str | os.PathLike, game: Go, state: np.ndarray,
         info: dict[str, str] | None = None) -> GoRecord:
    """Write the game that led to ``state`` as SGF (atomically); DT defaults to today."""
    info = dict(info or {})
    info.setdefault("DT", _dt.date.today().isoformat())
    rec = record_of(game, state, info)
    write_go(path, rec)
    return rec
