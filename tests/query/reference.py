"""The query semantics written plainly in Python, evaluated run by run on RunRecords.

This is the oracle the property tests compare ``SqlStore.search_runs`` with:

* a comparison (also ``!=``, ``not in``, ``!~``) holds only when the run has
  the field with a value of the literal's type: params are typed by their
  JSON type (numbers with numbers, strings with strings, booleans with
  true/false); tags are text, and a number literal compares as written;
* a missing field never satisfies a comparison, and ``not`` negates (two
  values only);
* ``is null``: the field is absent, a param is JSON null, or a metric summary
  has no value (NaN last value, min/max of an all-NaN series);
* globs: ``*`` any text, ``?`` one character, case-insensitive;
* sorting: missing values last in both directions, a param sorts numbers and
  booleans before text, ties broken by id in the direction of the first key.
"""

from __future__ import annotations

import functools
import math
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from tests.query.grammar import AllOf, AnyOf, Cmp, F, Lit, Match, Member, Neg, Null
from trackrecord.record.events import canonical_json
from trackrecord.store.base import RunRecord


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}  # fmt: skip


def attribute(run: RunRecord, name: str, now_ms: int) -> Any:
    """A run attribute by its query name; ``duration`` of a running run counts to now."""
    end = run.finished_at if run.finished_at is not None else now_ms
    return {
        "id": run.id, "name": run.name, "project": run.project, "group": run.group,
        "status": run.status, "parent": run.parent, "created": run.created_at,
        "finished": run.finished_at, "duration": end - run.created_at, "user": run.user,
        "host": run.host, "git.commit": run.git_commit, "git.branch": run.git_branch,
    }[name]  # fmt: skip


def stored(run: RunRecord, field: F, now_ms: int) -> Any:
    """The run's value of *field*, or MISSING (absent, JSON null, NaN, no summary value)."""
    if field.kind == "attr":
        value = attribute(run, field.key, now_ms)
    elif field.kind == "param":
        value = run.params.get(field.key)
    elif field.kind == "tag":
        value = run.tags.get(field.key)
    else:
        summary = run.summaries.get(field.key)
        if summary is None:
            return MISSING
        value = {
            "last": summary.last, "min": summary.min, "max": summary.max,
            "count": summary.count, "step": summary.max_step,
        }[field.aggregate]  # fmt: skip
        if value is not None and math.isnan(value):
            value = None
    return MISSING if value is None else value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def operands(field: F, value: Any, literal: Lit, now_ms: int) -> tuple[Any, Any] | None:
    """The two sides of a comparison, or None when *value* is not of the literal's type."""
    if field.kind == "tag":
        return value, literal.value if literal.kind == "text" else literal.text
    if field.kind == "metric":
        return float(value), literal.value
    if field.kind == "attr":
        if literal.kind == "text":
            return (value, literal.value) if isinstance(value, str) else None
        return value, now_ms + literal.value if literal.kind == "ago" else literal.value
    if literal.kind == "bool":
        return (int(value), int(literal.value)) if isinstance(value, bool) else None
    if literal.kind == "number":
        return (float(value), literal.value) if _is_number(value) else None
    return (value, literal.value) if isinstance(value, str) else None


def glob_matches(pattern: str, text: str) -> bool:
    """``*`` any text, ``?`` one character, everything else literally; any case."""
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.fullmatch(regex, text, re.IGNORECASE | re.DOTALL) is not None


def holds(node: Any, run: RunRecord, now_ms: int) -> bool:
    """Whether the query tree *node* holds for *run*."""
    if isinstance(node, AllOf):
        return all(holds(item, run, now_ms) for item in node.items)
    if isinstance(node, AnyOf):
        return any(holds(item, run, now_ms) for item in node.items)
    if isinstance(node, Neg):
        return not holds(node.item, run, now_ms)
    value = stored(run, node.field, now_ms)
    if isinstance(node, Null):
        return (value is MISSING) != node.negated
    if value is MISSING:
        return False
    if isinstance(node, Cmp):
        pair = operands(node.field, value, node.literal, now_ms)
        return pair is not None and _OPS[node.op](*pair)
    if isinstance(node, Member):
        pairs = [operands(node.field, value, lit, now_ms) for lit in node.literals]
        typed = [pair for pair in pairs if pair is not None]
        return bool(typed) and any(a == b for a, b in typed) != node.negated
    assert isinstance(node, Match)
    if not isinstance(value, str):
        return False
    return glob_matches(node.pattern.value, value) != node.negated


def leaves(node: Any) -> Iterator[Any]:
    """The predicates of a query tree."""
    if isinstance(node, (AllOf, AnyOf)):
        for item in node.items:
            yield from leaves(item)
    elif isinstance(node, Neg):
        yield from leaves(node.item)
    else:
        yield node


def known_keys(runs: Iterable[RunRecord]) -> dict[str, set[str]]:
    """Keys of each kind that some run (deleted ones too) has."""
    known: dict[str, set[str]] = {"param": set(), "tag": set(), "metric": set()}
    for run in runs:
        known["param"].update(run.params)
        known["tag"].update(run.tags)
        known["metric"].update(run.summaries)
    return known


def unknown_key(fields: Iterable[F], known: dict[str, set[str]]) -> F | None:
    """The first field naming a key no run has (while some keys of its kind exist)."""
    for field in fields:
        if field.kind != "attr" and known[field.kind] and field.key not in known[field.kind]:
            return field
    return None


def _sort_value(run: RunRecord, field: F, now_ms: int) -> Any:
    value = stored(run, field, now_ms)
    if value is MISSING or field.kind != "param":
        return value
    if isinstance(value, (bool, int, float)):
        return 0, float(value)  # numbers and booleans before text, in both directions
    return 1, value if isinstance(value, str) else canonical_json(value).decode()


def _compare(a: Any, b: Any, descending: bool) -> int:
    if a == b:
        return 0
    sign = -1 if a < b else 1
    return -sign if descending else sign


def sort_runs(
    runs: Sequence[RunRecord], keys: Sequence[tuple[F, bool]], now_ms: int
) -> list[RunRecord]:
    """*runs* in the order of *keys* ((field, descending) pairs): missing last, ties by id."""

    def compare(x: RunRecord, y: RunRecord) -> int:
        for field, descending in keys:
            a, b = _sort_value(x, field, now_ms), _sort_value(y, field, now_ms)
            if a is MISSING or b is MISSING:
                if a is MISSING and b is MISSING:
                    continue
                return 1 if a is MISSING else -1
            if field.kind == "param" and a[0] != b[0]:
                return _compare(a[0], b[0], False)
            if (result := _compare(a, b, descending)) != 0:
                return result
        return _compare(x.id, y.id, keys[0][1])

    return sorted(runs, key=functools.cmp_to_key(compare))
