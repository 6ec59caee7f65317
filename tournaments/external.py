"""External engines as agents: ``gtp:cmd=...`` (Go) and ``gomocup:cmd=...`` (Gomoku).

The client keeps the engine in sync with the referee's game (it learns every move through
``observe_move``), applies the time limit to every answer, and turns a crash, a hang past
the limit, a resignation or garbage into :class:`AgentError`, which the referee records as
a forfeit of that game.
"""

from __future__ import annotations

import ctypes
import logging
import os
import queue
import select
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from varena.engine.api import Solver
from varena.engine.bounded import MAX_LINE_BYTES, parse_int
from varena.engine.errors import AgentError, SpecError
from varena.engine.params import Param

#: Debian installs some engines (gnugo) in /usr/games, which is not on root's PATH.
EXTRA_BIN_DIRS = ("/usr/games", "/usr/local/games")
#: Lines read ahead of the referee; a chattering engine then waits (bounded memory).
MAX_QUEUED_LINES = 1024
#: Lines one GTP answer may span (list_commands of a big engine has a few hundred).
MAX_ANSWER_LINES = 4096
PIPE_CHUNK = 4096
PR_SET_PDEATHSIG = 1

log = logging.getLogger("varena.external")


def resolve_command(cmd: str | None) -> list[str]:
    """Split ``cmd`` and find its program on PATH or in the games folders; SpecError if absent."""
    if not cmd or not cmd.strip():
        raise SpecError("parameter cmd is required, e.g. cmd=\"gnugo --mode gtp\"")
    if "\x00" in cmd:
        raise SpecError(f"cmd={cmd[:60]!r}: holds a NUL character")
    try:
        argv = shlex.split(cmd)
    except ValueError as exc:
        raise SpecError(f"cmd={cmd!r}: {exc}") from None
    prog = argv[0]
    try:  # a name of 100,000 characters is "not found", not an OSError
        found = shutil.which(prog)
        if found is None and os.sep not in prog:
            for folder in EXTRA_BIN_DIRS:
                candidate = Path(folder) / prog
                if candidate.is_file() and os.access(candidate, os.X_OK):
                    found = str(candidate)
                    break
    except (OSError, ValueError):
        found = None
    if found is None:
        raise SpecError(f"program {prog[:80]!r} not found on PATH or in {', '.join(EXTRA_BIN_DIRS)}")
    return [found, *argv[1:]]


class EngineProcess:
    """A line-oriented child process whose every read and write has a deadline.

    Output is read as bytes in bounded lines (:data:`MAX_LINE_BYTES`) and decoded leniently,
    so an engine that writes invalid UTF-8 or floods its output without a newline costs a
    bounded buffer and a forfeit, never a crash or a hang. The engine runs in its own
    process group, killed whole on close (an engine's own helpers go with it), and on Linux
    it is killed when the thread that started it dies with its process.
    """

    def __init__(self, argv: list[str], label: str, write_timeout: float = 30.0) -> None:
        self.label, self.write_timeout = label, write_timeout
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL, process_group=0,
                                         preexec_fn=_die_with_parent())
        except OSError as exc:
            raise AgentError(f"{label}: cannot start {argv[0]}: {exc.strerror}") from None
        self.lines: queue.Queue[str | None] = queue.Queue(maxsize=MAX_QUEUED_LINES)
        self.overflow = False
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        stream = self.proc.stdout
        try:
            while True:
                raw = stream.readline(MAX_LINE_BYTES + 1)
                if not raw:
                    break
                if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                    self.overflow = True  # a line without end: stop reading, the reader forfeits
                    break
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                while True:  # bounded queue: a chattering engine waits for the referee
                    try:
                        self.lines.put(line, timeout=0.5)
                        break
                    except queue.Full:
                        if self.proc.poll() is not None or self.overflow:
                            return
        except (OSError, ValueError):
            pass
        _put_end(self.lines)

    def send(self, line: str, timeout: float | None = None) -> None:
        timeout = self.write_timeout if timeout is None else timeout
        data = (line + "\n").encode("utf-8", "replace")
        deadline = time.monotonic() + timeout
        try:
            fd = self.proc.stdin.fileno()
            while data:
                # select before each write: an engine that stops reading must not block us
                _, ready, _ = select.select([], [fd], [], max(0.0, deadline - time.monotonic()))
                if not ready:
                    self.close()
                    raise AgentError(f"{self.label}: does not read its input "
                                     f"(blocked for {timeout:g} s)")
                data = data[os.write(fd, data[:PIPE_CHUNK]):]
        except (BrokenPipeError, OSError, ValueError):
            raise AgentError(f"{self.label}: engine exited (code {self.proc.poll()})") from None

    def readline(self, timeout: float, deadline: float | None = None) -> str:
        """The next line, waiting at most ``timeout`` s (or until ``deadline``, a
        ``time.monotonic()`` value, when that comes first)."""
        wait = timeout if deadline is None else min(timeout, deadline - time.monotonic())
        try:
            line = self.lines.get(timeout=max(0.0, wait))
        except queue.Empty:
            self.close()
            what = (f"an output line longer than {MAX_LINE_BYTES} bytes" if self.overflow else
                    f"no answer within {timeout:g} s")
            raise AgentError(f"{self.label}: {what}") from None
        if line is None:
            self.close()
            if self.overflow:
                raise AgentError(f"{self.label}: an output line longer than {MAX_LINE_BYTES} bytes")
            raise AgentError(f"{self.label}: engine exited (code {self.proc.returncode})")
        return line

    def close(self, quit_line: str | None = None) -> None:
        if self.proc.poll() is None and quit_line:
            try:
                self.send(quit_line, timeout=1)
                self.proc.wait(timeout=1)
            except (AgentError, subprocess.TimeoutExpired):
                pass
        try:  # the whole group: helpers the engine started go too
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            log.warning("%s: engine did not exit after SIGKILL", self.label)
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except (OSError, ValueError):
                pass


