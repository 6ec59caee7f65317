"""Bounded input: files read with a size cap, protocol lines with a length cap, integers
with a range. Every reader of outside input (SGF, TSPLIB, TOML configs, opening files,
GTP and Gomocup streams, external engines' output) goes through these, so a hostile or
careless input (``/dev/zero``, a FIFO, a 5,000-digit number, invalid UTF-8, a line that
never ends) is refused in one line instead of eating memory, hanging or crashing.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import IO, Any

from varena.engine.errors import FormatError

#: Default cap of a text file read whole (SGF, TSPLIB, TOML): far above any real one.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Longest protocol line accepted (GTP, Gomocup, an engine's answer).
MAX_LINE_BYTES = 64 * 1024

_ASCII_INT = re.compile(r"[+-]?[0-9]{1,18}")


def read_bytes(path: str | os.PathLike, *, limit: int = MAX_FILE_BYTES, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; FormatError otherwise.

    Devices (``/dev/zero``), FIFOs (``/dev/stdin``), sockets and folders are refused before
    anything is read; the size is checked before reading and again while reading (a file
    that grows past the cap is refused too).
    """
    name = os.fspath(path)
    if isinstance(name, str) and "\x00" in name:
        raise FormatError(f"{what} path {name!r} contains a NUL character")
    try:
        # O_NONBLOCK: opening a FIFO without a writer must not block before fstat refuses it.
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise FormatError(f"{name}: cannot read {what} ({exc.strerror or exc})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FormatError(f"{name}: not a regular file; a {what} must be a plain file")
        if st.st_size > limit:
            raise FormatError(f"{name}: {what} of {st.st_size} bytes is too large; "
                              f"accepted: up to {limit} bytes")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise FormatError(f"{name}: {what} is larger than {limit} bytes (accepted: up to "
                                  f"{limit} bytes)")
        return b"".join(chunks)
    except OSError as exc:
        raise FormatError(f"{name}: cannot read {what} ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def read_text(path: str | os.PathLike, *, limit: int = MAX_FILE_BYTES, what: str = "file",
              encoding: str = "utf-8", errors: str = "strict") -> str:
    """The text of a regular file of at most ``limit`` bytes (see :func:`read_bytes`).

    With ``errors="strict"`` undecodable bytes are a FormatError naming the byte offset.
    """
    data = read_bytes(path, limit=limit, what=what)
    try:
        return data.decode(encoding, errors)
    except UnicodeDecodeError as exc:
        raise FormatError(f"{os.fspath(path)}: {what} is not {encoding.upper()} text "
                          f"({exc.reason} at byte {exc.start})") from None


def parse_int(text: str, lo: int, hi: int) -> int | None:
    """``text`` as an integer in ``lo..hi`` (ASCII digits, optional sign), else None.

    Never raises: Python's ``int`` accepts other scripts' digits and refuses more than
    4,300 digits with a ValueError; here both are simply not an integer.
    """
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not _ASCII_INT.fullmatch(text):
        return None
    value = int(text)
    return value if lo <= value <= hi else None


def is_ascii_digits(text: str) -> bool:
    """True for a non-empty run of ASCII digits (``str.isdigit`` also takes '²' and '٣')."""
    return bool(text) and text.isascii() and text.isdigit()


class LineReader:
    """Lines of a text or binary stream, each at most ``limit`` bytes, decoded leniently.

    A binary stream's bytes are decoded as UTF-8 with undecodable bytes replaced (U+FFFD),
    so invalid input is answered as a bad command, never a crash. A line longer than the
    limit is read to its end in bounded chunks, discarded and returned as ``None`` (the
    caller answers it with an error). :meth:`readline` returns ``""`` at end of input.
    """

    def __init__(self, stream: IO[Any], limit: int = MAX_LINE_BYTES) -> None:
        # A text wrapper (sys.stdin) decodes strictly and would raise: read its bytes.
        self.stream = getattr(stream, "buffer", stream)
        self.limit = limit

    def _decode(self, chunk: bytes | str) -> str:
        return chunk.decode("utf-8", "replace") if isinstance(chunk, bytes) else chunk

    def readline(self) -> str | None:
        chunk = self._decode(self.stream.readline(self.limit + 1))
        if len(chunk) <= self.limit or chunk.endswith("\n"):
            return chunk
        while chunk and not chunk.endswith("\n"):  # skip the rest of the over-long line
            chunk = self._decode(self.stream.readline(self.limit))
        return None


def is_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` names a regular file; a name the system refuses (over 255 bytes, a NUL)
    is simply not one (``Path.is_file`` raises OSError/ValueError for those)."""
    try:
        return Path(path).is_file()
    except (OSError, ValueError):
        return False
