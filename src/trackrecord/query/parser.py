"""A recursive-descent parser for run queries.

Grammar (``not`` binds tighter than ``and``, which binds tighter than ``or``)::

    query      := or
    or         := and ("or" and)*
    and        := unary ("and" unary)*
    unary      := "not" unary | "(" or ")" | predicate
    predicate  := field op value | field ["not"] "in" "(" value ("," value)* ")"
                | field ("~" | "!~") string | field "is" ["not"] "null"
    value      := string | number | duration | date | "true" | "false"

Example:
    >>> parse('metrics.acc.max > 0.9 and not tags.stage = "dev"')
    And(items=(Compare(field=Field(kind='metric', name='acc', aggregate='max'), op='>', \
value=0.9), Not(item=Compare(field=Field(kind='tag', name='stage', aggregate='last'), op='=', \
value='dev'))))
"""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Final

from trackrecord.query.errors import QueryError
from trackrecord.query.lexer import Token, tokenize
from trackrecord.query.syntax import (
    ATTRIBUTES,
    And,
    Compare,
    Duration,
    Field,
    Glob,
    In,
    Instant,
    IsNull,
    Node,
    Not,
    Or,
    Value,
    parse_field,
)

__all__ = ["parse"]

_UNITS: Final = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000,
                 "w": 604_800_000}  # fmt: skip
_STATUSES: Final = ("running", "finished", "failed", "killed", "crashed")
_MAX_DEPTH: Final = 100
_HEX_ESCAPES: Final = {"x": 2, "u": 4}
_ESCAPES: Final = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t"}


