"""TSPLIB files: symmetric TSP instances (``.tsp``) and tours (``.tour``, ``.opt.tour``).

Reads and writes NODE_COORD_SECTION instances (EUC_2D, CEIL_2D, ATT, GEO, MAN_2D, MAX_2D)
and EXPLICIT ones (FULL_MATRIX, UPPER_ROW, LOWER_ROW, UPPER_DIAG_ROW, LOWER_DIAG_ROW and the
column-wise forms, which for a symmetric matrix hold the same numbers as a row-wise one).
Lengths use TSPLIB's own integer distance functions (:mod:`varena.games.tsp_distance`), so a
published optimum is reproduced exactly. A malformed file raises
:class:`varena.engine.errors.FormatError` naming the file and line.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from varena.engine.atomic import write_atomic
from varena.engine.bounded import read_text
from varena.engine.errors import FormatError
from varena.games import tsp_distance as D

log = logging.getLogger("varena.tsplib")

#: The TSPLIB instances shipped with varena (package data): ``NAME.tsp``, ``NAME.opt.tour``
#: where an optimum tour is published, and ``bestSolutions.txt`` with every optimum.
DATA = Path(__file__).resolve().with_name("data") / "tsplib"

# Coordinates and weights beyond this are refused: TSPLIB distances are integers summed in
# float64, exact only below 2**53, and Numba's floor() of a larger float overflows int64
# (a 1e300 coordinate gave a negative tour length).
MAX_ABS = 1e9

COORD_TYPES = ("EUC_2D", "CEIL_2D", "ATT", "GEO", "MAN_2D", "MAX_2D")
FORMATS = ("FULL_MATRIX", "UPPER_ROW", "LOWER_ROW", "UPPER_DIAG_ROW", "LOWER_DIAG_ROW",
           "UPPER_COL", "LOWER_COL", "UPPER_DIAG_COL", "LOWER_DIAG_COL")
# A column-wise triangle of a symmetric matrix lists the same numbers as the other row-wise one.
_AS_ROWS = {"UPPER_COL": "LOWER_ROW", "LOWER_COL": "UPPER_ROW",
            "UPPER_DIAG_COL": "LOWER_DIAG_ROW", "LOWER_DIAG_COL": "UPPER_DIAG_ROW"}
_KEYS = ("NAME", "TYPE", "COMMENT", "DIMENSION", "CAPACITY", "EDGE_WEIGHT_TYPE",
         "EDGE_WEIGHT_FORMAT", "EDGE_DATA_FORMAT", "NODE_COORD_TYPE", "DISPLAY_DATA_TYPE")
_SECTIONS = ("NODE_COORD_SECTION", "EDGE_WEIGHT_SECTION", "DISPLAY_DATA_SECTION",
             "TOUR_SECTION", "FIXED_EDGES_SECTION", "EDGE_DATA_SECTION")


@dataclass(frozen=True, slots=True, eq=False)
class TsplibInstance:
    """A symmetric TSP instance; ``coords`` float64 ``[n, 2]`` (as written, GEO in DDD.MM) or
    ``matrix`` float64 ``[n, n]`` for EXPLICIT. ``display`` holds DISPLAY_DATA_SECTION."""

    name: str
    dimension: int
    edge_weight_type: str
    coords: np.ndarray | None = None
    matrix: np.ndarray | None = None
    edge_weight_format: str | None = None
    comments: tuple[str, ...] = ()
    display: np.ndarray | None = None
    extra: dict = field(default_factory=dict)

    def problem(self) -> D.TspProblem:
        """The instance as the solvers see it (0-based cities, TSPLIB distances)."""
        kind = D.KIND_NAMES.index(self.edge_weight_type)
        if kind == D.EXPLICIT:
            return D.TspProblem(kind, np.zeros((0, 2)), np.ascontiguousarray(self.matrix), self.name, self)
        xy = D.geo_radians(self.coords) if kind == D.GEO else self.coords
        return D.TspProblem(kind, np.ascontiguousarray(xy, dtype=np.float64), np.zeros((0, 0)),
                            self.name, self)

    def tour_length(self, tour: np.ndarray) -> float:
        """Length of a 0-based tour by TSPLIB's distance function."""
        return self.problem().length(tour)


