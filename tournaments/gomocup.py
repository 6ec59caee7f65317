"""Gomocup (Piskvork) brain protocol: any varena agent plays in Gomocup managers and GUIs.

``varena gomocup --agent SPEC`` reads manager commands on stdin and answers on stdout,
one line per answer, flushed at once. Supported commands:

- ``START n`` / ``RECTSTART w,h``: a new empty board (5..25 per side) -> ``OK``;
- ``RESTART``: empty the board -> ``OK``;
- ``BEGIN``: play the first move -> ``x,y``;
- ``TURN x,y``: the opponent's move, then ours -> ``x,y``;
- ``BOARD`` then ``x,y,field`` lines (1 own stone, 2 opponent's) and ``DONE`` -> ``x,y``;
- ``TAKEBACK x,y``: remove a stone -> ``OK``;
- ``INFO key value``: ``rule`` is the protocol bitmask 1 = exactly five, 2 = continuous
  game (not supported: single games are played), 4 = renju, 8 = caro; the time and memory
  keys (``timeout_turn``, ``timeout_match``, ``time_left``, ``max_memory``, ...) are kept
  in :attr:`Brain.info` but agents play at their own configured strength;
- ``ABOUT`` -> ``name="varena", version=..., author=..., country=...``;
- ``END``: stop.
Coordinates are 0-based, x the column and y the row from the top (varena's cell
``y * width + x``). Bad input is answered ``ERROR reason`` and an unknown command
``UNKNOWN reason``; the brain keeps running either way.
"""

from __future__ import annotations

import logging
import sys
from typing import IO, Any

import click
import numpy as np

from varena.engine.bounded import MAX_LINE_BYTES, LineReader, parse_int
from varena.engine.cli import SEED

log = logging.getLogger("varena.gomocup")

ABOUT = 'name="varena", version="{version}", author="varena developers", country="Unknown"'
MIN_SIDE, MAX_SIDE = 5, 25
MAX_INFO_KEYS = 64  # the protocol defines about ten; a flood of new keys is refused


class ProtocolError(Exception):
    """Bad input from the manager: answered with one ``ERROR`` line."""


def _coords(text: str, n: int = 2) -> list[int]:
    parts = text.split(",", n)
    values = [parse_int(p, -10**9, 10**9) for p in parts]
    if len(values) != n or None in values:
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise ProtocolError(f"expected {n} comma-separated integers, got {shown!r}")
    return values


def rule_name(bits: int) -> str:
    """The varena gomoku rule for a Gomocup ``INFO rule`` bitmask."""
    if bits & 4:
        return "renju"
    if bits & 8:
        return "caro"
    if bits & 1:
        return "standard"
    return "freestyle"


