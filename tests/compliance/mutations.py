"""Tampering with a store's database behind its back, one change at a time, and undoing it.

For every table of the live schema (SQLite's ``sqlite_master`` or PostgreSQL's
``information_schema``) and every column: change a value in a sample row, delete a row,
and insert a forged row (a copy of a row under a new key). Each change is committed by a
connection of its own, checked (by the caller) and undone, so one populated store serves
every mutation. On PostgreSQL the connection runs as a replica
(``session_replication_role``), so foreign keys do not refuse what an attacker with the
database could write anyway.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

from trackrecord.store.sql import SqlStore

__all__ = ["Column", "Mutation", "Raw", "mutations"]

_BIG = 1_000_000


@dataclass(frozen=True)
class Column:
    """A column of the live schema: its name, kind (int, float, bytes, text), and whether it
    is part of the primary key."""

    name: str
    kind: str
    key: bool


def _kind(declared: str) -> str:
    declared = declared.upper()
    if "INT" in declared:
        return "int"
    if any(word in declared for word in ("REAL", "DOUBLE", "FLOAT", "NUMERIC")):
        return "float"
    return "bytes" if declared in ("BLOB", "BYTEA") else "text"


class Raw:
    """A connection of its own to the store's database, committing each statement."""

    def __init__(self, store: SqlStore) -> None:
        self.postgres = store.database.dialect == "postgresql"
        if self.postgres:
            self.conn: Any = psycopg.connect(store.database.url, autocommit=True)  # type: ignore[attr-defined]
            self.conn.execute("SET session_replication_role = replica")
        else:
            self.conn = sqlite3.connect(store.database.path, isolation_level=None)  # type: ignore[attr-defined]
        self.errors = (psycopg.Error,) if self.postgres else (sqlite3.Error,)

    def execute(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        """Run one statement (``?`` placeholders); its rows, if any."""
        cur = self.conn.execute(sql.replace("?", "%s") if self.postgres else sql, tuple(args))
        return list(cur.fetchall()) if cur.description is not None else []

    def schema(self) -> dict[str, list[Column]]:
        """Every table and its columns, from the database's own catalog."""
        if not self.postgres:
            names = self.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                 "name NOT LIKE 'sqlite_%' ORDER BY name")  # fmt: skip
            return {t: [Column(r[1], _kind(r[2]), r[5] > 0)
                        for r in self.execute(f'PRAGMA table_info("{t}")')]
                    for (t,) in names}  # fmt: skip
        keys = set(self.execute(
            "SELECT k.table_name, k.column_name FROM information_schema.table_constraints c "
            "JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name "
            "AND k.table_schema = c.table_schema WHERE c.constraint_type = 'PRIMARY KEY' AND "
            "c.table_schema = current_schema()"))  # fmt: skip
        found: dict[str, list[Column]] = {}
        for table, column, declared in self.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE "
            "table_schema = current_schema() ORDER BY table_name, ordinal_position"
        ):
            column_of = Column(column, _kind(declared), (table, column) in keys)
            found.setdefault(table, []).append(column_of)
        return found

    def close(self) -> None:
        self.conn.close()


@dataclass
class Mutation:
    """One change to a table: ``kind`` is edit, delete or insert; ``column`` the edited one."""

    table: str
    column: str | None
    kind: str
    apply: Callable[[], None]
    undo: Callable[[], None]
    note: str = field(default="")


def _changed(value: Any, column: Column, big: bool) -> Any:
    step = _BIG if big or column.key else 1
    if value is None:
        return {"int": 1, "float": 0.5, "bytes": b"forged", "text": "forged"}[column.kind]
    if isinstance(value, (bytes, memoryview)):
        data = bytes(value)
        return data[:-1] + bytes([data[-1] ^ 1]) if data else b"\x00"
    if isinstance(value, int):
        return value + step
    if isinstance(value, float):
        return value + (0.5 if step == 1 else float(step))
    return f"{value}x" if step == 1 else f"{value}-forged"


def _where(columns: list[Column], row: Sequence[Any]) -> tuple[str, list[Any]]:
    pairs = [(c.name, v) for c, v in zip(columns, row, strict=True) if c.key]
    return " AND ".join(f'"{name}" = ?' for name, _ in pairs), [v for _, v in pairs]


def _edit(raw: Raw, table: str, columns: list[Column], rows: list[Any], index: int) -> Mutation:
    column = columns[index]
    row = list(rows[index % len(rows)])
    where, args = _where(columns, row)

    def apply() -> None:
        for big in (False, True):  # a unique value may be taken: try a far one
            new = _changed(row[index], column, big)
            try:
                raw.execute(f'UPDATE "{table}" SET "{column.name}" = ? WHERE {where}', [new, *args])
            except raw.errors:
                continue
            changed = row.copy()
            changed[index] = new
            state["where"] = _where(columns, changed)
            return
        raise AssertionError(f"the database refuses every edit of {table}.{column.name}")

    def undo() -> None:
        clause, values = state["where"]
        raw.execute(f'UPDATE "{table}" SET "{column.name}" = ? WHERE {clause}',
                    [row[index], *values])  # fmt: skip

    state: dict[str, Any] = {}
    return Mutation(table, column.name, "edit", apply, undo)


def _insert_sql(table: str, columns: list[Column]) -> str:
    names = ", ".join(f'"{c.name}"' for c in columns)
    return f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'


def _delete(raw: Raw, table: str, columns: list[Column], row: Sequence[Any]) -> Mutation:
    where, args = _where(columns, row)
    return Mutation(table, None, "delete",
                    lambda: raw.execute(f'DELETE FROM "{table}" WHERE {where}', args),
                    lambda: raw.execute(_insert_sql(table, columns), list(row)))  # fmt: skip


def _insert(raw: Raw, table: str, columns: list[Column], row: Sequence[Any]) -> Mutation:
    last_key = max(i for i, c in enumerate(columns) if c.key)
    pairs = list(zip(columns, row, strict=True))
    attempts = [
        [_changed(v, c, True) if i == last_key else v for i, (c, v) in enumerate(pairs)],
        [_changed(v, c, True) if c.kind in ("int", "text") else v for c, v in pairs],
    ]  # the second also moves values other unique constraints hold
    state: dict[str, Any] = {}

    def apply() -> None:
        for forged in attempts:
            try:
                raw.execute(_insert_sql(table, columns), forged)
            except raw.errors:
                continue
            state["where"] = _where(columns, forged)
            return
        raise AssertionError(f"the database refuses every forged row of {table}")

    def undo() -> None:
        clause, values = state["where"]
        raw.execute(f'DELETE FROM "{table}" WHERE {clause}', values)

    return Mutation(table, None, "insert", apply, undo)


def mutations(raw: Raw, table: str, columns: list[Column]) -> Iterator[Mutation]:
    """Every mutation of *table*: an edit of each column (in rows taken in turn), the
    deletion of its first row, and a forged copy of it."""
    names = ", ".join(f'"{c.name}"' for c in columns)
    order = ", ".join(f'"{c.name}"' for c in columns if c.key)
    rows = raw.execute(f'SELECT {names} FROM "{table}" ORDER BY {order}')
    if not rows:
        raise AssertionError(f"the populated store has no row in {table}: add one to populate()")
    for index in range(len(columns)):
        yield _edit(raw, table, columns, rows, index)
    yield _delete(raw, table, columns, rows[0])
    yield _insert(raw, table, columns, rows[0])
