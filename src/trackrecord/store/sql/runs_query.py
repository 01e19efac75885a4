"""Assembling the SQL statement of a run search, and checking the keys it names."""

from __future__ import annotations

import difflib
import sqlite3
from typing import Any, Final

from trackrecord.query import Field, QueryError
from trackrecord.store.sql.search import CompiledSearch, after_cursor, decode_cursor

__all__ = ["MAX_PAGE", "check_fields", "search_sql"]

MAX_PAGE: Final = 10_000
_TABLES: Final = {"param": "params", "metric": "metric_summaries", "tag": "tags"}
_PREFIX: Final = {"param": "params", "metric": "metrics", "tag": "tags"}


def search_sql(
    search: CompiledSearch, project: str | None, deleted: bool, cursor: str | None, limit: int
) -> tuple[str, list[Any]]:
    """The SELECT of run ids (and sort values) for one page."""
    where = ["r.deleted_at IS NOT NULL" if deleted else "r.deleted_at IS NULL"]
    args: list[Any] = []
    if project is not None:
        where.append("p.name = ?")
        args.append(project)
    where += search.where
    args += search.where_args
    if cursor is not None:
        values, run_id = decode_cursor(cursor, search.signature)
        sql, cursor_args = after_cursor(search, values, run_id)
        where.append(sql)
        args += cursor_args
    select_args = [a for expr_args in search.order_args for a in expr_args]
    columns = ", ".join(expr for expr, _ in search.order)
    order = ", ".join(
        f"{expr} {'DESC' if descending else 'ASC'} NULLS LAST" for expr, descending in search.order
    )
    sql = (
        f"SELECT r.id, {columns} FROM runs r JOIN projects p ON p.id = r.project_id "
        f"{' '.join(search.joins)} WHERE {' AND '.join(where)} ORDER BY {order}, "
        f"r.id {'DESC' if search.id_descending else 'ASC'} LIMIT ?"
    )
    return sql, [*select_args, *search.join_args, *args, *select_args, limit]


def check_fields(conn: sqlite3.Connection, fields: list[Field], query: str) -> None:
    """Raise QueryError for a key no run has, suggesting the nearest one that exists."""
    for field in fields:
        if field.kind == "attr":
            continue
        table = _TABLES[field.kind]
        if conn.execute(f"SELECT 1 FROM {table} WHERE key = ? LIMIT 1", (field.name,)).fetchone():
            continue
        known = [k for (k,) in conn.execute(f"SELECT DISTINCT key FROM {table} LIMIT 5000")]
        if not known:
            continue  # nothing logged of this kind yet: the query simply matches nothing
        close = difflib.get_close_matches(field.name, known, n=1, cutoff=0.6)
        hint = f" (did you mean {_PREFIX[field.kind]}.{close[0]}?)" if close else ""
        text = f"{_PREFIX[field.kind]}.{field.name}"
        position = query.find(text) if text in query else max(query.find(field.name), 0)
        raise QueryError(f"no run has {text}{hint}", query or text, position)
