"""The live schema of a SQL store: its tables and their columns, as the database says.

Verification compares every column of every view as the database holds them now, not as
a list in the code says, so a column added by a later migration is compared without
anyone remembering to add it (and the mutation tests cover every table the same way).

Example:
    >>> import tempfile
    >>> from trackrecord.store.sql import SqlStore
    >>> tables = live_tables(SqlStore.open(tempfile.mkdtemp()).database)
    >>> tables["params"]
    ['run_id', 'key', 'value', 'kind', 'num', 'text']
"""

from __future__ import annotations

from trackrecord.store.sql.connection import Connection, SqlDatabase

__all__ = ["live_tables", "table_columns"]


def live_tables(database: SqlDatabase) -> dict[str, list[str]]:
    """Every table of the database (SQLite's own aside), with its columns in order."""
    conn = database.read()
    if database.dialect == "postgresql":
        rows = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE "
            "table_schema = current_schema() ORDER BY table_name, ordinal_position"
        ).fetchall()
        found: dict[str, list[str]] = {}
        for table, column in rows:
            found.setdefault(str(table), []).append(str(column))
        return found
    names = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    ).fetchall()
    return {str(name): table_columns(conn, str(name)) for (name,) in names}


def table_columns(conn: Connection, table: str) -> list[str]:
    """The columns of a SQLite *table*, in order."""
    return [str(row[1]) for row in conn.execute(f'PRAGMA table_info("{table}")').fetchall()]
