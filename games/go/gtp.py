"""A GTP version 2 engine serving any varena agent for Go (``varena gtp --agent SPEC``).

Answers the 22 standard commands plus ``is_legal``, ``all_legal``, ``list_stones`` and
``captures`` (GNU Go's forms), with ids and the standard error texts. Bad input never stops
the engine: every problem is answered with ``? message`` on one line.

Time: ``time_settings``/``time_left`` give each move a budget (the time left divided by the
stones left in byo-yomi, else by an estimate of the moves to come); an agent that has
the agent's ``set_move_time(seconds or None)`` receives it before each ``genmove``.
After two passes the game is over for varena's rules: ``varena_game_finished`` fires with its
record (Black and White named by the agent spec for a colour the engine generated moves of,
else "controller"). GTP may still send moves (clean-up phase), so a ``play`` or ``genmove``
then resumes the game.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable
from typing import IO, Any

import numpy as np

from varena.engine.bounded import MAX_LINE_BYTES, LineReader, is_ascii_digits, parse_int
from varena.engine.errors import IllegalMoveError, VarenaError
from varena.games.go import rules
from varena.games.go.game import Go, margin_text

log = logging.getLogger("varena.gtp")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
#: Largest SGF file ``loadsgf`` reads: a long real game is a few tens of kilobytes.
MAX_SGF_BYTES = 4 * 1024 * 1024


class GtpError(Exception):
    """A command failed; the message is the text after '?'."""


def handicap_points(size: int, n: int) -> list[str]:
    """GTP fixed handicap placement (section 4.1.1) of ``n`` stones on a square board."""
    if size < 7 or n < 2 or n > (9 if size % 2 and size > 7 else 4):
        raise GtpError("invalid handicap")
    d = 3 if size < 13 else 4
    lo, hi, mid = d, size - d + 1, (size + 1) // 2
    cols = "ABCDEFGHJKLMNOPQRSTUVWXYZ"

    def v(c: int, r: int) -> str:
        return f"{cols[c - 1]}{r}"

    corners = [v(lo, lo), v(hi, hi), v(lo, hi), v(hi, lo)]
    sides = [v(lo, mid), v(hi, mid), v(mid, lo), v(mid, hi)]
    if n <= 4:
        return corners[:n]
    pts = corners + sides[: (n - 4) // 2 * 2 if n % 2 else n - 4]
    return pts + [v(mid, mid)] if n % 2 else pts


class GtpEngine:
    """The state of one GTP session: the board history (for undo), komi, time, the agent."""

    def __init__(self, agent_spec: str = "random", seed: int | None = None,
                 game_params: dict[str, Any] | None = None, host: Any = None,
                 name: str = "varena") -> None:
        self.agent_spec, self.seed, self.name = agent_spec, seed, name
        self.params = dict(game_params or {})
        self.params.setdefault("size", 19)
        self._host = host
        self.time = {"main": 0.0, "byo": 0.0, "stones": 0, "left": {}}
        self.running = True
        self.commands: dict[str, Callable[[list[str]], str]] = {
            n[4:]: getattr(self, n) for n in dir(self) if n.startswith("cmd_")
        }
        self._new_game()

    # -- plumbing ---------------------------------------------------------------------------
    def _new_game(self) -> None:
        self.game = Go(**self.params)
        self.states = [self.game.initial_state()]
        self.undo_floor = 0
        self._agent = None
        self._generated: set[int] = set()

    @property
    def state(self) -> np.ndarray:
        return self.states[-1]

    @property
    def agent(self) -> Any:
        if self._agent is None:
            if self._host is None:
                from varena.engine.host import get_host

                self._host = get_host()
            self._agent = self._host.make_agent(self.agent_spec, self.game, self.seed)
        return self._agent

    def handle(self, line: str) -> str | None:
        """The full response (ending in a blank line) to one input line; None for no command."""
        text = _CONTROL.sub("", line.replace("\t", " ")).split("#", 1)[0].strip()
        if not text:
            return None
        parts = text.split()
        ident = ""
        if is_ascii_digits(parts[0]):  # GTP ids are ASCII integers; '٣' is not one
            ident = parts.pop(0)
        if not parts:
            return f"?{ident} syntax error\n\n"
        cmd, args = parts[0], parts[1:]
        try:
            func = self.commands.get(cmd)
            if func is None:
                raise GtpError("unknown command")
            result = func(args)
            return f"={ident} {result}\n\n"
        except GtpError as exc:
            return f"?{ident} {exc}\n\n"
        except Exception as exc:  # the engine must survive anything an agent or input does
            log.exception("GTP command %r failed", text)
            msg = " ".join(str(exc).split()) or type(exc).__name__
            return f"?{ident} internal error: {msg}\n\n"

    def serve(self, inp: IO[str] = sys.stdin, out: IO[str] = sys.stdout) -> None:
        """Answer commands from ``inp`` until ``quit`` or end of input.

        Lines are read with a length cap and decoded leniently (invalid UTF-8 becomes
        U+FFFD), so no input stops the engine; an over-long line is answered with an error.
        """
        reader = LineReader(inp, MAX_LINE_BYTES)
        while True:
            line = reader.readline()
            if line == "":
                break
            response = f"? line longer than {MAX_LINE_BYTES} bytes\n\n" if line is None \
                else self.handle(line)
            if response is None:
                continue
            out.write(response)
            out.flush()
            if not self.running:
                break

    # -- argument parsing -------------------------------------------------------------------
    @staticmethod
    def _color(text: str) -> int:
        t = text.lower()
        if t in ("b", "black"):
            return 0
        if t in ("w", "white"):
            return 1
        raise GtpError("invalid color")

    def _vertex(self, text: str) -> int:
        if not text.isascii() or len(text) > 8:  # 'D٤' or 'D0000...04' is no vertex
            raise GtpError("invalid coordinate")
        try:
            return self.game.parse_action(text)
        except (IllegalMoveError, ValueError):
            raise GtpError("invalid coordinate") from None

    def _move(self, args: list[str]) -> tuple[int, int]:
        if len(args) < 2:
            raise GtpError("invalid color or coordinate")
        try:
            return self._color(args[0]), self._vertex(args[1])
        except GtpError:
            raise GtpError("invalid color or coordinate") from None

    def _names(self, actions: Any) -> str:
        return " ".join(self.game.action_name(int(a)) for a in actions)

    def _as_player(self, player: int) -> np.ndarray:
        state = self.state
        if int(state[rules.PASSES]) >= 2 and int(state[rules.NMOV]) < self.game.max_moves:
            state = state.copy()
            state[rules.PASSES] = 0  # GTP goes on after two passes (clean-up phase)
        return self.game.with_to_play(state, player)

    def _legal(self, player: int) -> np.ndarray:
        return self.game.legal_mask(self._as_player(player))

    # -- the standard commands --------------------------------------------------------------
    def cmd_protocol_version(self, args: list[str]) -> str:
        return "2"

    def cmd_name(self, args: list[str]) -> str:
        return self.name

    def cmd_version(self, args: list[str]) -> str:
        try:
            from importlib.metadata import version

            return version("varena")
        except Exception:
            return "0"

    def cmd_known_command(self, args: list[str]) -> str:
        return "true" if args and args[0] in self.commands else "false"

    def cmd_list_commands(self, args: list[str]) -> str:
        return "\n".join(sorted(self.commands))

    def cmd_quit(self, args: list[str]) -> str:
        self.running = False
        return ""

    def cmd_boardsize(self, args: list[str]) -> str:
        n = parse_int(args[0], -10**18, 10**18) if args else None
        if n is None:
            raise GtpError("boardsize not an integer")
        if not 2 <= n <= 25:
            raise GtpError("unacceptable size")
        self.params.update(size=n, width=None, height=None)
        self._new_game()
        return ""

    def cmd_clear_board(self, args: list[str]) -> str:
        self.states = [self.game.initial_state()]  # same game: the agent stays, reset
        self.undo_floor = 0
        self._generated = set()
        if self._agent is not None:
            self._agent.reset()
        return ""

    def cmd_komi(self, args: list[str]) -> str:
        try:
            if not args[0].isascii() or len(args[0]) > 64:
                raise ValueError
            komi = float(args[0])
            if not -1000 <= komi <= 1000:
                raise ValueError
        except (IndexError, ValueError):
            raise GtpError("komi not a float") from None
        self.params["komi"] = komi
        self.game = Go(**self.params)  # the position stays; komi lives in each state
        for s in self.states:
            s[rules.KOMI] = round(komi * rules.KOMI_SCALE)
        self._agent = None
        return ""

    def cmd_play(self, args: list[str]) -> str:
        player, action = self._move(args)
        state = self._as_player(player)
        if not self.game.legal_mask(state)[action]:
            raise GtpError("illegal move")
        self._append(self.game.next_state(state, action))
        return ""

    def _append(self, state: np.ndarray) -> None:
        """Make ``state`` the position; a move that ends the game fires varena_game_finished."""
        ended = self.game.outcome(state)[0] and not self.game.outcome(self.state)[0]
        self.states.append(state)
        if ended:
            from varena.engine.host import get_host
            from varena.engine.play import GameRecord

            moves = tuple(a for _, a in self.game.moves(state))
            names = tuple(self.agent_spec if c in self._generated else "controller" for c in (0, 1))
            record = GameRecord(self.game.spec, names, moves,
                                tuple(self.game.action_name(a) for a in moves),
                                tuple(float(r) for r in self.game.returns(state)),
                                self.game.result_text(state), "end", self.seed, 0.0)
            (self._host or get_host()).notify("varena_game_finished", record=record)

    def _generate(self, args: list[str]) -> tuple[np.ndarray, int]:
        if not args:
            raise GtpError("invalid color")
        player = self._color(args[0])
        state = self._as_player(player)
        mask = self.game.legal_mask(state)
        if not mask.any():
            return state, self.game.pass_action
        agent = self.agent
        agent.set_move_time(self._move_time(player, state))
        self._generated.add(player)
        action = int(agent.select_actions(state[None])[0])
        if not (0 <= action < len(mask) and mask[action]):
            log.warning("agent %s chose an illegal move %s; passing instead",
                        self.agent_spec, action)
            action = self.game.pass_action
        return state, action

    def cmd_genmove(self, args: list[str]) -> str:
        state, action = self._generate(args)
        self._append(self.game.next_state(state, action))
        return self.game.action_name(action)

    def cmd_reg_genmove(self, args: list[str]) -> str:
        return self.game.action_name(self._generate(args)[1])

    def cmd_undo(self, args: list[str]) -> str:
        if len(self.states) - 1 <= self.undo_floor:
            raise GtpError("cannot undo")
        self.states.pop()
        return ""

    def cmd_showboard(self, args: list[str]) -> str:
        return "\n" + self.game.render(self.state)

    def cmd_final_score(self, args: list[str]) -> str:
        return margin_text(self.game.score(self.state))

    def cmd_final_status_list(self, args: list[str]) -> str:
        if not args or args[0] not in ("alive", "dead", "seki"):
            raise GtpError("invalid status")
        if args[0] != "alive":
            return ""  # area scoring as it stands: every stone is alive
        return self._names(np.flatnonzero(self.game.board(self.state).ravel() > 0))

    def _place_handicap(self, names: list[str]) -> None:
        if np.any(self.game.board(self.state)) or len(self.states) > 1:
            raise GtpError("board not empty")
        self.states = [self.game.setup(black=names, to_play=1)]
        self.undo_floor = 0

    def cmd_fixed_handicap(self, args: list[str]) -> str:
        n = parse_int(args[0], 0, 10**18) if args else None
        if n is None or self.game.width != self.game.height:
            raise GtpError("invalid handicap")
        if np.any(self.game.board(self.state)) or len(self.states) > 1:
            raise GtpError("board not empty")
        names = handicap_points(self.game.width, n)
        self._place_handicap(names)
        return " ".join(names)

    def cmd_place_free_handicap(self, args: list[str]) -> str:
        n = parse_int(args[0], 0, 10**18) if args else None
        if n is None or n < 2 or n >= self.game.area:
            raise GtpError("invalid handicap")
        if np.any(self.game.board(self.state)) or len(self.states) > 1:
            raise GtpError("board not empty")
        try:
            names = handicap_points(self.game.width, n) if self.game.width == self.game.height else []
        except GtpError:
            names = []
        if not names:  # beyond the fixed patterns: spread the stones over a grid
            W = self.game.width
            order = sorted(range(self.game.area), key=lambda a: ((a // W * 7 + a % W * 3) % 11, a))
            names = [self.game.action_name(a) for a in order[:n]]
        self._place_handicap(names)
        return " ".join(names)

    def cmd_set_free_handicap(self, args: list[str]) -> str:
        if np.any(self.game.board(self.state)) or len(self.states) > 1:
            raise GtpError("board not empty")
        if len(args) >= self.game.area:  # before parsing: the list may be huge
            raise GtpError("invalid handicap")
        actions = [self._vertex(a) for a in args]
        if len(set(actions)) != len(actions):
            raise GtpError("repeated vertex")
        if len(actions) < 2 or len(actions) >= self.game.area or self.game.pass_action in actions:
            raise GtpError("invalid handicap")
        self._place_handicap([self.game.action_name(a) for a in actions])
        return ""

    def cmd_loadsgf(self, args: list[str]) -> str:
        from varena.games.go import records

        if not args:
            raise GtpError("missing filename")
        upto = None
        if len(args) > 1:
            upto = parse_int(args[1], 0, 10**18)
            if upto is None:
                raise GtpError("invalid move number")
        try:
            game, states, _ = records.load(args[0], max_bytes=MAX_SGF_BYTES)
        except (VarenaError, OSError) as exc:
            log.info("loadsgf %s: %s", args[0], exc)
            raise GtpError(f"cannot open or parse '{args[0]}'") from None
        if upto is not None:
            states = states[: max(1, upto)]
        self.params = dict(self.params, **{k: v for k, v in game.config.items()
                                           if k in ("size", "width", "height", "komi")})
        self.game, self.states, self.undo_floor, self._agent = game, states, 0, None
        return "black" if self.game.to_play(self.state) == 0 else "white"

    def cmd_time_settings(self, args: list[str]) -> str:
        try:
            main, byo, stones = (parse_int(x, 0, 10**9) for x in args[:3])
            if len(args) != 3 or None in (main, byo, stones):
                raise ValueError
        except ValueError:
            raise GtpError("not three integers") from None
        self.time = {"main": float(main), "byo": float(byo), "stones": stones, "left": {}}
        return ""

    def cmd_time_left(self, args: list[str]) -> str:
        try:
            player = self._color(args[0])
            seconds, stones = float(args[1]), parse_int(args[2], 0, 10**9)
            if stones is None or not args[1].isascii() or not -10**9 <= seconds <= 10**9:
                raise ValueError
        except (IndexError, ValueError, GtpError):
            raise GtpError("invalid color, time or stones") from None
        self.time["left"][player] = (seconds, stones)
        return ""

    def _move_time(self, player: int, state: np.ndarray) -> float | None:
        t = self.time
        if t["byo"] > 0 and t["stones"] == 0:
            return None  # GTP: no time limit
        left, stones = t["left"].get(player, (t["main"] or t["byo"], 0 if t["main"] else
                                              t["stones"]))
        if left <= 0 and t["main"] == 0 and t["byo"] == 0:
            return None
        if stones > 0:
            return max(0.05, 0.9 * left / stones)
        empties = int(np.count_nonzero(self.game.board(state) == 0))
        return max(0.05, 0.9 * left / max(10, empties // 3))

    # -- extensions (GNU Go's forms) ----------------------------------------------------------
    def cmd_is_legal(self, args: list[str]) -> str:
        player, action = self._move(args)
        return "1" if self._legal(player)[action] else "0"

    def cmd_all_legal(self, args: list[str]) -> str:
        if not args:
            raise GtpError("invalid color")
        mask = self._legal(self._color(args[0]))[:-1]
        return self._names(np.flatnonzero(mask))

    def cmd_list_stones(self, args: list[str]) -> str:
        if not args:
            raise GtpError("invalid color")
        value = self._color(args[0]) + 1
        return self._names(np.flatnonzero(self.game.board(self.state).ravel() == value))

    def cmd_captures(self, args: list[str]) -> str:
        if not args:
            raise GtpError("invalid color")
        return str(self.game.captures(self.state)[self._color(args[0])])