class _Parser:
    def __init__(self, text: str, now_ms: int) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0
        self.now_ms = now_ms

    # -- token helpers -------------------------------------------------------
    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def error(self, message: str, token: Token | None = None) -> QueryError:
        position = token.position if token is not None else len(self.text)
        return QueryError(message, self.text, position)

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise self.error("the query ends too early: a field, value or ')' is missing")
        self.index += 1
        return token

    def accept(self, keyword: str) -> bool:
        token = self.peek()
        if token is not None and (token.keyword == keyword or token.text == keyword):
            self.index += 1
            return True
        return False

    def expect(self, text: str) -> None:
        token = self.peek()
        if not self.accept(text):
            found = f"found {token.text!r}" if token else "the query ended"
            raise self.error(f"expected {text!r} but {found}", token)

    # -- grammar -------------------------------------------------------------
    def query(self) -> Node:
        if not self.tokens:
            raise self.error("the query is empty; try for example: metrics.loss < 0.1")
        node = self.or_()
        token = self.peek()
        if token is not None:
            raise self.error(
                f"unexpected {token.text!r}; join conditions with 'and' or 'or'", token
            )
        return node

    def or_(self) -> Node:
        items = [self.and_()]
        while self.accept("or"):
            items.append(self.and_())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_(self) -> Node:
        items = [self.unary()]
        while self.accept("and"):
            items.append(self.unary())
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self) -> Node:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self.error(f"the query nests deeper than {_MAX_DEPTH} levels", self.peek())
        try:
            if self.accept("not"):
                return Not(self.unary())
            if self.accept("("):
                node = self.or_()
                self.expect(")")
                return node
            return self.predicate()
        finally:
            self.depth -= 1

    def predicate(self) -> Node:
        token = self.take()
        if token.kind != "name" or token.keyword is not None:
            raise self.error(f"expected a field such as metrics.loss, found {token.text!r}", token)
        field = parse_field(token.text, self.text, token.position)
        operator = self.peek()
        if operator is None:
            raise self.error(f"{token.text} needs a comparison, e.g. {token.text} = 1")
        if self.accept("is"):
            negated = self.accept("not")
            self.expect("null")
            return IsNull(field, negated)
        negated = self.accept("not")
        if self.accept("in"):
            return In(field, self.values(field), negated)
        if negated:
            raise self.error("'not' here must be followed by 'in'", operator)
        self.index += 1
        if operator.kind != "op":
            raise self.error(
                f"expected an operator (= != < <= > >= ~ !~ in is) after "
                f"{token.text}, found {operator.text!r}",
                operator,
            )
        if operator.text in ("~", "!~"):
            pattern = self.value(field, glob=True)
            return Glob(field, str(pattern), operator.text == "!~")
        return Compare(field, operator.text, self.value(field))

    def values(self, field: Field) -> tuple[Value, ...]:
        self.expect("(")
        items = [self.value(field)]
        while self.accept(","):
            items.append(self.value(field))
        self.expect(")")
        return tuple(items)

    # -- values ----------------------------------------------------------------
    def value(self, field: Field, glob: bool = False) -> Value:
        token = self.take()
        value = self.literal(token)
        return self.check(field, value, token, glob)

    def literal(self, token: Token) -> Value:
        if token.kind == "string":
            return self.unescape(token)
        if token.kind == "number":
            if "nan" in token.text.lower():
                raise self.error(
                    "NaN equals nothing, not even NaN; to find runs whose value is "
                    "NaN or missing, write: <field> is null",
                    token,
                )
            return float(token.text)
        if token.kind == "duration":
            unit = token.text.lstrip("+-0123456789.")
            return Duration(round(float(token.text[: -len(unit)]) * _UNITS[unit]))
        if token.kind == "date":
            return Instant(self.date(token))
        if token.keyword in ("true", "false"):
            return token.keyword == "true"
        raise self.error(
            f"expected a value (a quoted string, number, date or duration), found {token.text!r}",
            token,
        )

    def unescape(self, token: Token) -> str:
        """A string literal's text: backslash escapes \\ \" \' \n \t \\xXX \\uXXXX."""
        body, out, index = token.text[1:-1], [], 0
        while index < len(body):
            char = body[index]
            if char != "\\":
                out.append(char)
                index += 1
                continue
            code = body[index + 1 : index + 2]
            if code in _ESCAPES:
                out.append(_ESCAPES[code])
                index += 2
            elif code in _HEX_ESCAPES and re.fullmatch(
                f"[0-9a-fA-F]{{{_HEX_ESCAPES[code]}}}",
                body[index + 2 : index + 2 + _HEX_ESCAPES[code]],
            ):
                width = _HEX_ESCAPES[code]
                out.append(chr(int(body[index + 2 : index + 2 + width], 16)))
                index += 2 + width
            else:
                raise QueryError(
                    "unknown escape in a string; use \\\\ \\\" \\' \\n \\t \\xXX or \\uXXXX",
                    self.text, token.position + 1 + index,
                )  # fmt: skip
        return "".join(out)

    def date(self, token: Token) -> int:
        try:
            moment = dt.datetime.fromisoformat(token.text.replace("Z", "+00:00"))
        except ValueError:
            raise self.error(f"{token.text!r} is not a valid date", token) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
        return int(moment.timestamp() * 1000)

    def check(self, field: Field, value: Value, token: Token, glob: bool) -> Value:
        """Check that *value* can be compared with *field*; normalise times and durations."""
        kind = ATTRIBUTES.get(field.name, "text") if field.kind == "attr" else field.kind
        if glob and (not isinstance(value, str) or kind in ("time", "duration", "metric")):
            raise self.error(
                f'~ matches text against a quoted pattern such as "bert-*"; '
                f"{field} cannot be matched that way",
                token,
            )
        if kind == "time":
            if isinstance(value, Duration) and value.ms <= 0:
                return Instant(self.now_ms + value.ms)
            if not isinstance(value, Instant):
                raise self.error(
                    f"{field} compares with a date like 2026-11-01 or a time ago "
                    f"like -7d, not {token.text}",
                    token,
                )
        elif kind == "duration":
            if isinstance(value, float):
                return Duration(round(value * 1000))  # plain numbers are seconds
            if not isinstance(value, Duration):
                raise self.error(
                    f"duration compares with a length such as 90s, 30m or 1h, not {token.text}",
                    token,
                )
        elif kind == "metric":
            if isinstance(value, bool) or not isinstance(value, float):
                raise self.error(
                    f"{field} is a number; compare it with a number, not {token.text}", token
                )
        elif isinstance(value, (Duration, Instant)):
            raise self.error(f'{field} does not hold times; quote the text: "{token.text}"', token)
        elif kind in ("text", "status", "tag") and not isinstance(value, str):
            if kind == "tag" and isinstance(value, float):
                return token.text  # tags are text: compare with the number as written
            raise self.error(f'{field} is text; quote the value: "{token.text}"', token)
        if kind == "status" and not glob and value not in _STATUSES:
            raise self.error(
                f"unknown status {value!r}; statuses are {', '.join(_STATUSES)}", token
            )
        return value


def parse(text: str, now_ms: int | None = None) -> Node:
    """Parse a query into its syntax tree.

    Args:
        text: the query, e.g. ``'params.lr < 0.01 and status = "finished"'``.
        now_ms: "now" for relative times like ``-7d`` (default: the current time).

    Raises:
        QueryError: with the position of the bad token and a hint.
    """
    if not isinstance(text, str):
        raise QueryError(f"a query is text, not {type(text).__name__}", repr(text), 0)
    return _Parser(text, time.time_ns() // 1_000_000 if now_ms is None else now_ms).query()