class _Lines:
    """Lines of a file with their 1-based numbers, for error messages."""

    def __init__(self, text: str, source: str) -> None:
        self.lines = text.splitlines()
        self.source = source
        self.i = 0
        self.keyline: dict[str, int] = {}  # line of each header keyword, for errors

    def error(self, lineno: int, what: str) -> FormatError:
        return FormatError(f"{self.source}:{lineno}: {what}")

    def next_nonblank(self) -> tuple[int, str] | None:
        while self.i < len(self.lines):
            self.i += 1
            line = self.lines[self.i - 1].strip()
            if line:
                return self.i, line
        return None

    def numbers(self, count: int, what: str, stop_at_minus_one: bool = False) -> list[tuple[int, float]]:
        """The next ``count`` numbers (or up to -1), possibly spread over several lines."""
        out: list[tuple[int, float]] = []
        while len(out) < count:
            got = self.next_nonblank()
            if got is None:
                expected = "before -1" if stop_at_minus_one else f"of {count}"
                raise self.error(len(self.lines), f"{what}: file ends after {len(out)} numbers, {expected}")
            lineno, line = got
            for tok in line.split():
                if stop_at_minus_one and tok == "-1":
                    return out
                if tok.upper() == "EOF" or tok.upper().endswith("_SECTION"):
                    expected = "before -1" if stop_at_minus_one else f"of {count}"
                    raise self.error(lineno, f"{what}: section ends after {len(out)} numbers, {expected}")
                try:
                    out.append((lineno, _finite(float(tok))))
                except ValueError:
                    raise self.error(lineno, f"{what}: {tok!r} is not a number in "
                                     f"-{MAX_ABS:g}..{MAX_ABS:g}") from None
                if len(out) > count:
                    raise self.error(lineno, f"{what}: more than the {count} numbers expected")
        return out


def _finite(x: float) -> float:
    if not abs(x) <= MAX_ABS:  # also catches nan
        raise ValueError(x)
    return x


def _header(key: str, value: str, header: dict, comments: list, lines: _Lines, lineno: int) -> None:
    if key == "COMMENT":
        comments.append(value)
    elif key in header:
        raise lines.error(lineno, f"keyword {key} given twice")
    elif key in _KEYS:
        header[key] = value
        lines.keyline[key] = lineno
    else:
        log.warning("%s:%d: unknown TSPLIB keyword %s ignored", lines.source, lineno, key)


def _split_keyword(line: str) -> tuple[str, str, bool]:
    key, sep, value = line.partition(":")
    return key.strip().upper(), value.strip(), bool(sep)


def _dimension(header: dict, lines: _Lines, lineno: int, section: str) -> int:
    if "DIMENSION" not in header:
        raise lines.error(lineno, f"{section} before DIMENSION")
    try:
        n = int(header["DIMENSION"])
    except ValueError:
        raise lines.error(lineno, f"DIMENSION {header['DIMENSION']!r} is not an integer") from None
    if n < 1:
        raise lines.error(lineno, f"DIMENSION must be positive; got {n}")
    return n


def _node_section(lines: _Lines, n: int, what: str) -> np.ndarray:
    if n > len(lines.lines) - lines.i:  # before allocating: DIMENSION may be absurd
        raise lines.error(len(lines.lines), f"{what}: file ends before all {n} nodes")
    out = np.full((n, 2), np.nan)
    for _ in range(n):
        got = lines.next_nonblank()
        if got is None:
            raise lines.error(len(lines.lines), f"{what}: file ends before all {n} nodes")
        lineno, line = got
        toks = line.split()
        if len(toks) != 3:
            raise lines.error(lineno, f"{what}: expected 'node x y', got {line!r}")
        try:
            node, x, y = int(toks[0]), _finite(float(toks[1])), _finite(float(toks[2]))
        except ValueError:
            raise lines.error(lineno, f"{what}: expected 'node x y' numbers (coordinates in "
                              f"-{MAX_ABS:g}..{MAX_ABS:g}), got {line!r}") from None
        if not 1 <= node <= n:
            raise lines.error(lineno, f"{what}: node {node} out of range 1..{n}")
        if not np.isnan(out[node - 1, 0]):
            raise lines.error(lineno, f"{what}: node {node} given twice")
        out[node - 1] = (x, y)
    return out


