"""Sorting and keyset pagination of run searches.

A sort key is a field and a direction; missing values sort last in either
direction, and ties are broken by run id. A key on a param, tag or metric is
answered in two phases, so that SQLite can walk the ``(key, value)`` index in
order and stop after one page (a top-N plan) instead of sorting every match:
first the runs that have a value for the key, in index order, then the runs
that lack one. A param key sorts numbers (and booleans) before text.

The cursor holds the sort values and id of the last row served; the next page
starts strictly after them, so concurrent inserts never shift a page.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from trackrecord.errors import InvalidValueError
from trackrecord.query import Order

__all__ = ["OrderKey", "decode_cursor", "encode_cursor", "order_key"]

ATTRIBUTE_SQL: Final = {
    "id": "r.id", "name": "r.name",
    "project": "(SELECT name FROM projects WHERE id = r.project_id)",
    "group": "r.run_group", "status": "r.status", "parent": "r.parent_id",
    "created": "r.created_at", "finished": "r.finished_at",
    "duration": "(coalesce(r.finished_at, ?) - r.created_at)", "user": "r.user_name",
    "host": "r.host", "git.commit": "r.git_commit", "git.branch": "r.git_branch",
}  # fmt: skip
SUMMARY_COLUMN: Final = {"last": "last", "min": "min", "max": "max", "count": "count",
                         "step": "max_step"}  # fmt: skip
KEY_TABLE: Final = {"param": "params", "metric": "metric_summaries", "tag": "tags"}


@dataclass
class OrderKey:
    """One sort key as SQL: its expressions (two for a param: number, then text)."""

    descending: bool
    expressions: list[str]
    args: list[Any] = field(default_factory=list)  # bound once per use of each expression
    table: str | None = None  # for param/tag/metric keys: the table joined as ``alias``
    alias: str = ""
    key: str = ""

    def join(self, inner: bool) -> tuple[str, list[Any]]:
        """The JOIN bringing this key's row in (inner: only runs that have it)."""
        if self.table is None:
            return "", []
        kind = "JOIN" if inner else "LEFT JOIN"
        return f"{kind} {self.table} {self.alias} ON {self.alias}.run_id = r.id AND " \
               f"{self.alias}.key = ?", [self.key]  # fmt: skip

    def present(self) -> str:
        """SQL true when the run has a value for this key."""
        return "(" + " OR ".join(f"{e} IS NOT NULL" for e in self.expressions) + ")"

    def absent(self) -> tuple[str, list[Any]]:
        """SQL true when the run lacks a value for this key (its table row, or its value)."""
        columns = " OR ".join(f"{e.split('.', 1)[1]} IS NOT NULL" for e in self.expressions)
        sql = f"NOT EXISTS (SELECT 1 FROM {self.table} WHERE run_id = r.id AND key = ? " \
              f"AND ({columns}))"  # fmt: skip
        return sql, [self.key]


def order_key(order: Order, index: int, now_ms: int) -> OrderKey:
    """Compile one sort key."""
    f = order.field
    if f.kind == "attr":
        args = [now_ms] if f.name == "duration" else []
        return OrderKey(order.descending, [ATTRIBUTE_SQL[f.name]], args)
    alias = f"o{index}"
    if f.kind == "metric":
        expressions = [f"{alias}.{SUMMARY_COLUMN[f.aggregate]}"]
    elif f.kind == "tag":
        expressions = [f"{alias}.value"]
    else:
        expressions = [f"{alias}.num", f"{alias}.text"]
    return OrderKey(order.descending, expressions, [], KEY_TABLE[f.kind], alias, f.name)


def order_sql(
    keys: Sequence[OrderKey], id_descending: bool, first_present: bool = False
) -> tuple[str, list[Any]]:
    """The ORDER BY list of *keys*, ties broken by id.

    With *first_present* (the rows all have a value for the first key), a
    one-column first key is ordered without ``NULLS LAST``, so that PostgreSQL
    can read it in order from its index (backwards, for a descending key) and
    stop after a page instead of sorting every match.
    """
    parts, args = [], []
    for index, key in enumerate(keys):
        plain = first_present and index == 0 and len(key.expressions) == 1
        for expression in key.expressions:
            nulls = "" if plain else " NULLS LAST"
            parts.append(f"{expression} {'DESC' if key.descending else 'ASC'}{nulls}")
            args += key.args
    parts.append(f"r.id {'DESC' if id_descending else 'ASC'}")
    return ", ".join(parts), args


def after_sql(
    keys: Sequence[OrderKey], values: Sequence[Any], run_id: str, id_descending: bool
) -> tuple[str, list[Any]]:
    """SQL true for rows strictly after (values, run_id), missing values last."""
    flat = [(e, key.args, key.descending) for key in keys for e in key.expressions]
    if len(values) != len(flat):
        raise InvalidValueError("the cursor does not match the sort order; start again")
    sql, args = f"r.id {'<' if id_descending else '>'} ?", [run_id]
    for (expression, expr_args, descending), value in reversed(
        list(zip(flat, values, strict=True))
    ):
        if value is None:  # among the missing values, which sort last
            sql, args = f"({expression} IS NULL AND {sql})", [*expr_args, *args]
            continue
        beyond = "<" if descending else ">"
        sql = f"({expression} IS NULL OR {expression} {beyond} ? OR ({expression} = ? AND {sql}))"
        args = [*expr_args, *expr_args, value, *expr_args, value, *args]
    return sql, args


def _digest(signature: str, values: Sequence[Any], run_id: str, now_ms: int) -> str:
    raw = json.dumps([signature, list(values), run_id, now_ms], separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def encode_cursor(signature: str, values: Sequence[Any], run_id: str, now_ms: int) -> str:
    """An opaque cursor for the page after the row with these sort *values* and id.

    It keeps the search's "now" so relative times (``-7d``, a running run's
    duration) stay the same on every page, and a digest that refuses edits.
    """
    digest = _digest(signature, values, run_id, now_ms)
    raw = json.dumps({"s": signature, "v": list(values), "id": run_id, "t": now_ms, "d": digest},
                     separators=(",", ":"))  # fmt: skip
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _sort_value(value: Any) -> bool:
    if value is None or isinstance(value, (str, float)):
        return True
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def cursor_time(cursor: str) -> int:
    """The "now" a cursor was made with (checked fully by :func:`decode_cursor`)."""
    return int(_load(cursor)["t"])


def _load(cursor: str) -> dict[str, Any]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        values, run_id, now_ms = data["v"], data["id"], data["t"]
        valid = (
            isinstance(values, list) and all(_sort_value(v) for v in values)
            and isinstance(run_id, str) and isinstance(now_ms, int)
            and data["d"] == _digest(data["s"], values, run_id, now_ms)
        )  # fmt: skip
    except (ValueError, KeyError, TypeError):
        valid = False
    if not valid:
        raise InvalidValueError(
            "the cursor is damaged; pass the next_cursor of a previous page unchanged"
        )
    return dict(data)


def decode_cursor(cursor: str, signature: str) -> tuple[list[Any], str]:
    """The sort values and id a cursor holds; raise for a foreign or damaged cursor."""
    data = _load(cursor)
    if data["s"] != signature:
        raise InvalidValueError(
            "the cursor belongs to another query or sort order; start again without a cursor"
        )
    return list(data["v"]), str(data["id"])
