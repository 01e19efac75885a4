"""The SQL store (SQLite now; PostgreSQL next)."""

from trackrecord.store.sql.store import SqlStore

__all__ = ["SqlStore"]