class Brain:
    """The protocol state: board, rule and agent. ``handle(line)`` returns the answer lines."""

    def __init__(self, agent_spec: str, seed: int | None = None) -> None:
        self.agent_spec = agent_spec
        self.seed = seed
        self.info: dict[str, str] = {}
        self.rule_bits = 0
        self.width = self.height = 0
        self.cells: np.ndarray | None = None  # flat int [w*h]: 0 empty, 1 black, 2 white
        self._board_lines: list[tuple[int, int, int]] | None = None
        self._game: Any = None
        self._agent: Any = None
        self._spec = ""
        self.done = False
        self.moves: list[int] = []  # cells in the order played, for the game's record
        self._ours: set[int] = set()  # colours (1, 2) our agent moved

    # -- game and agent -------------------------------------------------------------------------
    def _ensure_game(self) -> Any:
        from varena.engine.host import get_host

        if self.cells is None:
            raise ProtocolError("no board yet; send START or RECTSTART first")
        spec = f"gomoku:width={self.width},height={self.height},k=5,rule={rule_name(self.rule_bits)}"
        if spec != self._spec:
            host = get_host()
            self._game = host.make_game(spec)
            self._agent = host.make_agent(self.agent_spec, self._game, self.seed)
            self._spec = spec
            log.info("playing %s as %s", spec, self.agent_spec)
        return self._game

    def _new_board(self, width: int, height: int) -> None:
        for side in (width, height):
            if not MIN_SIDE <= side <= MAX_SIDE:
                raise ProtocolError(f"unsupported size {width}x{height}; accepted: {MIN_SIDE}..{MAX_SIDE} per side")
        self.width, self.height = width, height
        self.cells = np.zeros(width * height, dtype=np.int64)
        self._ensure_game()
        self.moves, self._ours = [], set()
        self._agent.reset()

    def _cell(self, x: int, y: int) -> int:
        if not (0 <= x < self.width and 0 <= y < self.height):
            raise ProtocolError(f"{x},{y} is off the {self.width}x{self.height} board")
        return y * self.width + x

    def _state(self, to_play: int) -> np.ndarray:
        game = self._ensure_game()
        try:
            return game.position(self.cells, to_play=to_play)
        except Exception as exc:  # an inconsistent board from the manager
            raise ProtocolError(str(exc)) from None

    def _side_to_move(self) -> int:
        nb, nw = int((self.cells == 1).sum()), int((self.cells == 2).sum())
        if nb == nw:
            return 0
        if nb == nw + 1:
            return 1
        raise ProtocolError(f"inconsistent board: {nb} black and {nw} white stones")

    def _place(self, cell: int, color: int, who: str) -> None:
        """Put a stone of ``color`` (1 black, 2 white) after checking the rules allow it."""
        state = self._state(color - 1)
        game = self._game
        if game.outcome(state)[0]:
            raise ProtocolError(f"the game is already over ({game.result_text(state)})")
        if self.cells[cell] != 0:
            raise ProtocolError(f"{who} move {cell % self.width},{cell // self.width} is on an occupied cell")
        if not game.legal_mask(state)[cell]:
            raise ProtocolError(f"{who} move {cell % self.width},{cell // self.width} is forbidden ({game.rule})")
        self.cells[cell] = color
        self._moved(cell, color)

    def _moved(self, cell: int, color: int) -> None:
        """Note a stone just placed; one that ends the game fires varena_game_finished."""
        from varena.engine.host import get_host
        from varena.engine.play import GameRecord

        self.moves.append(int(cell))
        game = self._game
        state = self._state(2 - color)
        if not game.outcome(state)[0]:
            return
        names = tuple(self.agent_spec if c in self._ours else "manager" for c in (1, 2))
        moves = tuple(self.moves)
        record = GameRecord(game.spec, names, moves, tuple(game.action_name(a) for a in moves),
                            tuple(float(r) for r in game.returns(state)), game.result_text(state),
                            "end", self.seed, 0.0)
        get_host().notify("varena_game_finished", record=record)

    def _think(self, color: int) -> str:
        """Choose, play and return our move for ``color``."""
        state = self._state(color - 1)
        game = self._game
        if game.outcome(state)[0]:
            raise ProtocolError(f"the game is over ({game.result_text(state)}); no move to make")
        try:
            action = int(self._agent.select_actions(state[None])[0])
        except Exception as exc:  # an agent failure must not kill the brain
            log.exception("agent %s failed", self.agent_spec)
            raise ProtocolError(f"agent {self.agent_spec} failed: {type(exc).__name__}: {exc}") from None
        if not game.legal_mask(state)[action]:
            raise ProtocolError(f"agent {self.agent_spec} chose the illegal move {game.action_name(action)}")
        self.cells[action] = color
        self._ours.add(color)
        self._moved(action, color)
        return f"{action % self.width},{action // self.width}"

    # -- commands ---------------------------------------------------------------------------------
    def handle(self, line: str) -> list[str]:
        """The answer lines to one input line (possibly none)."""
        line = line.strip()
        if not line:
            return []
        try:
            if self._board_lines is not None:
                return self._board_line(line)
            word, _, rest = line.partition(" ")
            method = getattr(self, f"_cmd_{word.upper()}", None)
            if method is None:
                return [f"UNKNOWN command {word[:40]!r}"]
            return method(rest.strip())
        except ProtocolError as exc:
            return [" ".join(f"ERROR {exc}".split())]  # one line, whatever the message holds
        except Exception as exc:  # e.g. a SpecError while configuring: report, keep running
            log.debug("error on %r", line, exc_info=True)
            return [" ".join(f"ERROR {type(exc).__name__}: {exc}".split())]

    def _cmd_START(self, rest: str) -> list[str]:
        n = parse_int(rest, -10**9, 10**9)
        if n is None:
            raise ProtocolError(f"START needs a board size, got {rest[:40]!r}")
        self._new_board(n, n)
        return ["OK"]

    def _cmd_RECTSTART(self, rest: str) -> list[str]:
        w, h = _coords(rest)
        self._new_board(w, h)
        return ["OK"]

    def _cmd_RESTART(self, rest: str) -> list[str]:
        if self.cells is None:
            raise ProtocolError("RESTART before START")
        self._new_board(self.width, self.height)
        return ["OK"]

    def _cmd_BEGIN(self, rest: str) -> list[str]:
        self._ensure_game()
        return [self._think(self._side_to_move() + 1)]

    def _cmd_TURN(self, rest: str) -> list[str]:
        x, y = _coords(rest)
        self._ensure_game()
        theirs = self._side_to_move() + 1
        self._place(self._cell(x, y), theirs, "opponent's")
        return [self._think(3 - theirs)]

    def _cmd_TAKEBACK(self, rest: str) -> list[str]:
        x, y = _coords(rest)
        self._ensure_game()
        cell = self._cell(x, y)
        if self.cells[cell] == 0:
            raise ProtocolError(f"TAKEBACK {x},{y}: the cell is empty")
        self.cells[cell] = 0
        if cell in self.moves:
            self.moves.remove(cell)
        return ["OK"]

    def _cmd_BOARD(self, rest: str) -> list[str]:
        self._ensure_game()
        self._board_lines = []
        return []

    def _board_line(self, line: str) -> list[str]:
        if line.upper() != "DONE":
            try:
                x, y, field = _coords(line, 3)
            except ProtocolError:
                self._board_lines = None
                raise
            if len(self._board_lines) >= self.width * self.height:
                self._board_lines = None  # more stones than cells: bounded, not accumulated
                raise ProtocolError(f"BOARD lists more than the {self.width * self.height} cells")
            self._board_lines.append((x, y, field))
            return []
        stones, self._board_lines = self._board_lines, None
        own = sum(f == 1 for _, _, f in stones)
        opp = sum(f == 2 for _, _, f in stones)
        if any(f not in (1, 2) for _, _, f in stones):
            raise ProtocolError("BOARD fields other than 1 (own) and 2 (opponent) need a continuous game, which is not supported")
        if own == opp:
            mine = 1
        elif opp == own + 1:
            mine = 2
        else:
            raise ProtocolError(f"BOARD with {own} own and {opp} opponent stones: cannot tell the colours")
        cells = np.zeros_like(self.cells)
        for x, y, field in stones:
            cell = self._cell(x, y)
            if cells[cell]:
                raise ProtocolError(f"BOARD lists {x},{y} twice")
            cells[cell] = mine if field == 1 else 3 - mine
        self.cells = cells
        self.moves = [self._cell(x, y) for x, y, _ in stones]
        return [self._think(mine)]

    def _cmd_INFO(self, rest: str) -> list[str]:
        key, _, value = rest.partition(" ")
        key, value = key.strip().lower(), value.strip()
        if not key:
            raise ProtocolError("INFO needs a key and a value")
        if key not in self.info and len(self.info) >= MAX_INFO_KEYS:
            raise ProtocolError(f"more than {MAX_INFO_KEYS} INFO keys; {key[:40]!r} ignored")
        self.info[key] = value
        if key == "rule":
            bits = parse_int(value, 0, 2**31 - 1)
            if bits is None:
                raise ProtocolError(f"INFO rule needs an integer bitmask 0..2147483647, got "
                                    f"{value[:40]!r}")
            self.rule_bits = bits
            if bits & 2:
                return ["MESSAGE continuous game (rule bit 2) is not supported; playing single games"]
        return []

    def _cmd_ABOUT(self, rest: str) -> list[str]:
        from varena.engine import __version__

        return [ABOUT.format(version=__version__)]

    def _cmd_END(self, rest: str) -> list[str]:
        self.done = True
        return []


