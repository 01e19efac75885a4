"""Random run queries: a small syntax tree of our own, rendered to query text.

The tree is independent of :mod:`trackrecord.query` so that the reference
evaluator (:mod:`tests.query.reference`) checks the parser and the SQL compiler
together. Rendering varies what the language allows to vary: keyword case,
quoting of keys, quote characters, spacing and redundant parentheses.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from tests.query import population as pop

TEXT_ATTRIBUTES = ("id", "name", "project", "group", "parent", "user", "host")
GIT_ATTRIBUTES = ("git.commit", "git.branch")
STATUSES = ("running", "finished", "failed", "killed", "crashed")
OPS = ("=", "!=", "<", "<=", ">", ">=")
AGGREGATES = ("last", "min", "max", "count", "step")
DAY = 86_400_000
UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": pop.HOUR, "d": DAY, "w": 7 * DAY}
NUMBER_TEXTS = ("0", "1", "2", "3", "10", "-1", "0.5", ".5", "0.9", "1e-05", "0.001", "-2.5",
                "3.0", "100", "+3", "1e1", "1E2", "inf", "-inf")  # fmt: skip
DURATION_TEXTS = ("500ms", "90s", "30m", "1h", "3h", "1.5h", "2d", "1w", "60", "7200", "0.5", "0")
GLOB_PIECES = ("*", "?", "*", "a", "b", "e", "n", "r", "t", "s", "1", "-", "_", "%", "B", "E",
               "R", "T", "A", "d", "v", "/", " ", "日")  # fmt: skip
UNKNOWN_PARAM = "lrr"  # never logged: a query naming it must be refused


@dataclass(frozen=True)
class F:
    """A field: kind is attr, param, metric or tag."""

    kind: str
    key: str
    aggregate: str = "last"


@dataclass(frozen=True)
class Lit:
    """A literal: kind is text, number, bool, instant, ago or duration; ``text`` as written."""

    kind: str
    value: Any
    text: str


@dataclass(frozen=True)
class Cmp:
    field: F
    op: str
    literal: Lit


@dataclass(frozen=True)
class Member:
    field: F
    literals: tuple[Lit, ...]
    negated: bool


@dataclass(frozen=True)
class Match:
    field: F
    pattern: Lit
    negated: bool


@dataclass(frozen=True)
class Null:
    field: F
    negated: bool


@dataclass(frozen=True)
class AllOf:
    items: tuple[Any, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Any, ...]


@dataclass(frozen=True)
class Neg:
    item: Any


# -- rendering ---------------------------------------------------------------


def quote(text: str, mark: str = '"') -> str:
    """A string literal (or quoted key) for *text*, escaping the mark and backslashes."""
    return mark + text.replace("\\", "\\\\").replace(mark, "\\" + mark) + mark


def key_text(key: str, style: random.Random) -> str:
    """A key as a query may write it: plain when it can be, else quoted."""
    plain = re.fullmatch(r"[\w\-/]+(?:\.[\w\-/]+)*", key) is not None
    choices = (["plain"] if plain else []) + ["double"] + (["backtick"] if "`" not in key else [])
    how = style.choice(choices)
    if how == "plain":
        return key
    return f"`{key}`" if how == "backtick" else quote(key)


def field_text(field: F, style: random.Random) -> str:
    """The field as query text, e.g. ``metrics."val/acc".max``."""
    if field.kind == "attr":
        return field.key
    prefix = {"param": "params", "metric": "metrics", "tag": "tags"}[field.kind]
    text = f"{prefix}.{key_text(field.key, style)}"
    if field.kind == "metric" and (field.aggregate != "last" or style.random() < 0.2):
        text += f".{field.aggregate}"
    return text


def _keyword(word: str, style: random.Random) -> str:
    return style.choice((word, word.upper(), word.title()))


def _space(style: random.Random) -> str:
    return style.choice((" ", " ", "  ", "\t", "\n "))


def _op_space(style: random.Random) -> str:
    return style.choice(("", " ", " ", "  "))


def _predicate(node: Any, style: random.Random) -> str:
    field = field_text(node.field, style)
    sp, kw = (lambda: _space(style)), (lambda word: _keyword(word, style))
    if isinstance(node, Cmp):
        return f"{field}{_op_space(style)}{node.op}{_op_space(style)}{node.literal.text}"
    if isinstance(node, Member):
        values = ("," + _op_space(style)).join(lit.text for lit in node.literals)
        negation = f"{kw('not')}{sp()}" if node.negated else ""
        return f"{field}{sp()}{negation}{kw('in')}{_op_space(style)}({values})"
    if isinstance(node, Match):
        op = "!~" if node.negated else "~"
        return f"{field}{_op_space(style)}{op}{_op_space(style)}{node.pattern.text}"
    negation = f"{kw('not')}{sp()}" if node.negated else ""
    return f"{field}{sp()}{kw('is')}{sp()}{negation}{kw('null')}"


def render(node: Any, style: random.Random, level: str = "or") -> str:
    """Query text for *node*; *level* is the grammar rule it must parse as."""
    if isinstance(node, AnyOf):
        text = f"{_space(style)}{_keyword('or', style)}{_space(style)}".join(
            render(item, style, "and") for item in node.items
        )
        return text if level == "or" else f"({text})"
    if isinstance(node, AllOf):
        text = f"{_space(style)}{_keyword('and', style)}{_space(style)}".join(
            render(item, style, "unary") for item in node.items
        )
        return text if level in ("or", "and") else f"({text})"
    if isinstance(node, Neg):
        text = f"{_keyword('not', style)}{_space(style)}{render(node.item, style, 'unary')}"
    else:
        text = _predicate(node, style)
    return f"({text})" if style.random() < 0.1 else text


# -- strategies --------------------------------------------------------------


def _strings(extra: tuple[str, ...]) -> tuple[str, ...]:
    texts = [v for v in pop.PARAM_VALUES if isinstance(v, str)]
    texts += [*pop.TAG_VALUES, *pop.NAMES, *pop.BRANCHES, *pop.PROJECTS, *STATUSES]
    texts += [v for v in (*pop.GROUPS, *pop.USERS, *pop.HOSTS) if v is not None]
    return tuple(dict.fromkeys([*texts, *extra]))


def text_literals(extra: tuple[str, ...] = ()) -> st.SearchStrategy[Lit]:
    """Quoted strings, with either quote mark."""
    return st.builds(
        lambda text, mark: Lit("text", text, quote(text, mark)),
        st.sampled_from(_strings(extra)),
        st.sampled_from(('"', "'")),
    )


def number_literals() -> st.SearchStrategy[Lit]:
    return st.sampled_from(NUMBER_TEXTS).map(lambda text: Lit("number", float(text), text))


def bool_literals() -> st.SearchStrategy[Lit]:
    return st.sampled_from(("true", "false", "TRUE", "False")).map(
        lambda text: Lit("bool", text.lower() == "true", text)
    )


def status_literals() -> st.SearchStrategy[Lit]:
    return st.sampled_from(STATUSES).map(lambda s: Lit("text", s, quote(s)))


def _date_text(moment: dt.datetime, form: int) -> tuple[str, int]:
    """A date literal and its Unix milliseconds."""
    if form == 0:
        day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        return day.strftime("%Y-%m-%d"), int(day.timestamp() * 1000)
    minute = moment.replace(second=0, microsecond=0)
    if form == 1:
        return minute.strftime("%Y-%m-%dT%H:%M"), int(minute.timestamp() * 1000)
    if form == 2:
        return minute.strftime("%Y-%m-%dT%H:%M:00Z"), int(minute.timestamp() * 1000)
    shifted = minute.astimezone(dt.timezone(dt.timedelta(hours=2)))
    return shifted.strftime("%Y-%m-%d %H:%M+02:00"), int(minute.timestamp() * 1000)


def time_literals(now_ms: int) -> st.SearchStrategy[Lit]:
    """Absolute dates around the population, and times ago such as ``-7d``."""
    now = dt.datetime.fromtimestamp(now_ms / 1000, dt.timezone.utc)

    def absolute(hours_ago: int, form: int) -> Lit:
        text, ms = _date_text(now - dt.timedelta(hours=hours_ago), form)
        return Lit("instant", ms, text)

    ago = st.one_of(
        st.tuples(st.integers(0, 45), st.just("d")),
        st.tuples(st.integers(1, 1000), st.just("h")),
        st.tuples(st.integers(0, 6), st.just("w")),
        st.tuples(st.sampled_from((90, 150, 600)), st.just("m")),
    ).map(lambda nu: Lit("ago", -nu[0] * UNIT_MS[nu[1]], f"-{nu[0]}{nu[1]}"))
    return st.one_of(st.builds(absolute, st.integers(0, 45 * 24), st.integers(0, 3)), ago)


def duration_ms(text: str) -> int:
    """What a duration literal means, in milliseconds (plain numbers are seconds)."""
    match = re.fullmatch(r"([\d.]+)(ms|s|m|h|d|w)?", text)
    assert match is not None
    return round(float(match[1]) * UNIT_MS[match[2] or "s"])


def duration_literals() -> st.SearchStrategy[Lit]:
    return st.sampled_from(DURATION_TEXTS).map(lambda t: Lit("duration", duration_ms(t), t))


def glob_literals(extra: tuple[str, ...] = ()) -> st.SearchStrategy[Lit]:
    """Glob patterns: random pieces, and prefixes or suffixes of known values."""
    texts = _strings(extra)
    pattern = st.one_of(
        st.lists(st.sampled_from(GLOB_PIECES), max_size=6).map("".join),
        st.builds(
            lambda text, n, tail: text[:n] + tail,
            st.sampled_from(texts),
            st.integers(0, 4),
            st.sampled_from(("*", "?", "", "*?", "?*")),
        ),
        st.builds(
            lambda head, text: head + text[-3:],
            st.sampled_from(("*", "?", "")),
            st.sampled_from(texts),
        ),
        st.sampled_from(texts),
    )
    return st.builds(
        lambda p, mark: Lit("text", p, quote(p, mark)), pattern, st.sampled_from(('"', "'"))
    )


def fields(unknown: bool = True) -> st.SearchStrategy[F]:
    """Every kind of field; *unknown* adds a param key no run has, now and then."""
    attributes = [*TEXT_ATTRIBUTES, *GIT_ATTRIBUTES, "status", "created", "finished", "duration"]
    params = [*pop.PARAM_KEYS * 3, *([UNKNOWN_PARAM] if unknown else [])]  # unknown: rarely
    return st.one_of(
        st.sampled_from([F("attr", a) for a in attributes]),
        st.sampled_from([F("param", k) for k in params]),
        st.builds(
            F, st.just("metric"), st.sampled_from(pop.METRIC_KEYS), st.sampled_from(AGGREGATES)
        ),
        st.sampled_from([F("tag", k) for k in pop.TAG_KEYS]),
    )


def _literals_for(field: F, ids: tuple[str, ...], now_ms: int) -> st.SearchStrategy[Lit]:
    if field.kind == "attr" and field.key == "status":
        return status_literals()
    if field.kind == "attr" and field.key in ("created", "finished"):
        return time_literals(now_ms)
    if field.kind == "attr" and field.key == "duration":
        return duration_literals()
    if field.kind == "attr":
        return text_literals(ids)
    if field.kind == "metric":
        return number_literals()
    if field.kind == "tag":
        return st.one_of(text_literals(), number_literals())
    return st.one_of(text_literals(), number_literals(), bool_literals())


def predicates(field: F, ids: tuple[str, ...], now_ms: int) -> st.SearchStrategy[Any]:
    """Every predicate the field allows: comparisons, in, globs, is null."""
    literals = _literals_for(field, ids, now_ms)
    options = [
        st.builds(Cmp, st.just(field), st.sampled_from(OPS), literals),
        st.builds(
            Member,
            st.just(field),
            st.lists(literals, min_size=1, max_size=4).map(tuple),
            st.booleans(),
        ),
        st.builds(Null, st.just(field), st.booleans()),
    ]
    textual = field.kind in ("param", "tag") or (
        field.kind == "attr" and field.key not in ("created", "finished", "duration")
    )
    if textual:
        options.append(st.builds(Match, st.just(field), glob_literals(ids), st.booleans()))
    return st.one_of(options)


def queries(
    ids: tuple[str, ...], now_ms: int, unknown: bool = True, max_leaves: int = 6
) -> st.SearchStrategy[Any]:
    """Random query trees over the population's fields."""
    leaf = fields(unknown).flatmap(lambda f: predicates(f, ids, now_ms))
    return st.recursive(
        leaf,
        lambda children: st.one_of(
            st.lists(children, min_size=2, max_size=3).map(lambda x: AllOf(tuple(x))),
            st.lists(children, min_size=2, max_size=3).map(lambda x: AnyOf(tuple(x))),
            children.map(Neg),
        ),
        max_leaves=max_leaves,
    )


def sort_fields() -> st.SearchStrategy[F]:
    """Fields to sort by: every kind but ``duration``, which moves while runs are running."""
    attributes = [*TEXT_ATTRIBUTES, *GIT_ATTRIBUTES, "status", "created", "finished"]
    return st.one_of(
        st.sampled_from([F("attr", a) for a in attributes]),
        st.sampled_from([F("param", k) for k in pop.PARAM_KEYS]),
        st.builds(
            F, st.just("metric"), st.sampled_from(pop.METRIC_KEYS), st.sampled_from(AGGREGATES)
        ),
        st.sampled_from([F("tag", k) for k in pop.TAG_KEYS]),
    )


def order_text(field: F, descending: bool, style: random.Random) -> str:
    """A sort key as ``order_by`` takes it: ``-metrics.acc.max``."""
    return ("-" if descending else "") + field_text(field, style)
