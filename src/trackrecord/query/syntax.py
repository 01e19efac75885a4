"""The syntax tree of a run query, and the fields it can name.

Fields: ``params.<key>``, ``metrics.<key>`` (with ``.last`` — the default —
``.min``, ``.max``, ``.count`` or ``.step``), ``tags.<key>``, and the
attributes in :data:`ATTRIBUTES`. A key holding dots or spaces is quoted:
``params."data.path"`` or ``params.`data.path```.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Final, Literal

from trackrecord.query.errors import QueryError
from trackrecord.query.lexer import tokenize

__all__ = [
    "AGGREGATES",
    "ATTRIBUTES",
    "And",
    "Compare",
    "Duration",
    "Field",
    "Glob",
    "In",
    "Instant",
    "IsNull",
    "Node",
    "Not",
    "Or",
    "Order",
    "Value",
    "parse_field",
    "parse_order",
]

ATTRIBUTES: Final = {
    "id": "text", "name": "text", "project": "text", "group": "text", "status": "status",
    "parent": "text", "created": "time", "finished": "time", "duration": "duration",
    "user": "text", "host": "text", "git.commit": "text", "git.branch": "text",
}  # fmt: skip
"""Run attributes and their kinds: text, status, time (a date) or duration."""
AGGREGATES: Final = ("last", "min", "max", "count", "step")
PREFIXES: Final = {"params": "param", "metrics": "metric", "tags": "tag"}
_SEGMENT = re.compile(r"`([^`]*)`|\"((?:[^\"\\]|\\.)*)\"|([^.`\"]+)")


@dataclass(frozen=True)
class Field:
    """A field a query can name: ``kind`` is attr, param, metric or tag."""

    kind: Literal["attr", "param", "metric", "tag"]
    name: str
    aggregate: str = "last"

    def __str__(self) -> str:
        if self.kind == "attr":
            return self.name
        escaped = self.name.replace("\\", "\\\\").replace('"', '\\"')
        key = self.name if re.fullmatch(r"[\w\-/]+", self.name) else f'"{escaped}"'
        prefix = {"param": "params", "metric": "metrics", "tag": "tags"}[self.kind]
        suffix = f".{self.aggregate}" if self.kind == "metric" and self.aggregate != "last" else ""
        return f"{prefix}.{key}{suffix}"


@dataclass(frozen=True)
class Duration:
    """A length of time in milliseconds (``90s``, ``1h``); negative means ago (``-7d``)."""

    ms: int


@dataclass(frozen=True)
class Instant:
    """A point in time, in Unix milliseconds (from ``2026-11-01`` or ``-7d``)."""

    ms: int


Value = str | float | bool | None | Duration | Instant


@dataclass(frozen=True)
class Compare:
    """``field <op> value`` with op one of ``= != < <= > >=``."""

    field: Field
    op: str
    value: Value


@dataclass(frozen=True)
class In:
    """``field in (values)`` or ``field not in (values)``."""

    field: Field
    values: tuple[Value, ...]
    negated: bool = False


@dataclass(frozen=True)
class Glob:
    """``field ~ "pattern"`` (``*`` any text, ``?`` one character; case-insensitive)."""

    field: Field
    pattern: str
    negated: bool = False


@dataclass(frozen=True)
class IsNull:
    """``field is null`` (absent or JSON null) or ``field is not null``."""

    field: Field
    negated: bool = False


@dataclass(frozen=True)
class And:
    """All of the items hold."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """Any of the items holds."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """The item does not hold."""

    item: Node


Node = Compare | In | Glob | IsNull | And | Or | Not


def _segments(text: str) -> list[tuple[str, bool]]:
    """Split a dotted name into (segment, was_quoted) pairs."""
    out = []
    for match in _SEGMENT.finditer(text):
        backtick, quoted, plain = match.groups()
        if plain is not None:
            out.append((plain, False))
        else:
            raw = backtick if backtick is not None else re.sub(r"\\(.)", r"\1", quoted or "")
            out.append((raw, True))
    return out


def _suggest(name: str) -> str:
    head, _, rest = name.partition(".")
    close = difflib.get_close_matches(head, PREFIXES, n=1, cutoff=0.6) if rest else []
    if close:
        guess = f"{close[0]}.{rest}"
    else:
        attributes = difflib.get_close_matches(name, ATTRIBUTES, n=1, cutoff=0.5)
        guess = attributes[0] if attributes else ""
    hint = f" (did you mean {guess!r}?)" if guess else ""
    return (
        f"unknown field {name!r}{hint}. Fields are params.<key>, metrics.<key>[.min|.max|.count|"
        f".step], tags.<key>, or one of: {', '.join(ATTRIBUTES)}"
    )


def parse_field(text: str, query: str = "", position: int = 0) -> Field:
    """Resolve a (possibly quoted) dotted name to a :class:`Field`."""
    tokens = tokenize(text.strip())
    if len(tokens) != 1 or tokens[0].kind != "name" or tokens[0].keyword is not None:
        raise QueryError(
            f"{text.strip()!r} is not one field name; write e.g. params.lr, metrics.acc.max or "
            f'params."key with spaces"',
            query or text,
            position,
        )
    parts = _segments(text.strip())
    head = parts[0][0] if parts else ""
    if head in PREFIXES and not parts[0][1] and len(parts) > 1:
        kind = PREFIXES[head]
        rest = parts[1:]
        aggregate = "last"
        if kind == "metric" and len(rest) > 1 and not rest[-1][1] and rest[-1][0] in AGGREGATES:
            aggregate = rest.pop()[0]
        return Field(kind, ".".join(segment for segment, _ in rest), aggregate)  # type: ignore[arg-type]
    name = ".".join(segment for segment, _ in parts)
    if name in ATTRIBUTES:
        return Field("attr", name)
    raise QueryError(_suggest(name), query or text, position)


@dataclass(frozen=True)
class Order:
    """A sort key: a field and a direction (``-`` prefix: descending). Missing values last."""

    field: Field
    descending: bool = False

    def __str__(self) -> str:
        return f"{'-' if self.descending else ''}{self.field}"


def parse_order(text: str) -> Order:
    """``"-metrics.val_acc.max"`` → descending by the max of val_acc."""
    stripped = text.strip()
    descending = stripped.startswith("-")
    name = stripped.lstrip("+-").strip()
    return Order(parse_field(name, text, len(text) - len(name)), descending)
