"""Game records as SGF FF[4] for board games (Go GM[1], Gomoku GM[4]).

Works for any game whose actions are cells ``row * width + col`` (row 0 at the top, as SGF
counts) plus an optional pass action at index ``width * height``.
"""

from __future__ import annotations

import datetime as dt

SGF_GAME_IDS = {"go": 1, "gomoku": 4}


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("]", "\\]")


def supports_sgf(game) -> bool:
    return game.name in SGF_GAME_IDS and hasattr(game, "width") and hasattr(game, "height")


def sgf_text(game, moves: list[int], first: str, second: str, result: str, score: float, *,
             reason: str = "", date: str | None = None) -> str:
    """The SGF of one game of ``game``; ``first`` plays Black."""
    w, h = game.width, game.height
    size = f"{w}" if w == h else f"{w}:{h}"
    props = [f"FF[4]GM[{SGF_GAME_IDS[game.name]}]CA[UTF-8]AP[varena]SZ[{size}]"]
    if hasattr(game, "komi"):
        props.append(f"KM[{game.komi:g}]")
    if game.name == "go":
        # Without RU a reader assumes Chinese rules, and a suicide or a simple-ko
        # recapture of the game then reads as an illegal move.
        from varena.games.go.sgf import RULES_TEXT

        props.append(f"RU[{RULES_TEXT[(game.superko, game.suicide)]}]")
    props.append(f"GN[{_escape(game.spec)}]PB[{_escape(first)}]PW[{_escape(second)}]")
    props.append(f"DT[{date or dt.date.today().isoformat()}]RE[{_escape(_sgf_result(result, score, reason))}]")
    if reason and reason != "end":
        props.append(f"C[{_escape(reason)}]")
    nodes = []
    for ply, a in enumerate(moves):
        colour = "B" if ply % 2 == 0 else "W"
        if a >= w * h:
            nodes.append(f";{colour}[]")
        else:
            r, c = divmod(int(a), w)
            nodes.append(f";{colour}[{chr(97 + c)}{chr(97 + r)}]")
    return "(;" + "".join(props) + "\n" + "\n".join(nodes) + ")\n"


def _sgf_result(result: str, score: float, reason: str) -> str:
    """SGF's RE value: Go's own 'B+3.5' when given, else from the first player's score."""
    r = result.strip().split(" ")[0] if result else ""
    if len(r) > 2 and r[0] in "BW" and r[1] == "+":
        return r
    if score == 0.5:
        return "0"
    winner = "B" if score == 1.0 else "W"
    if reason.startswith("forfeit"):
        return f"{winner}+R" if "resigned" in reason else f"{winner}+F"
    return f"{winner}+"
