"""Turning query text into tokens.

Tokens: names (``params.lr``, with segments quoted as ``params."my key"`` when
they hold dots or spaces), strings (single or double quotes, backslash escapes),
numbers, durations (``90s``, ``1h``, ``7d``), dates (``2026-11-01``,
``2026-11-01T12:00``), relative times (``-7d``), operators and parentheses.
Keywords (``and or not in is null true false``) are case-insensitive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from trackrecord.query.errors import QueryError

__all__ = ["KEYWORDS", "MAX_QUERY_LENGTH", "Token", "quote", "tokenize"]

MAX_QUERY_LENGTH: Final = 10_000
KEYWORDS: Final = frozenset({"and", "or", "not", "in", "is", "null", "true", "false"})

_PATTERNS: Final = [
    ("space", r"\s+"),
    ("date", r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:\d{2})?"),
    ("duration", r"[+-]?\d+(?:\.\d+)?(?:ms|s|m|h|d|w)(?![\w.])"),
    ("number", r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|nan)(?![\w.])"),
    ("string", r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'"),
    ("op", r"!=|<=|>=|!~|=|<|>|~"),
    ("punct", r"[(),]"),
    (
        "name",
        r"(?:[A-Za-z_][\w\-/]*|`[^`]*`)"
        r"(?:\.(?:[\w\-/]+|`[^`]*`|\"(?:[^\"\\]|\\.)*\"))*",
    ),
]
_REGEX: Final = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _PATTERNS))


@dataclass(frozen=True)
class Token:
    """A token: its kind, its text as written, and where it starts."""

    kind: str
    text: str
    position: int

    @property
    def keyword(self) -> str | None:
        """The keyword this token is, lower-cased, if it is one."""
        lowered = self.text.lower()
        return lowered if self.kind == "name" and lowered in KEYWORDS else None


def tokenize(text: str) -> list[Token]:
    """Split *text* into tokens; raise :class:`QueryError` at the first bad character."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"the query is {len(text)} characters long; the limit is {MAX_QUERY_LENGTH}",
            text[:60] + "...",
            0,
        )
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _REGEX.match(text, position)
        if match is None or match.end() == position:
            raise QueryError(f"unexpected character {text[position]!r}", text, position)
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(Token(kind, match.group(), position))
        position = match.end()
    return tokens


def quote(value: str) -> str:
    """*value* as a string literal of the language (the inverse of reading one).

    Example:
        >>> print(quote('say "hi"'))
        "say \\"hi\\""
    """
    escaped = "".join(
        "\\" + c if c in '"\\' else c if c.isprintable() else f"\\u{ord(c):04x}" for c in value
    )
    return f'"{escaped}"'
