"""SGF FF[4] records of Go games (GM[1]); Gomoku's writer is beside the Gomoku game.

Reading keeps the main line (the first variation at every branch): the root's game
information (SZ, KM, RU, HA, PB, PW, RE, DT, ...) and setup stones (AB/AW, point lists
``aa:cc`` included), then one move per node (``B[dd]``, ``W[]`` or ``W[tt]`` on boards up to
19x19 for pass). Every problem raises :class:`varena.engine.errors.FormatError` naming the place in
the file (``line:col``) and, for moves, the move number. Writing is canonical (so a record
read back and written again gives the same text) and atomic (temp file, fsync, rename).
"""

from __future__ import annotations

import bisect
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from varena.engine.atomic import write_atomic
from varena.engine.bounded import MAX_FILE_BYTES, read_text
from varena.engine.errors import FormatError
from varena.games import sgf as sgf_write

log = logging.getLogger("varena.games.go.sgf")

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: RU[] text for each (superko, suicide); reading also accepts the other common names.
RULES_TEXT = {
    ("positional", False): "Chinese",
    ("positional", True): "Tromp-Taylor",
    ("situational", False): "AGA",
    ("situational", True): "NZ",
    ("simple", False): "Japanese",
    ("simple", True): "simple-ko suicide",
}
_RULES_READ = {text.lower(): key for key, text in RULES_TEXT.items()} | {
    "cn": ("positional", False), "chinese-positional": ("positional", False),
    "tt": ("positional", True), "tromp taylor": ("positional", True),
    "new zealand": ("situational", True), "nz": ("situational", True),
    "aga": ("situational", False), "bga": ("situational", False),
    "jp": ("simple", False), "korean": ("simple", False), "ing": ("situational", True),
}
_STRUCTURAL = {"GM", "FF", "CA", "AP", "SZ", "KM", "RU", "AB", "AW", "PL"}
#: A record may hold at most this many moves per point of the board (plus a few). The
#: default game ends after 3 per point; every position is kept for exact superko, so an
#: absurd record (20,000 passes) would cost gigabytes to replay: it is refused instead.
MAX_MOVES_PER_POINT = 4


@dataclass
class GoRecord:
    """A Go game: configuration, setup stones, moves (player 0/1, action; pass = W*H)."""

    width: int = 19
    height: int = 19
    komi: float = 7.5
    superko: str = "positional"
    suicide: bool = False
    black: list[int] = field(default_factory=list)
    white: list[int] = field(default_factory=list)
    first: int = 0
    moves: list[tuple[int, int]] = field(default_factory=list)
    info: dict[str, str] = field(default_factory=dict)
    #: Where each move stands in the file read (``line:col``); not part of the game.
    where: list[str] = field(default_factory=list, compare=False, repr=False)

    def game_params(self) -> dict:
        size = {"size": self.width} if self.width == self.height else {
            "size": max(self.width, self.height), "width": self.width, "height": self.height}
        return dict(size, komi=self.komi, superko=self.superko, suicide=self.suicide)