def _weights(lines: _Lines, n: int, fmt: str, lineno: int) -> np.ndarray:
    rows = _AS_ROWS.get(fmt, fmt)
    count = n * n if rows == "FULL_MATRIX" else n * (n + 1) // 2 if "DIAG" in rows else n * (n - 1) // 2
    if count > sum(len(line) + 1 for line in lines.lines[lines.i:]):  # fewer characters than numbers
        raise lines.error(lineno, f"EDGE_WEIGHT_SECTION ({fmt}): file too short for the {count} "
                          f"numbers of DIMENSION {n}")
    if rows == "FULL_MATRIX":
        idx = np.unravel_index(np.arange(n * n), (n, n))
    elif rows in ("UPPER_ROW", "UPPER_DIAG_ROW"):
        idx = np.triu_indices(n, 0 if "DIAG" in rows else 1)
    elif rows in ("LOWER_ROW", "LOWER_DIAG_ROW"):
        idx = np.tril_indices(n, 0 if "DIAG" in rows else -1)
    else:
        raise lines.error(lineno, f"EDGE_WEIGHT_FORMAT {fmt} is not supported; accepted: {', '.join(FORMATS)}")
    values = lines.numbers(len(idx[0]), f"EDGE_WEIGHT_SECTION ({fmt})")
    negative = next(((ln, v) for ln, v in values if v < 0), None)
    if negative is not None:  # every solver assumes d >= 0: insertion built no tour from -1s
        raise lines.error(negative[0], f"EDGE_WEIGHT_SECTION ({fmt}): weight {negative[1]:g} is "
                          f"negative; accepted: 0..{MAX_ABS:g}")
    m = np.zeros((n, n))
    m[idx] = [v for _, v in values]
    if rows == "FULL_MATRIX":
        bad = np.argwhere(m != m.T)
        if bad.size:
            i, j = bad[0]
            raise lines.error(lineno, f"FULL_MATRIX is not symmetric: d({i + 1},{j + 1})={m[i, j]:g} "
                              f"but d({j + 1},{i + 1})={m[j, i]:g}; only symmetric TSP is supported")
    else:
        m = np.where(m != 0, m, m.T)  # mirror the triangle given
    return m


def loads(text: str, source: str = "<string>") -> TsplibInstance:
    """Parse the text of a ``.tsp`` file."""
    lines = _Lines(text, source)
    header: dict[str, str] = {}
    comments: list[str] = []
    coords = matrix = display = None
    while (got := lines.next_nonblank()) is not None:
        lineno, line = got
        key, value, has_colon = _split_keyword(line)
        if key == "EOF":
            break
        if key in _SECTIONS:
            n = _dimension(header, lines, lineno, key)
            if key == "NODE_COORD_SECTION":
                coords = _node_section(lines, n, key)
            elif key == "DISPLAY_DATA_SECTION":
                display = _node_section(lines, n, key)
            elif key == "EDGE_WEIGHT_SECTION":
                fmt = header.get("EDGE_WEIGHT_FORMAT", "").upper()
                if not fmt:
                    raise lines.error(lineno, "EDGE_WEIGHT_SECTION without EDGE_WEIGHT_FORMAT")
                matrix = _weights(lines, n, fmt, lineno)
            elif key == "FIXED_EDGES_SECTION":
                lines.numbers(10**9, key, stop_at_minus_one=True)
            else:
                raise lines.error(lineno, f"{key} is not supported in a TSP instance")
            continue
        if not has_colon:
            raise lines.error(lineno, f"expected 'KEYWORD : value' or a section name, got {line!r}")
        _header(key, value, header, comments, lines, lineno)
    return _build(header, comments, coords, matrix, display, lines)


