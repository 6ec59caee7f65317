"""External engines as agents: ``gtp:cmd=...`` (Go) and ``gomocup:cmd=...`` (Gomoku).

The client keeps the engine in sync with the referee's game (it learns every move through
``observe_move``), applies the time limit to every answer, and turns a crash, a hang past
the limit, a resignation or garbage into :class:`AgentError`, which the referee records as
a forfeit of that game.
"""

from __future__ import annotations

import os
import queue
import shlex
import shutil
import subprocess
import threading
from pathlib import Path

import numpy as np

from varena.engine.api import Solver
from varena.engine.errors import AgentError, SpecError
from varena.engine.params import Param

#: Debian installs some engines (gnugo) in /usr/games, which is not on root's PATH.
EXTRA_BIN_DIRS = ("/usr/games", "/usr/local/games")


def resolve_command(cmd: str | None) -> list[str]:
    """Split ``cmd`` and find its program on PATH or in the games folders; SpecError if absent."""
    if not cmd or not cmd.strip():
        raise SpecError("parameter cmd is required, e.g. cmd=\"gnugo --mode gtp\"")
    try:
        argv = shlex.split(cmd)
    except ValueError as exc:
        raise SpecError(f"cmd={cmd!r}: {exc}") from None
    prog = argv[0]
    found = shutil.which(prog)
    if found is None and os.sep not in prog:
        for folder in EXTRA_BIN_DIRS:
            candidate = Path(folder) / prog
            if candidate.is_file() and os.access(candidate, os.X_OK):
                found = str(candidate)
                break
    if found is None:
        raise SpecError(f"program {prog!r} not found on PATH or in {', '.join(EXTRA_BIN_DIRS)}")
    return [found, *argv[1:]]


class EngineProcess:
    """A line-oriented child process whose every read has a deadline."""

    def __init__(self, argv: list[str], label: str) -> None:
        self.label = label
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL, text=True, bufsize=1)
        except OSError as exc:
            raise AgentError(f"{label}: cannot start {argv[0]}: {exc.strerror}") from None
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\r\n"))
        self.lines.put(None)

    def send(self, line: str) -> None:
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise AgentError(f"{self.label}: engine exited (code {self.proc.poll()})") from None

    def readline(self, timeout: float) -> str:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            self.close()
            raise AgentError(f"{self.label}: no answer within {timeout:g} s") from None
        if line is None:
            code = self.proc.wait()
            raise AgentError(f"{self.label}: engine exited (code {code})")
        return line

    def close(self, quit_line: str | None = None) -> None:
        if self.proc.poll() is None:
            if quit_line:
                try:
                    self.send(quit_line)
                    self.proc.wait(timeout=2)
                except (AgentError, subprocess.TimeoutExpired):
                    pass
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


class _EngineAgent(Solver):
    """Shared bookkeeping: the referee's move list and a lazily started engine."""

    params = (
        Param("cmd", str, None, "command line of the engine (required)"),
        Param("timeout", float, 30.0, "seconds allowed per answer; past it the game is forfeit", 0.1, 3600),
    )

    def __init__(self, game, seed=None, **config) -> None:
        super().__init__(game, seed, **config)
        self.argv = resolve_command(config["cmd"])
        self.label = f"{self.name} engine {Path(self.argv[0]).name}"
        self.engine: EngineProcess | None = None
        self.history: list[int] = []
        self.sent = 0
        self.move_time: float | None = None

    def set_move_time(self, seconds: float | None) -> None:
        """Tell the engine to think about ``seconds`` per move (from its next game on)."""
        self.move_time = seconds

    def _think_seconds(self) -> float:
        return self.move_time if self.move_time is not None else self.config["timeout"]

    @classmethod
    def available(cls, args: dict) -> str:
        """Empty if the engine's program can be found, else why not (used by tournaments)."""
        try:
            resolve_command(args.get("cmd"))
        except SpecError as exc:
            return str(exc)
        return ""

    def reset(self) -> None:
        self.history, self.sent = [], 0
        if self.engine is not None:
            self._new_game()

    def observe_move(self, action: int) -> None:
        self.history.append(int(action))

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close(self.quit_line)
            self.engine = None

    quit_line = ""

    def _start(self) -> EngineProcess:
        if self.engine is None or self.engine.proc.poll() is not None:
            self.engine = EngineProcess(self.argv, self.label)
            self.sent = 0
            self._new_game()
        return self.engine

    def _new_game(self) -> None:
        raise NotImplementedError

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