# -- parsing -------------------------------------------------------------------------------
class _Reader:
    def __init__(self, text: str, source: str) -> None:
        self.text, self.source, self.i = text, source, 0
        self.lines = [i for i, ch in enumerate(text) if ch == "\n"]

    def where(self, offset: int) -> str:
        line = bisect.bisect_left(self.lines, offset)
        col = offset - (self.lines[line - 1] + 1 if line else 0)
        return f"{line + 1}:{col + 1}"

    def fail(self, offset: int, msg: str) -> FormatError:
        return FormatError(f"{self.source}:{self.where(offset)}: {msg}")

    def skip_ws(self) -> None:
        while self.i < len(self.text) and self.text[self.i].isspace():
            self.i += 1

    def peek(self) -> str:
        self.skip_ws()
        return self.text[self.i] if self.i < len(self.text) else ""

    def value(self) -> str:
        start = self.i
        self.i += 1  # '['
        out = []
        while self.i < len(self.text):
            ch = self.text[self.i]
            if ch == "\\" and self.i + 1 < len(self.text):
                nxt = self.text[self.i + 1]
                if nxt == "\n":  # soft line break
                    self.i += 2
                    continue
                out.append(nxt)
                self.i += 2
                continue
            if ch == "]":
                self.i += 1
                return "".join(out)
            out.append(ch)
            self.i += 1
        raise self.fail(start, "unterminated property value (missing ']')")

    def node(self) -> list[tuple[str, list[str], int]]:
        props: list[tuple[str, list[str], int]] = []
        self.i += 1  # ';'
        while True:
            ch = self.peek()
            if not ch or ch in ";()":
                return props
            start = self.i
            while self.i < len(self.text) and self.text[self.i].isalpha():
                self.i += 1
            ident = self.text[start:self.i]
            if not ident or not ident.isupper():
                bad = ident or ch
                raise self.fail(start, f"expected a property name (capital letters), got {bad!r}")
            if self.peek() != "[":
                raise self.fail(start, f"property {ident} has no value")
            values = []
            while self.peek() == "[":
                values.append(self.value())
            if any(p[0] == ident for p in props):
                raise self.fail(start, f"property {ident} given twice in one node")
            props.append((ident, values, start))

    def main_line(self) -> list[list[tuple[str, list[str], int]]]:
        """The nodes of the first game tree's main line."""
        if self.peek() != "(":
            raise self.fail(self.i, "an SGF file starts with '(;'")
        nodes: list[list[tuple[str, list[str], int]]] = []
        depth, following = 0, True
        while True:
            ch = self.peek()
            if not ch:
                raise self.fail(self.i, "unexpected end of file (missing ')')")
            if ch == "(":
                depth += 1
                self.i += 1
                if self.peek() != ";":
                    raise self.fail(self.i, "a game tree must start with a node ';'")
            elif ch == ")":
                depth -= 1
                self.i += 1
                following = False  # the main line ends at the end of its first variation
                if depth == 0:
                    return nodes
            elif ch == ";":
                props = self.node()
                if following:
                    nodes.append(props)
            else:
                raise self.fail(self.i, f"unexpected {ch!r}; expected ';', '(' or ')'")


def _point(reader: _Reader, value: str, offset: int, W: int, H: int, what: str) -> int | None:
    """Action of an SGF point; None for pass ('' or 'tt' on boards up to 19x19)."""
    if value == "" or (value == "tt" and W <= 19 and H <= 19):
        return None
    if len(value) != 2 or value[0] not in _LETTERS or value[1] not in _LETTERS:
        raise reader.fail(offset, f"{what}: bad point [{value}]")
    c, r = _LETTERS.index(value[0]), _LETTERS.index(value[1])
    if c >= W or r >= H:
        raise reader.fail(offset, f"{what}: point [{value}] is off the {W}x{H} board")
    return r * W + c


def _points(reader: _Reader, values: list[str], offset: int, W: int, H: int, what: str) -> set[int]:
    # A set: however many times a long list names a point, it costs one entry.
    out: set[int] = set()
    for v in dict.fromkeys(values):
        if ":" in v:
            a, b = v.split(":", 1)
            pa, pb = (_point(reader, x, offset, W, H, what) for x in (a, b))
            if pa is None or pb is None:
                raise reader.fail(offset, f"{what}: bad point list [{v}]")
            (r1, c1), (r2, c2) = divmod(pa, W), divmod(pb, W)
            out.update(r * W + c for r in range(min(r1, r2), max(r1, r2) + 1)
                       for c in range(min(c1, c2), max(c1, c2) + 1))
        else:
            p = _point(reader, v, offset, W, H, what)
            if p is None:
                raise reader.fail(offset, f"{what}: a setup stone cannot be a pass")
            out.add(p)
    return out