def _build(header, comments, coords, matrix, display, lines: _Lines) -> TsplibInstance:
    where = len(lines.lines)
    kind = header.get("TYPE", "TSP").split()[0].upper() if header.get("TYPE") else "TSP"
    if kind != "TSP":
        raise lines.error(lines.keyline.get("TYPE", where), f"TYPE {kind} is not supported; only symmetric TSP")
    n = _dimension(header, lines, where, "end of file")
    ewt = header.get("EDGE_WEIGHT_TYPE", "").upper()
    if ewt in COORD_TYPES:
        if coords is None:
            raise lines.error(where, f"EDGE_WEIGHT_TYPE {ewt} needs a NODE_COORD_SECTION")
    elif ewt == "EXPLICIT":
        if matrix is None:
            raise lines.error(where, "EDGE_WEIGHT_TYPE EXPLICIT needs an EDGE_WEIGHT_SECTION")
    else:
        raise lines.error(lines.keyline.get("EDGE_WEIGHT_TYPE", where),
                          f"EDGE_WEIGHT_TYPE {ewt or '(missing)'} is not supported; accepted: "
                          f"{', '.join(COORD_TYPES)}, EXPLICIT")
    extra = {k: v for k, v in header.items() if k not in ("NAME", "TYPE", "DIMENSION",
                                                          "EDGE_WEIGHT_TYPE", "EDGE_WEIGHT_FORMAT")}
    fmt = header.get("EDGE_WEIGHT_FORMAT", "").upper() or None
    return TsplibInstance(header.get("NAME", ""), n, ewt, coords, matrix, fmt, tuple(comments),
                          display, extra)


def shipped() -> list[str]:
    """Names of the shipped instances, sorted."""
    return sorted(p.name[:-4] for p in DATA.glob("*.tsp"))


def locate(name_or_path: str | Path) -> Path:
    """A file path as given, else the shipped instance of that name (``eil51`` or
    ``eil51.tsp``); FormatError naming the choices when neither exists."""
    p = Path(name_or_path)
    if p.exists() or os.sep in str(name_or_path):
        return p
    stem = p.name[:-4] if p.name.endswith(".tsp") else p.name
    candidate = DATA / f"{stem}.tsp"
    if stem and candidate.is_file():
        return candidate
    names = shipped()
    raise FormatError(f"{name_or_path}: no such file, and no shipped TSPLIB instance of that "
                      f"name; shipped: {', '.join(names[:12])}, ... ({len(names)} in "
                      f"{DATA})")


def read(path: str | Path) -> TsplibInstance:
    """Read a ``.tsp`` file (a regular file of at most MAX_FILE_BYTES)."""
    p = Path(path)
    return loads(read_text(p, what="TSPLIB file", encoding="latin-1"), str(p))


def loads_tour(text: str, source: str = "<string>", dimension: int | None = None) -> np.ndarray:
    """Parse a tour file; returns the first tour, 0-based int64 ``[n]``."""
    lines = _Lines(text, source)
    header: dict[str, str] = {}
    comments: list[str] = []
    while (got := lines.next_nonblank()) is not None:
        lineno, line = got
        key, value, has_colon = _split_keyword(line)
        if key == "TOUR_SECTION":
            n = dimension or (_dimension(header, lines, lineno, key) if "DIMENSION" in header else None)
            nums = lines.numbers(10**9 if n is None else n, key, stop_at_minus_one=True)
            tour = np.array([int(v) for _, v in nums], dtype=np.int64)
            size = n if n is not None else len(tour)
            if len(tour) != size:
                raise lines.error(lineno, f"TOUR_SECTION has {len(tour)} cities; expected {size}")
            seen = np.zeros(size + 1, dtype=bool)
            for (ln, v), c in zip(nums, tour, strict=True):
                if v != c or not 1 <= c <= size:
                    raise lines.error(ln, f"TOUR_SECTION: city {v:g} out of range 1..{size}")
                if seen[c]:
                    raise lines.error(ln, f"TOUR_SECTION: city {c} visited twice")
                seen[c] = True
            return tour - 1
        if not has_colon:
            raise lines.error(lineno, f"expected 'KEYWORD : value' or TOUR_SECTION, got {line!r}")
        _header(key, value, header, comments, lines, lineno)
    raise lines.error(len(lines.lines), "no TOUR_SECTION")


def read_tour(path: str | Path, dimension: int | None = None) -> np.ndarray:
    p = Path(path)
    return loads_tour(read_text(p, what="TSPLIB tour file", encoding="latin-1"), str(p), dimension)


