"""Spec strings (``name:key=value,...``) and the typed, ranged parameters they bind to.

A game or solver declares its parameters once, as a tuple of :class:`Param`; the same
declarations validate specs, drive ``varena plugins`` and the docs.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from varena.engine.errors import SpecError

# numpy refuses negative seeds and SQLite integers stop at 2**63; seeds + small offsets fit.
SEED_MAX = 2**32 - 1

#: Longest spec accepted (far above any real one; keeps every error and parse cheap).
SPEC_MAX_CHARS = 65536
_SHOWN = 60  # characters of a value or spec an error message shows

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter: its type, default, accepted range and a sentence of meaning.

    ``kind`` is one of int, float, bool, str. ``low``/``high`` bound numbers (inclusive);
    ``choices`` restricts strings. A default of None means "derived from the others"
    (e.g. a board's width defaults to its size) and is said so in ``help``.
    """

    name: str
    kind: type
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None

    def accepted(self) -> str:
        """A short human description of the accepted values, e.g. 'integer 5..25'."""
        if self.choices is not None:
            return "one of " + ", ".join(self.choices)
        if self.kind is bool:
            return "true or false"
        noun = {int: "integer", float: "number", str: "text"}[self.kind]
        if self.low is not None and self.high is not None:
            return f"{noun} {_fmt(self.low)}..{_fmt(self.high)}"
        if self.low is not None:
            return f"{noun} >= {_fmt(self.low)}"
        if self.high is not None:
            return f"{noun} <= {_fmt(self.high)}"
        return noun

    def convert(self, raw: Any, owner: str) -> Any:
        """Turn a raw value (text from a spec, or a Python value) into this parameter's type."""

        def bad(why: str = "") -> SpecError:
            extra = f" ({why})" if why else ""
            return SpecError(
                f"{owner}: parameter {self.name}={_short(raw)} is not accepted{extra}; "
                f"accepted: {self.accepted()}"
            )

        if self.kind is bool:
            if isinstance(raw, bool):
                value: Any = raw
            elif str(raw).strip().lower() in _TRUE:
                value = True
            elif str(raw).strip().lower() in _FALSE:
                value = False
            else:
                raise bad()
        elif self.kind is int:
            if isinstance(raw, bool):
                raise bad()
            try:
                value = int(str(raw).strip(), 10) if not isinstance(raw, int) else raw
            except ValueError:
                raise bad() from None
        elif self.kind is float:
            if isinstance(raw, bool):
                raise bad()
            try:
                value = float(raw)
            except (TypeError, ValueError):
                raise bad() from None
            if value != value or value in (float("inf"), float("-inf")):
                raise bad("not a finite number")
        else:
            value = str(raw)
        if self.choices is not None and value not in self.choices:
            close = difflib.get_close_matches(str(value), self.choices, n=1)
            raise bad(f"did you mean {close[0]!r}?" if close else "")
        if self.low is not None and value < self.low:
            raise bad("too small")
        if self.high is not None and value > self.high:
            raise bad("too large")
        return value


def _short(value: object) -> str:
    """``repr(value)``, cut to a few dozen characters (an error line stays one short line)."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + f"... ({len(text)} characters)"


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@dataclass(frozen=True, slots=True)
class Spec:
    """A parsed spec string: a name and the raw ``key=value`` pairs in the order given."""

    name: str
    args: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        if not self.args:
            return self.name
        return self.name + ":" + ",".join(f"{k}={_quote(v)}" for k, v in self.args)


def _quote(value: str) -> str:
    if any(c in value for c in ',"\' '):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


def parse_spec(text: str) -> Spec:
    """Parse ``name`` or ``name:key=value,key="value, with commas"``.

    Values may be quoted with single or double quotes to hold commas, colons or spaces;
    a backslash escapes the next character inside quotes.
    """
    if not isinstance(text, str) or not text.strip():
        raise SpecError("empty spec; expected NAME or NAME:key=value,...")
    if len(text) > SPEC_MAX_CHARS:
        raise SpecError(f"spec {_short(text)} is too long; accepted: up to {SPEC_MAX_CHARS} characters")
    shown = _short(text.strip())
    text = text.strip()
    name, sep, rest = text.partition(":")
    name = name.strip()
    if not name or not all(c.isalnum() or c in "_-." for c in name):
        raise SpecError(f"spec {shown}: bad name {_short(name)}; expected letters, digits, '_', '-', '.'")
    args: list[tuple[str, str]] = []
    seen: set[str] = set()  # a set: a spec of many keys is checked in linear time
    if sep and not rest.strip():
        raise SpecError(f"spec {shown}: nothing after ':'; expected key=value,...")
    i, n = 0, len(rest)
    while sep and i < n:
        eq = rest.find("=", i)
        comma = rest.find(",", i)
        if eq < 0 or (0 <= comma < eq):
            item = rest[i : comma if comma >= 0 else n].strip()
            raise SpecError(f"spec {shown}: {_short(item)} is not key=value")
        key = rest[i:eq].strip()
        if not key.isidentifier():
            raise SpecError(f"spec {shown}: bad parameter name {_short(key)}")
        i = eq + 1
        while i < n and rest[i] == " ":
            i += 1
        if i < n and rest[i] in "\"'":
            quote, i, buf = rest[i], i + 1, []
            while i < n and rest[i] != quote:
                if rest[i] == "\\" and i + 1 < n:
                    i += 1
                buf.append(rest[i])
                i += 1
            if i >= n:
                raise SpecError(f"spec {shown}: unclosed quote in value of {key!r}")
            value = "".join(buf)
            i += 1
            while i < n and rest[i] == " ":
                i += 1
            if i < n and rest[i] != ",":
                raise SpecError(f"spec {shown}: unexpected text after the quoted value of {key!r}")
        else:
            end = rest.find(",", i)
            end = n if end < 0 else end
            value = rest[i:end].strip()
            i = end
        if key in seen:
            raise SpecError(f"spec {shown}: parameter {key!r} given twice")
        seen.add(key)
        args.append((key, value))
        if i < n and rest[i] == ",":
            i += 1
            if i >= n:
                raise SpecError(f"spec {shown}: trailing ','")
    return Spec(name, tuple(args))


def bind(params: tuple[Param, ...], given: dict[str, Any], owner: str) -> dict[str, Any]:
    """Check ``given`` against ``params`` and return every parameter's value (defaults filled)."""
    known = {p.name: p for p in params}
    for key in given:
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            accepted = ", ".join(known) if known else "none"
            raise SpecError(f"{owner}: unknown parameter {_short(key)}{hint}; accepted: {accepted}")
    return {
        name: (p.convert(given[name], owner) if name in given else p.default)
        for name, p in known.items()
    }


def suggest(name: str, known: list[str], what: str) -> SpecError:
    """The error for an unknown game or solver name, naming the closest known one."""
    close = difflib.get_close_matches(name[:_SHOWN], known, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    listing = ", ".join(sorted(known)) if known else "none installed"
    return SpecError(f"unknown {what} {_short(name)}{hint} (known: {listing})")
