"""Compiling run queries to SQL: filters, sort keys and cursor pagination.

User text never reaches SQL: every key and value becomes a bound parameter,
and the SQL around them comes from this module only. Filters on params, tags
and metric summaries are ``EXISTS (SELECT 1 ... WHERE run_id = r.id AND key = ?
AND ...)`` probes of their primary keys, so a page sorted by an indexed key
stops as soon as it is full.

Every predicate is two-valued: a comparison with a field a run does not have
(or holds with another type) is false, so ``not`` simply negates.

Sorting and pagination are in :mod:`trackrecord.store.sql.ordering`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from trackrecord.query import Field, parse, parse_order
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
from trackrecord.store.sql.connection import glob_regex
from trackrecord.store.sql.ordering import (
    ATTRIBUTE_SQL,
    KEY_TABLE,
    SUMMARY_COLUMN,
    OrderKey,
    order_key,
)

__all__ = ["CompiledSearch", "compile_search", "scoped"]

Glob_ = Callable[[str], tuple[str, bool]]
"""How a database tests an expression against a ``?`` glob (see SqlDatabase.glob)."""


def sqlite_glob(expression: str) -> tuple[str, bool]:
    """The glob of :class:`~trackrecord.store.sql.database.SqliteDatabase`."""
    return f"trackrecord_glob({expression}, ?)", False


_OPS: Final = {"=": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


@dataclass
class CompiledSearch:
    """SQL pieces of one search, with their bound parameters in order."""

    where: list[str] = field(default_factory=list)
    where_args: list[Any] = field(default_factory=list)
    keys: list[OrderKey] = field(default_factory=list)
    fields: list[Field] = field(default_factory=list)
    signature: str = ""

    @property
    def id_descending(self) -> bool:
        """Ties are broken by id, in the direction of the first sort key."""
        return self.keys[0].descending


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


class _Compiler:
    def __init__(self, now_ms: int, glob: Glob_) -> None:
        self.now_ms = now_ms
        self.glob = glob
        self.args: list[Any] = []
        self.fields: list[Field] = []

    def node(self, node: Node) -> str:
        if isinstance(node, (And, Or)):
            return self.balanced(list(node.items), " AND " if isinstance(node, And) else " OR ")
        if isinstance(node, Not):
            return f"(NOT {self.node(node.item)})"
        self.fields.append(node.field)
        if node.field.kind == "attr":
            return self.attribute(node)
        return self.keyed(node)

    def balanced(self, items: list[Node], joiner: str) -> str:
        """Join items as a balanced tree: SQLite limits expression depth, not width."""
        if len(items) <= 8:
            return "(" + joiner.join(self.node(item) for item in items) + ")"
        middle = len(items) // 2
        return f"({self.balanced(items[:middle], joiner)}{joiner}" \
               f"{self.balanced(items[middle:], joiner)})"  # fmt: skip

    def glob_sql(self, expression: str, pattern: str) -> str:
        sql, as_regex = self.glob(expression)
        self.args.append(glob_regex(pattern) if as_regex else pattern)
        return sql

    def attribute(self, node: Node) -> str:
        assert isinstance(node, (Compare, In, Glob, IsNull))
        if isinstance(node, In) and not node.values:  # only a scope of no project is empty
            return "(1 = 1)" if node.negated else "(1 = 0)"
        if node.field.name == "project" and isinstance(node, In) and not node.negated:
            # by the run's project id (indexed), not by its name looked up for every run
            self.args.extend(node.values)
            marks = ", ".join("?" * len(node.values))
            return f"(r.project_id IN (SELECT id FROM projects WHERE name IN ({marks})))"
        expr = ATTRIBUTE_SQL[node.field.name]
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
            return f"({expr} IS NOT NULL AND {negation}{self.glob_sql(expr, node.pattern)})"
        self.args.extend(_literal(v) for v in node.values)
        return f"({guard} {negation}IN ({', '.join('?' * len(node.values))}))"

    def keyed(self, node: Node) -> str:
        assert isinstance(node, (Compare, In, Glob, IsNull))
        kind = node.field.kind
        table = KEY_TABLE[kind]
        self.args.append(node.field.name)
        head = f"EXISTS (SELECT 1 FROM {table} WHERE run_id = r.id AND key = ?"
        if isinstance(node, IsNull):
            present = " AND kind != 'null'" if kind == "param" else ""
            if kind == "metric":
                present = f" AND {SUMMARY_COLUMN[node.field.aggregate]} IS NOT NULL"
            sql = f"({head}{present}))"
            return sql if node.negated else f"(NOT {sql})"
        return f"({head} AND {self.condition(node)}))"

    def condition(self, node: Compare | In | Glob) -> str:
        kind = node.field.kind
        if kind == "metric":
            column = SUMMARY_COLUMN[node.field.aggregate]
            return self.typed(node, column, None)
        if kind == "tag":
            return self.typed(node, "value", None)
        return self.typed_param(node)

    def typed(self, node: Compare | In | Glob, column: str, kind: str | None) -> str:
        guard = f"kind = '{kind}' AND " if kind else ""
        if isinstance(node, Compare):
            self.args.append(_literal(node.value))
            return f"{guard}{column} {_OPS[node.op]} ?"
        if isinstance(node, Glob):
            negation = "NOT " if node.negated else ""
            return (
                f"{guard}{column} IS NOT NULL AND {negation}{self.glob_sql(column, node.pattern)}"
            )
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


def scoped(tree: Node | None, projects: Collection[str] | None) -> Node | None:
    """*tree* limited to runs of *projects* (None: unlimited), as a tree: the scope and the
    user's query are ANDed as nodes, so nothing written in the query can reach past it.

    Example:
        >>> scoped(None, {"alpha"})
        In(field=Field(kind='attr', name='project', aggregate='last'), values=('alpha',), \
negated=False)
    """
    if projects is None:
        return tree
    scope = In(Field("attr", "project"), tuple(sorted(projects)))
    return scope if tree is None else And((scope, tree))


def compile_search(
    query: str | None,
    order_by: Sequence[str],
    now_ms: int,
    scope: Any = None,
    glob: Glob_ = sqlite_glob,
    projects: Collection[str] | None = None,
) -> CompiledSearch:
    """Compile a query and sort keys (e.g. ``["-metrics.acc.max", "created"]``).

    The query is parsed alone; *projects* (None: every project) is ANDed with it as a node
    of the tree (see :func:`scoped`). *scope* is anything else that makes a cursor of this
    search unfit for another (the ``project`` and ``deleted`` options).
    """
    search = CompiledSearch()
    tree = scoped(parse(query, now_ms) if query and query.strip() else None, projects)
    if tree is not None:
        compiler = _Compiler(now_ms, glob)
        search.where.append(compiler.node(tree))
        search.where_args.extend(compiler.args)
        search.fields.extend(compiler.fields)
    orders = [parse_order(text) for text in order_by] or [parse_order("-created")]
    search.keys = [order_key(order, index, now_ms) for index, order in enumerate(orders)]
    search.fields.extend(order.field for order in orders)
    limits = None if projects is None else sorted(projects)
    search.signature = hashlib.sha256(
        json.dumps([query or "", [str(o) for o in orders], scope, limits]).encode()
    ).hexdigest()[:16]
    return search