def serve(agent_spec: str, inp: IO[str], out: IO[str], seed: int | None = None) -> Brain:
    """Run the protocol loop until ``END`` or end of input; returns the brain (for tests)."""
    brain = Brain(agent_spec, seed=seed)
    reader = LineReader(inp, MAX_LINE_BYTES)  # invalid UTF-8 and endless lines: answered
    while not brain.done:
        line = reader.readline()
        if line == "":
            break
        answers = [f"ERROR line longer than {MAX_LINE_BYTES} bytes"] if line is None \
            else brain.handle(line)
        for answer in answers:
            out.write(answer + "\n")
        out.flush()
    return brain


@click.command("gomocup")
@click.option("--agent", "agent_spec", default="random", show_default=True,
              help="Solver spec that chooses the moves, e.g. 'random' or 'mcts:sims=400'.")
@click.option("--seed", type=SEED, default=None, help="Seed of the agent.")
def gomocup_command(agent_spec: str, seed: int | None) -> None:
    """Play as a Gomocup/Piskvork brain on stdin/stdout (for Gomocup managers and GUIs)."""
    from varena.engine.host import get_host
    from varena.engine.params import bind, parse_spec

    spec = parse_spec(agent_spec)  # a bad agent spec fails now, as one clear line
    cls = get_host().solver_class(spec.name)
    bind(cls.params, dict(spec.args), f"solver {spec.name!r}")
    serve(agent_spec, sys.stdin, sys.stdout, seed=seed)
