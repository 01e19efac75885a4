"""Compiling run queries to SQL: filters, sort keys and cursor pagination.

User text never reaches SQL: every key and value becomes a bound parameter,
and the SQL around them comes from this module only. Filters on params, tags
and metric summaries are ``r.id IN (SELECT run_id ... WHERE key = ? AND ...)``
subqueries, answered from the ``(key, value)`` indexes.

Every predicate is two-valued: a comparison with a field a run does not have
(or holds with another type) is false, so ``not`` simply negates.

Pagination is by keyset: the cursor holds the sort values and id of the last
row served, and the next page starts strictly after them, so rows inserted
meanwhile never shift a page (no offsets).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from trackrecord.errors import InvalidValueError
from trackrecord.query import Field, Order, parse, parse_order
from trackrecord.query.syntax import (
    And,
    Compare,
    Duration,
    Glob,
    In,
    Instant,
    IsNull,
    Node,
    Not,
    Or,
    Value,
)

__all__ = ["CompiledSearch", "compile_search", "decode_cursor", "encode_cursor"]

_ATTRIBUTE_SQL: Final = {
    "id": "r.id", "name": "r.name", "project": "p.name", "group": "r.run_group",
    "status": "r.status", "parent": "r.parent_id", "created": "r.created_at",
    "finished": "r.finished_at", "duration": "(coalesce(r.finished_at, ?) - r.created_at)",
    "user": "r.user_name", "host": "r.host", "git.commit": "r.git_commit",
    "git.branch": "r.git_branch",
}  # fmt: skip
_SUMMARY_COLUMN: Final = {"last": "last", "min": "min", "max": "max", "count": "count",
                          "step": "max_step"}  # fmt: skip
_OPS: Final = {"=": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


@dataclass
class CompiledSearch:
    """SQL pieces of one search, with their bound parameters in order."""

    joins: list[str] = field(default_factory=list)
    join_args: list[Any] = field(default_factory=list)
    where: list[str] = field(default_factory=list)
    where_args: list[Any] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (expression, descending)
    order_args: list[list[Any]] = field(default_factory=list)  # args of each order expression
    fields: list[Field] = field(default_factory=list)
    signature: str = ""

    @property
    def id_descending(self) -> bool:
        """Ties are broken by id, in the direction of the first sort key."""
        return self.order[0][1]


def _literal(value: Value) -> Any:
    if isinstance(value, (Duration, Instant)):
        return value.ms
    if isinstance(value, bool):
        return int(value)
    return value


def _kind(value: Value) -> tuple[str, str]:
    """The params.kind and params column holding values of *value*'s type."""
    if isinstance(value, bool):
        return "bool", "num"
    if isinstance(value, float):
        return "number", "num"
    return "string", "text"


def _glob_to_like(pattern: str) -> str:
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%").replace("?", "_")


class _Compiler:
    def __init__(self, now_ms: int) -> None:
        self.now_ms = now_ms
        self.args: list[Any] = []
        self.fields: list[Field] = []

    def node(self, node: Node) -> str:
        if isinstance(node, And):
            return "(" + " AND ".join(self.node(item) for item in node.items) + ")"
        if isinstance(node, Or):
            return "(" + " OR ".join(self.node(item) for item in node.items) + ")"
        if isinstance(node, Not):
            return f"(NOT {self.node(node.item)})"
        self.fields.append(node.field)
        if node.field.kind == "attr":
            return self.attribute(node)
        return self.keyed(node)

    def attribute(self, node: Node) -> str:
        assert isinstance(node, (Compare, In, Glob, IsNull))
        expr = _ATTRIBUTE_SQL[node.field.name]
        expr_args = [self.now_ms] if node.field.name == "duration" else []
        if isinstance(node, IsNull):
            self.args.extend(expr_args)
            return f"({expr} IS {'NOT ' if node.negated else ''}NULL)"
        self.args.extend(expr_args * 2)  # the expression appears twice below
        guard = f"{expr} IS NOT NULL AND {expr}"
        negation = "NOT " if getattr(node, "negated", False) else ""
        if isinstance(node, Compare):
            self.args.append(_literal(node.value))
            return f"({guard} {_OPS[node.op]} ?)"
        if isinstance(node, Glob):
            self.args.append(_glob_to_like(node.pattern))
            return f"({guard} {negation}LIKE ? ESCAPE '\\')"
        self.args.extend(_literal(v) for v in node.values)
        return f"({guard} {negation}IN ({', '.join('?' * len(node.values))}))"

    def keyed(self, node: Node) -> str:
        assert isinstance(node, (Compare, In, Glob, IsNull))
        kind = node.field.kind
        table = {"param": "params", "metric": "metric_summaries", "tag": "tags"}[kind]
        self.args.append(node.field.name)
        head = f"r.id IN (SELECT run_id FROM {table} WHERE key = ?"
        if isinstance(node, IsNull):
            present = " AND kind != 'null'" if kind == "param" else ""
            if kind == "metric":
                present = f" AND {_SUMMARY_COLUMN[node.field.aggregate]} IS NOT NULL"
            sql = f"({head}{present}))"
            return sql if node.negated else f"(NOT {sql})"
        return f"({head} AND {self.condition(node)}))"

    def condition(self, node: Compare | In | Glob) -> str:
        kind = node.field.kind
        if kind == "metric":
            column = _SUMMARY_COLUMN[node.field.aggregate]
            return self.typed(node, column, None)
        if kind == "tag":
            return self.typed(node, "value", None)
        return self.typed_param(node)

    def typed(self, node: Compare | In | Glob, column: str, kind: str | None) -> str:
        guard = f"kind = '{kind}' AND " if kind else ""
        if isinstance(node, Compare):
            self.args.append(_literal(node.value))
            return f"{guard}{column} IS NOT NULL AND {column} {_OPS[node.op]} ?"
        if isinstance(node, Glob):
            self.args.append(_glob_to_like(node.pattern))
            negation = "NOT " if node.negated else ""
            return f"{guard}{column} {negation}LIKE ? ESCAPE '\\'"
        self.args.extend(_literal(v) for v in node.values)
        marks = ", ".join("?" * len(node.values))
        return f"{guard}{column} {'NOT ' if node.negated else ''}IN ({marks})"

    def typed_param(self, node: Compare | In | Glob) -> str:
        if isinstance(node, Glob):
            return self.typed(node, "text", "string")
        if isinstance(node, Compare):
            kind, column = _kind(node.value)
            return self.typed(node, column, kind)
        groups: dict[tuple[str, str], list[Value]] = {}
        for value in node.values:
            groups.setdefault(_kind(value), []).append(value)
        parts = [
            self.typed(In(node.field, tuple(values), node.negated), column, kind)
            for (kind, column), values in groups.items()
        ]
        return "(" + " OR ".join(parts) + ")"


