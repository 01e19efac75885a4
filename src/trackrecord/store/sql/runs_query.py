"""Assembling the SQL statement of a run search, and checking the keys it names."""

from __future__ import annotations

import difflib
from collections.abc import Collection
from typing import Any, Final

from trackrecord.query import Field, QueryError
from trackrecord.store.sql.connection import Connection
from trackrecord.store.sql.ordering import OrderKey, after_sql, decode_cursor, order_sql
from trackrecord.store.sql.search import CompiledSearch

__all__ = ["MAX_PAGE", "check_fields", "find_page"]

MAX_PAGE: Final = 10_000
_TABLES: Final = {"param": "params", "metric": "metric_summaries", "tag": "tags"}
_PREFIX: Final = {"param": "params", "metric": "metrics", "tag": "tags"}


def _base_where(
    search: CompiledSearch, project: str | None, deleted: bool
) -> tuple[list[str], list[Any]]:
    where = ["r.deleted_at IS NOT NULL" if deleted else "r.deleted_at IS NULL"]
    args: list[Any] = []
    if project is not None:
        where.append("r.project_id = (SELECT id FROM projects WHERE name = ?)")
        args.append(project)
    return where + search.where, args + search.where_args


def _select(
    keys: list[OrderKey],
    nulls: int,
    joins: list[tuple[str, list[Any]]],
    where: list[str],
    where_args: list[Any],
    id_descending: bool,
    limit: int,
    first_present: bool = False,
) -> tuple[str, list[Any]]:
    columns = ["NULL"] * nulls + [e for key in keys for e in key.expressions]
    column_args = [a for key in keys for _ in key.expressions for a in key.args]
    order, order_args = order_sql(keys, id_descending, first_present)
    join_sql = " ".join(sql for sql, _ in joins if sql)
    join_args = [a for _, args in joins for a in args]
    sql = (
        f"SELECT r.id, {', '.join(columns)} FROM runs r {join_sql} "
        f"WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?"
    )
    return sql, [*column_args, *join_args, *where_args, *order_args, limit]


def find_page(
    conn: Connection,
    search: CompiledSearch,
    project: str | None,
    deleted: bool,
    cursor: str | None,
    limit: int,
) -> list[tuple[Any, ...]]:
    """Rows (id, sort values...) of one page, in order; see :mod:`.ordering` for the phases."""
    where, args = _base_where(search, project, deleted)
    keys, first, down = search.keys, search.keys[0], search.id_descending
    values, run_id = decode_cursor(cursor, search.signature) if cursor else ([], "")
    if first.table is None:  # sorted by an attribute: one statement
        if cursor:
            after, after_args = after_sql(keys, values, run_id, down)
            where, args = [*where, after], [*args, *after_args]
        joins = [key.join(inner=False) for key in keys]
        sql, sql_args = _select(keys, 0, joins, where, args, down, limit)
        return conn.execute(sql, sql_args).fetchall()
    width = len(first.expressions)
    rows: list[tuple[Any, ...]] = []
    if not cursor or any(v is not None for v in values[:width]):  # phase 1: runs with a value
        phase_where, phase_args = [*where, first.present()], list(args)
        if cursor:
            after, after_args = after_sql(keys, values, run_id, down)
            phase_where, phase_args = [*phase_where, after], [*phase_args, *after_args]
        joins = [first.join(inner=True), *(key.join(inner=False) for key in keys[1:])]
        sql, sql_args = _select(keys, 0, joins, phase_where, phase_args, down, limit, True)
        rows = conn.execute(sql, sql_args).fetchall()
        values, cursor = [], None  # phase 2 starts from its beginning
    if len(rows) < limit:  # phase 2: runs without a value, by the other keys
        absent, absent_args = first.absent()
        phase_where, phase_args = [*where, absent], [*args, *absent_args]
        if cursor:
            after, after_args = after_sql(keys[1:], values[width:], run_id, down)
            phase_where, phase_args = [*phase_where, after], [*phase_args, *after_args]
        joins = [key.join(inner=False) for key in keys[1:]]
        sql, sql_args = _select(
            keys[1:], width, joins, phase_where, phase_args, down, limit - len(rows)
        )
        rows += conn.execute(sql, sql_args).fetchall()
    return rows


_SAMPLE: Final = 1000  # the newest runs whose keys a hint may suggest, when scoped


def _key_sql(table: str, projects: Collection[str] | None) -> tuple[str, str, list[Any]]:
    """SQL finding one row with a key, and SQL listing known keys, of runs in *projects*."""
    if projects is None:
        return f"SELECT 1 FROM {table} WHERE key = ? LIMIT 1", \
               f"SELECT DISTINCT key FROM {table} LIMIT 5000", []  # fmt: skip
    marks = ", ".join("?" * len(projects)) or "NULL"
    in_scope = f"r.project_id IN (SELECT id FROM projects WHERE name IN ({marks}))"
    # a join from the key's index stops at the first row in scope (an IN list of every run
    # in scope would be built whole first)
    exists = f"SELECT 1 FROM {table} t JOIN runs r ON r.id = t.run_id WHERE t.key = ? " \
             f"AND {in_scope} LIMIT 1"  # fmt: skip
    known = f"SELECT DISTINCT key FROM {table} WHERE run_id IN (SELECT r.id FROM runs r " \
            f"WHERE {in_scope} ORDER BY r.created_at DESC LIMIT {_SAMPLE}) LIMIT 5000"  # fmt: skip
    return exists, known, sorted(projects)


def check_fields(
    conn: Connection, fields: list[Field], query: str, projects: Collection[str] | None = None
) -> None:
    """Raise QueryError for a key no run has, suggesting the nearest one that exists.

    With *projects*, only runs of those projects count: a hint never names a key that only
    runs the caller may not read have.
    """
    for field in fields:
        if field.kind == "attr":
            continue
        table = _TABLES[field.kind]
        exists, listing, scope_args = _key_sql(table, projects)
        if conn.execute(exists, (field.name, *scope_args)).fetchone():
            continue
        known = [k for (k,) in conn.execute(listing, scope_args)]
        if not known:
            continue  # nothing logged of this kind yet: the query simply matches nothing
        close = difflib.get_close_matches(field.name, known, n=1, cutoff=0.6)
        hint = f" (did you mean {_PREFIX[field.kind]}.{close[0]}?)" if close else ""
        text = f"{_PREFIX[field.kind]}.{field.name}"
        position = query.find(text) if text in query else max(query.find(field.name), 0)
        raise QueryError(f"no run has {text}{hint}", query or text, position)
