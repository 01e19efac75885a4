"""Numbered schema migrations, recorded in the ``schema_migrations`` table.

Append new migrations to :data:`MIGRATIONS`; never edit one that has shipped.
Each runs once, inside the transaction that records it.
"""

from __future__ import annotations

from typing import Final, NamedTuple

__all__ = ["MIGRATIONS", "Migration"]


class Migration(NamedTuple):
    """One schema step: its number, a short name, and its SQL statements."""

    version: int
    name: str
    statements: tuple[str, ...]


_INITIAL: Final = (
    """CREATE TABLE projects (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
    )""",
    """CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        run_group TEXT,
        parent_id TEXT,
        notes TEXT,
        user_name TEXT,
        host TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        finished_at INTEGER,
        error TEXT,
        head_seq INTEGER NOT NULL,
        head_hash TEXT NOT NULL
    )""",
    "CREATE INDEX runs_by_project ON runs (project_id, created_at)",
    "CREATE INDEX runs_by_parent ON runs (parent_id)",
    """CREATE TABLE events (
        run_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        time INTEGER NOT NULL,
        body TEXT NOT NULL,
        points TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
    )""",
    """CREATE TABLE params (
        run_id TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
    )""",
    """CREATE TABLE tags (
        run_id TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
    )""",
    """CREATE TABLE metric_summaries (
        run_id TEXT NOT NULL,
        key TEXT NOT NULL,
        count INTEGER NOT NULL,
        last REAL,
        last_step INTEGER NOT NULL,
        last_time INTEGER NOT NULL,
        max_step INTEGER NOT NULL,
        min REAL,
        max REAL,
        PRIMARY KEY (run_id, key)
    )""",
    """CREATE TABLE metric_chunks (
        run_id TEXT NOT NULL,
        key TEXT NOT NULL,
        first_index INTEGER NOT NULL,
        count INTEGER NOT NULL,
        step_min INTEGER NOT NULL,
        step_max INTEGER NOT NULL,
        points BLOB NOT NULL,
        lod BLOB NOT NULL,
        PRIMARY KEY (run_id, key, first_index)
    )""",
    """CREATE TABLE artifacts (
        run_id TEXT NOT NULL,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        media_type TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (run_id, path)
    )""",
)

MIGRATIONS: Final = (Migration(1, "initial schema", _INITIAL),)