def _num(x: float, fmt: str | None = None) -> str:
    if fmt is not None:
        return fmt.format(x)
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def dumps(inst: TsplibInstance, coord_format: str | None = None) -> str:
    """The text of a ``.tsp`` file for ``inst`` (the format it was read in)."""
    out = [f"NAME : {inst.name}", "TYPE : TSP"]
    out += [f"COMMENT : {c}" for c in inst.comments]
    out += [f"DIMENSION : {inst.dimension}", f"EDGE_WEIGHT_TYPE : {inst.edge_weight_type}"]
    if inst.edge_weight_type == "EXPLICIT":
        fmt = inst.edge_weight_format or "FULL_MATRIX"
        out += [f"EDGE_WEIGHT_FORMAT : {fmt}", "EDGE_WEIGHT_SECTION"]
        rows, n, m = _AS_ROWS.get(fmt, fmt), inst.dimension, inst.matrix
        for i in range(n):
            lo, hi = {"FULL_MATRIX": (0, n), "UPPER_ROW": (i + 1, n), "UPPER_DIAG_ROW": (i, n),
                      "LOWER_ROW": (0, i), "LOWER_DIAG_ROW": (0, i + 1)}[rows]
            if hi > lo:
                out.append(" ".join(_num(v) for v in m[i, lo:hi]))
    else:
        if inst.edge_weight_format:
            out.append(f"EDGE_WEIGHT_FORMAT : {inst.edge_weight_format}")
        out.append("NODE_COORD_SECTION")
        out += [f"{i + 1} {_num(x, coord_format)} {_num(y, coord_format)}"
                for i, (x, y) in enumerate(inst.coords)]
    if inst.display is not None:
        out.append("DISPLAY_DATA_SECTION")
        out += [f"{i + 1} {_num(x)} {_num(y)}" for i, (x, y) in enumerate(inst.display)]
    out.append("EOF")
    return "\n".join(out) + "\n"


def write(inst: TsplibInstance, path: str | Path) -> None:
    write_atomic(path, dumps(inst))


def dumps_tour(tour: np.ndarray, name: str = "tour", comment: str = "") -> str:
    """The text of a tour file for a 0-based tour."""
    out = [f"NAME : {name}", "TYPE : TOUR"]
    if comment:
        out.append(f"COMMENT : {comment}")
    out += [f"DIMENSION : {len(tour)}", "TOUR_SECTION"]
    out += [str(int(c) + 1) for c in tour]
    out += ["-1", "EOF"]
    return "\n".join(out) + "\n"


def write_tour(path: str | Path, tour: np.ndarray, name: str = "tour", comment: str = "") -> None:
    write_atomic(path, dumps_tour(tour, name, comment))


_COMMENT_LENGTH = (re.compile(r"\((\d+(?:\.\d+)?)\)\s*$"),
                   re.compile(r"(?:optimal|optimum|length|best known)\D{0,20}?(\d+(?:\.\d+)?)", re.I))


def best_known(path: str | Path) -> tuple[float | None, str]:
    """The best known length of the instance at ``path`` and where it comes from.

    Looks, in order, for ``NAME.opt.tour`` beside it (scored here), ``bestSolutions.txt``
    in the same folder (``name : length`` lines) and a number in a COMMENT. (None, '') when
    nothing is known.
    """
    p = Path(path)
    stem = p.name[:-4] if p.name.endswith(".tsp") else p.stem
    inst = read(p)
    opt = p.with_name(stem + ".opt.tour")
    if opt.exists():
        return inst.tour_length(read_tour(opt, inst.dimension)), opt.name
    table = p.with_name("bestSolutions.txt")
    if table.exists():
        for line in table.read_text(encoding="latin-1").splitlines():
            name, sep, value = line.partition(":")
            if sep and name.strip() in (stem, inst.name):
                try:
                    return float(value.strip().split()[0]), table.name
                except (ValueError, IndexError):
                    log.warning("%s: cannot read %r", table, line)
    for comment in inst.comments:
        for pattern in _COMMENT_LENGTH:
            m = pattern.search(comment)
            if m:
                return float(m.group(1)), "COMMENT"
    return None, ""
