"""Writing SGF FF[4] records, shared by the board games: Go (GM[1], games/go/sgf.py) and
Gomoku (GM[4], games/gomoku.py) build their records from these pieces.

Points are written as SGF counts them, column letter then row letter from the top left
(``a`` to ``z``, then ``A`` to ``Z`` for boards up to 52), for actions ``row * width + col``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from varena.engine.play import GameRecord

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def escape(text: str) -> str:
    """``text`` as an SGF property value (backslash and ``]`` escaped)."""
    return text.replace("\\", "\\\\").replace("]", "\\]")


def point(action: int, width: int) -> str:
    """The SGF point of cell ``action`` on a board ``width`` wide."""
    r, c = divmod(int(action), width)
    return LETTERS[c] + LETTERS[r]


def moves_text(moves: list[tuple[int, int | None]], width: int) -> str:
    """One node per move, ten per line; ``(player 0/1, cell or None for a pass)``."""
    nodes = [f";{'BW'[pl]}[{'' if a is None else point(a, width)}]" for pl, a in moves]
    return "\n".join("".join(nodes[i:i + 10]) for i in range(0, len(nodes), 10))


def root(gm: int, width: int, height: int, props: list[tuple[str, str]],
         info: dict[str, str]) -> str:
    """The opening of a record: ``(;GM FF CA AP SZ``, then ``props`` in order, then ``info``
    sorted by key (the caller leaves out keys it writes itself)."""
    size = str(width) if width == height else f"{width}:{height}"
    head = [("GM", str(gm)), ("FF", "4"), ("CA", "UTF-8"), ("AP", "varena"), ("SZ", size)]
    parts = [f"{k}[{escape(v)}]" for k, v in head + props]
    parts += [f"{k}[{escape(v)}]" for k, v in sorted(info.items())]
    return "(;" + "".join(parts)


def result_value(result: str, score: float, reason: str) -> str:
    """SGF's RE value: Go's own 'B+3.5' when ``result`` starts with one, else from the first
    player's ``score`` (1 win, 0.5 draw, 0 loss): B+, W+, 0, B+R/W+R (resignation) or
    B+F/W+F (forfeit)."""
    r = result.strip().split(" ")[0] if result else ""
    if len(r) > 2 and r[0] in "BW" and r[1] == "+":
        return r
    if score == 0.5:
        return "0"
    winner = "B" if score == 1.0 else "W"
    if reason.startswith("forfeit"):
        return f"{winner}+R" if "resigned" in reason else f"{winner}+F"
    return f"{winner}+"


def record_info(record: GameRecord, date: str | None = None) -> dict[str, str]:
    """The game-information properties of a finished two-player game: GN (its spec), PB and
    PW (the first player is Black), DT (``date``, default today), RE, and C for an end
    other than the rules' (a forfeit, the move limit)."""
    score = 0.5 + 0.5 * record.returns[0]
    info = {"GN": record.game, "PB": record.players[0],
            "PW": record.players[1] if len(record.players) > 1 else "",
            "DT": date or dt.date.today().isoformat(),
            "RE": result_value(record.result, score, record.reason)}
    if record.reason and record.reason != "end":
        info["C"] = record.reason
    return info
