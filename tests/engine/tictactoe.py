"""Tic-tac-toe (gomoku:size=3,k=3) helpers for search tests: full minimax and positions."""

from __future__ import annotations

import numpy as np

from varena.engine.host import get_host


def game():
    return get_host().make_game("gomoku:size=3,k=3")


def position(g, rows: str, to_play: int | None = None) -> np.ndarray:
    """A state from a picture like ``"X.O/.X./..."`` (rows top to bottom)."""
    cells = [".XO".index(c) for c in rows.replace("/", "").replace(" ", "")]
    return g.position(np.array(cells), to_play)


def minimax(g, s: np.ndarray, memo: dict) -> float:
    """The game-theoretic value of ``s`` for the player to move (+1 win, 0 draw, -1 loss)."""
    key = s.tobytes()
    if key not in memo:
        done, value = g.outcome(s)
        if done:
            memo[key] = value
        else:
            memo[key] = max(-minimax(g, g.next_state(s, a), memo) for a in np.flatnonzero(g.legal_mask(s)))
    return memo[key]


def move_values(g, s: np.ndarray, memo: dict) -> dict[int, float]:
    """Minimax value of each legal move, for the player to move."""
    return {int(a): -minimax(g, g.next_state(s, a), memo) for a in np.flatnonzero(g.legal_mask(s))}


def reachable(g) -> list[np.ndarray]:
    """Every non-terminal position reachable from the empty board (4520 of them)."""
    seen: dict[bytes, np.ndarray] = {}
    stack = [g.initial_state()]
    while stack:
        s = stack.pop()
        if s.tobytes() in seen or g.outcome(s)[0]:
            continue
        seen[s.tobytes()] = s
        stack.extend(g.next_state(s, a) for a in np.flatnonzero(g.legal_mask(s)))
    return list(seen.values())