class GtpAgent(_EngineAgent):
    """A GTP v2 engine playing Go (e.g. GNU Go)."""

    name = "gtp"
    description = "an external Go engine over GTP (e.g. cmd=\"gnugo --mode gtp --level 1\")"
    quit_line = "quit"

    @classmethod
    def supports(cls, game) -> bool:
        return game.name == "go"

    def _ask(self, command: str) -> str:
        engine = self.engine
        engine.send(command)
        lines = []
        while True:
            line = engine.readline(self.config["timeout"])
            if not lines and not line.strip():
                continue  # blank lines before an answer
            if lines and not line.strip():
                break
            lines.append(line)
        head = lines[0]
        if head.startswith("?"):
            raise AgentError(f"{self.label}: {command!r} refused: {head[1:].strip()}")
        if not head.startswith("="):
            raise AgentError(f"{self.label}: answer to {command!r} is not GTP: {head!r}")
        return "\n".join([head[1:].strip(), *lines[1:]]).strip()

    def _new_game(self) -> None:
        g = self.game
        if g.width != g.height:
            raise AgentError(f"{self.label}: GTP supports only square boards")
        self._ask(f"boardsize {g.width}")
        self._ask("clear_board")
        self._ask(f"komi {g.komi:g}")
        self._ask(f"time_settings 0 {max(1, round(self._think_seconds()))} 1")

    def select_actions(self, states: np.ndarray) -> np.ndarray:
        if len(states) != 1:
            raise ValueError("gtp agents play one game at a time")
        self._start()
        for i in range(self.sent, len(self.history)):
            colour = "B" if i % 2 == 0 else "W"
            self._ask(f"play {colour} {self.game.action_name(self.history[i])}")
        self.sent = len(self.history)
        colour = "B" if len(self.history) % 2 == 0 else "W"
        answer = self._ask(f"genmove {colour}")
        self.sent += 1  # the engine has played it on its own board
        if answer.lower() == "resign":
            raise AgentError(f"{self.label} resigned", resigned=True)
        try:
            return np.array([self.game.parse_action(answer)], dtype=np.int64)
        except Exception as exc:
            raise AgentError(f"{self.label}: unreadable move {answer!r} ({exc})") from None


class GomocupAgent(_EngineAgent):
    """A Gomocup (Piskvork protocol) brain playing Gomoku."""

    name = "gomocup"
    description = "an external Gomoku brain over the Gomocup protocol"
    quit_line = "END"

    @classmethod
    def supports(cls, game) -> bool:
        return game.name == "gomoku" and getattr(game, "k", 5) == 5

    def _answer(self) -> str:
        while True:
            line = self.engine.readline(self.config["timeout"]).strip()
            head = line.split(" ", 1)[0].upper()
            if head in ("MESSAGE", "DEBUG", "SUGGEST") or not line:
                continue
            if head in ("ERROR", "UNKNOWN"):
                raise AgentError(f"{self.label}: {line}")
            return line

    def _new_game(self) -> None:
        g = self.game
        self.engine.send(f"START {g.width}" if g.width == g.height else f"RECTSTART {g.width},{g.height}")
        if self._answer().upper() != "OK":
            raise AgentError(f"{self.label}: START not acknowledged")
        rule = {"freestyle": 0, "standard": 1, "renju": 4, "caro": 8}.get(g.rule, 0)
        self.engine.send(f"INFO timeout_turn {int(self._think_seconds() * 1000)}")
        self.engine.send(f"INFO rule {rule}")
        self.boarded = False

    def _xy(self, action: int) -> str:
        r, c = divmod(int(action), self.game.width)
        return f"{c},{r}"

    def select_actions(self, states: np.ndarray) -> np.ndarray:
        if len(states) != 1:
            raise ValueError("gomocup agents play one game at a time")
        engine = self._start()
        new = self.history[self.sent:]
        if self.boarded and len(new) == 1:
            engine.send(f"TURN {self._xy(new[0])}")
        else:
            if self.boarded:
                engine.send("RESTART")
                if self._answer().upper() != "OK":
                    raise AgentError(f"{self.label}: RESTART not acknowledged")
            engine.send("BOARD")
            me = len(self.history) % 2
            for i, a in enumerate(self.history):
                engine.send(f"{self._xy(a)},{1 if i % 2 == me else 2}")
            engine.send("DONE")
            self.boarded = True
        answer = self._answer()
        self.sent = len(self.history) + 1
        try:
            x, y = (int(v) for v in answer.split(","))
        except ValueError:
            raise AgentError(f"{self.label}: unreadable move {answer!r}") from None
        if not (0 <= x < self.game.width and 0 <= y < self.game.height):
            raise AgentError(f"{self.label}: move {answer!r} is off the board")
        return np.array([y * self.game.width + x], dtype=np.int64)