def parse_go(text: str, source: str = "<sgf>") -> GoRecord:
    """Parse SGF text into a :class:`GoRecord` (no legality check; see :func:`replay`)."""
    reader = _Reader(text, source)
    nodes = reader.main_line()
    if not nodes:
        raise reader.fail(0, "the game tree has no node")
    root = {k: (v, off) for k, v, off in nodes[0]}

    def one(key: str) -> tuple[str, int] | None:
        if key not in root:
            return None
        values, off = root[key]
        return values[0].strip(), off

    rec = GoRecord()
    gm = one("GM")
    if gm and gm[0] != "1":
        raise reader.fail(gm[1], f"GM[{gm[0]}] is not a Go record (GM[1])")
    sz = one("SZ")
    if sz:
        text_sz, off = sz
        try:
            w, _, h = text_sz.partition(":")
            rec.width, rec.height = int(w), int(h or w)
        except ValueError:
            raise reader.fail(off, f"bad board size SZ[{text_sz}]") from None
        if not (2 <= rec.width <= 25 and 2 <= rec.height <= 25):
            raise reader.fail(off, f"board size SZ[{text_sz}] not supported; accepted: 2..25")
    km = one("KM")
    if km:
        try:
            rec.komi = float(km[0]) if km[0] else 0.0
        except ValueError:
            raise reader.fail(km[1], f"bad komi KM[{km[0]}]") from None
    ru = one("RU")
    if ru:
        key = _RULES_READ.get(ru[0].lower())
        if key is None:
            log.warning("%s: unknown rules RU[%s]; using positional superko", source, ru[0])
        else:
            rec.superko, rec.suicide = key
    W, H = rec.width, rec.height
    for key, target in (("AB", rec.black), ("AW", rec.white)):
        if key in root:
            values, off = root[key]
            target += sorted(_points(reader, values, off, W, H, f"setup {key}"))
    if set(rec.black) & set(rec.white):
        raise reader.fail(root["AB"][1], "a point has both a black and a white setup stone")
    pl = one("PL")
    if pl and pl[0].upper() not in ("B", "W"):
        raise reader.fail(pl[1], f"bad player PL[{pl[0]}]; expected B or W")
    rec.info = {k: v[0] for k, (v, _) in root.items() if k not in _STRUCTURAL and v}
    limit = MAX_MOVES_PER_POINT * W * H + 20
    for props in nodes[1:]:
        if len(rec.moves) >= limit:
            raise reader.fail(props[0][2] if props else 0,
                              f"more than {limit} moves on a {W}x{H} board; accepted: up to "
                              f"{MAX_MOVES_PER_POINT} per point plus 20")
        keys = {k for k, _, _ in props}
        for k, _, off in props:
            if k in ("AB", "AW", "AE"):
                raise reader.fail(off, f"setup property {k} after the root is not supported "
                                       f"(after move {len(rec.moves)})")
        if "B" in keys and "W" in keys:
            off = next(o for k, _, o in props if k == "W")
            raise reader.fail(off, f"move {len(rec.moves) + 1}: a node with both B and W")
        for k, values, off in props:
            if k in ("B", "W"):
                what = f"move {len(rec.moves) + 1} ({k}[{values[0]}])"
                p = _point(reader, values[0].strip(), off, W, H, what)
                rec.moves.append((0 if k == "B" else 1, W * H if p is None else p))
                rec.where.append(reader.where(off))
    rec.first = (0 if pl[0].upper() == "B" else 1) if pl else _infer_first(rec)
    return rec


def _infer_first(rec: GoRecord) -> int:
    """The player to move first when the file has no PL[]: the first move's colour, else
    White after handicap (black-only) setup stones, else Black."""
    if rec.moves:
        return rec.moves[0][0]
    return 1 if rec.black and not rec.white else 0


def read_go(path: str | os.PathLike, max_bytes: int = MAX_FILE_BYTES) -> GoRecord:
    """Read a Go SGF file of at most ``max_bytes``; FormatError for a file that cannot be
    read (a device, a FIFO, too large) or parsed."""
    p = Path(path)
    text = read_text(p, limit=max_bytes, what="SGF file", errors="replace")
    return parse_go(text, str(p))


# -- writing (the shared pieces are in varena.games.sgf) -----------------------------------
def komi_text(komi: float) -> str:
    """The shortest text that reads back as exactly ``komi`` (7.5, 6, 448.6518445512829)."""
    short = f"{komi:g}"
    return short if float(short) == komi else repr(float(komi))


def format_go(rec: GoRecord) -> str:
    """Canonical SGF text of a Go record."""
    W = rec.width
    props = [("KM", komi_text(rec.komi)), ("RU", RULES_TEXT[(rec.superko, rec.suicide)])]
    info = {k: v for k, v in rec.info.items() if k not in _STRUCTURAL}
    head = sgf_write.root(1, W, rec.height, props, info)
    if rec.black:
        head += "AB" + "".join(f"[{sgf_write.point(a, W)}]" for a in sorted(rec.black))
    if rec.white:
        head += "AW" + "".join(f"[{sgf_write.point(a, W)}]" for a in sorted(rec.white))
    if rec.first != _infer_first(rec):
        head += f"PL[{'BW'[rec.first]}]"
    area = W * rec.height
    moves = [(pl, None if a == area else a) for pl, a in rec.moves]
    body = sgf_write.moves_text(moves, W)
    return head + ("\n" + body if body else "") + ")\n"


def write_go(path: str | os.PathLike, rec: GoRecord) -> None:
    """Write a Go record as SGF, atomically."""
    write_atomic(path, format_go(rec))