def _put_end(lines: queue.Queue) -> None:
    """Queue the end-of-output marker, dropping unread lines if the queue is full."""
    while True:
        try:
            lines.put_nowait(None)
            return
        except queue.Full:
            try:
                lines.get_nowait()
            except queue.Empty:
                pass


def _die_with_parent():
    """A preexec function that makes the child die with this process (Linux), or None.

    PR_SET_PDEATHSIG fires when the *thread* that forked exits, so it is used only from the
    main thread, which lives as long as the process.
    """
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


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
            self.engine = EngineProcess(self.argv, self.label, self.config["timeout"])
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
        timeout = self.config["timeout"]
        engine.send(command, timeout)
        # One deadline for the whole answer: an engine that chatters for ever forfeits too.
        deadline = time.monotonic() + timeout
        lines = []
        while True:
            line = engine.readline(timeout, deadline)
            if not lines and not line.strip():
                continue  # blank lines before an answer
            if lines and not line.strip():
                break
            lines.append(line)
            if len(lines) > MAX_ANSWER_LINES:
                engine.close()
                raise AgentError(f"{self.label}: answer to {command!r} longer than "
                                 f"{MAX_ANSWER_LINES} lines")
        head = lines[0]
        if head.startswith("?"):
            raise AgentError(f"{self.label}: {command!r} refused: {head[1:].strip()}")
        if not head.startswith("="):
            raise AgentError(f"{self.label}: answer to {command!r} is not GTP: {head[:80]!r}")
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
            raise AgentError(f"{self.label}: unreadable move {answer[:80]!r} ({exc})") from None


class GomocupAgent(_EngineAgent):
    """A Gomocup (Piskvork protocol) brain playing Gomoku."""

    name = "gomocup"
    description = "an external Gomoku brain over the Gomocup protocol"
    quit_line = "END"

    @classmethod
    def supports(cls, game) -> bool:
        return game.name == "gomoku" and game.k == 5  # supports() sees a configured Gomoku

    def _answer(self) -> str:
        timeout = self.config["timeout"]
        deadline = time.monotonic() + timeout  # MESSAGE lines do not extend the time
        while True:
            line = self.engine.readline(timeout, deadline).strip()
            head = line.split(" ", 1)[0].upper()
            if head in ("MESSAGE", "DEBUG", "SUGGEST") or not line:
                continue
            if head in ("ERROR", "UNKNOWN"):
                raise AgentError(f"{self.label}: {line[:200]}")
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
        x, y = (parse_int(v, -10**9, 10**9) for v in (answer.split(",") + ["", ""])[:2])
        if answer.count(",") != 1 or x is None or y is None:
            raise AgentError(f"{self.label}: unreadable move {answer[:80]!r}")
        if not (0 <= x < self.game.width and 0 <= y < self.game.height):
            raise AgentError(f"{self.label}: move {answer!r} is off the board")
        return np.array([y * self.game.width + x], dtype=np.int64)