def _order_expression(order: Order, index: int, search: CompiledSearch, now_ms: int) -> str:
    f = order.field
    if f.kind == "attr":
        search.order_args.append([now_ms] if f.name == "duration" else [])
        return _ATTRIBUTE_SQL[f.name]
    alias = f"o{index}"
    table = {"param": "params", "metric": "metric_summaries", "tag": "tags"}[f.kind]
    search.joins.append(f"LEFT JOIN {table} {alias} ON {alias}.run_id = r.id AND {alias}.key = ?")
    search.join_args.append(f.name)
    search.order_args.append([])
    if f.kind == "metric":
        return f"{alias}.{_SUMMARY_COLUMN[f.aggregate]}"
    if f.kind == "tag":
        return f"{alias}.value"
    return f"coalesce({alias}.num, {alias}.text)"  # numbers sort before text


def compile_search(query: str | None, order_by: Sequence[str], now_ms: int) -> CompiledSearch:
    """Compile a query and sort keys (e.g. ``["-metrics.acc.max", "created"]``)."""
    search = CompiledSearch()
    if query and query.strip():
        compiler = _Compiler(now_ms)
        search.where.append(compiler.node(parse(query, now_ms)))
        search.where_args.extend(compiler.args)
        search.fields.extend(compiler.fields)
    orders = [parse_order(text) for text in order_by] or [parse_order("-created")]
    for index, order in enumerate(orders):
        search.order.append((_order_expression(order, index, search, now_ms), order.descending))
        search.fields.append(order.field)
    search.signature = hashlib.sha256(
        json.dumps([query or "", [str(o) for o in orders]]).encode()
    ).hexdigest()[:16]
    return search


def encode_cursor(signature: str, values: Sequence[Any], run_id: str) -> str:
    """An opaque cursor for the page after the row with these sort *values* and id."""
    raw = json.dumps({"s": signature, "v": list(values), "id": run_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, signature: str) -> tuple[list[Any], str]:
    """The sort values and id a cursor holds; raise for a foreign or damaged cursor."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        values, run_id, owner = list(data["v"]), str(data["id"]), data["s"]
    except (ValueError, KeyError, TypeError):
        raise InvalidValueError(
            "the cursor is damaged; pass the next_cursor of a previous page unchanged"
        ) from None
    if owner != signature:
        raise InvalidValueError(
            "the cursor belongs to another query or sort order; start again without a cursor"
        )
    return values, run_id


def after_cursor(search: CompiledSearch, values: list[Any], run_id: str) -> tuple[str, list[Any]]:
    """SQL that holds for rows strictly after the cursor, with missing values last."""
    order, order_args = search.order, search.order_args
    if len(values) != len(order):
        raise InvalidValueError("the cursor does not match the sort order; start again")
    sql, args = f"r.id {'<' if search.id_descending else '>'} ?", [run_id]
    for (expr, descending), expr_args, value in reversed(
        list(zip(order, order_args, values, strict=True))
    ):
        if value is None:  # among the missing values, which sort last
            sql, args = f"({expr} IS NULL AND {sql})", [*expr_args, *args]
            continue
        beyond = "<" if descending else ">"
        sql = f"({expr} IS NULL OR {expr} {beyond} ? OR ({expr} = ? AND {sql}))"
        args = [*expr_args, *expr_args, value, *expr_args, value, *args]
    return sql, args
