"""Numbered migrations: each runs once, and a database from a newer TrackRecord is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pg import fresh_database
from trackrecord.errors import StoreError
from trackrecord.store.sql.database import SqliteDatabase
from trackrecord.store.sql.migrations import MIGRATIONS
from trackrecord.store.sql.postgres import PostgresDatabase
from trackrecord.store.sql.store import DATABASE_FILE


def test_sqlite_applies_each_migration_once_and_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / DATABASE_FILE
    first = SqliteDatabase(path)
    versions = [row[0] for row in first.read().execute("SELECT version FROM schema_migrations")]
    assert versions == [m.version for m in MIGRATIONS]
    first.close()
    again = SqliteDatabase(path)  # nothing left to apply: no error, no duplicate rows
    assert again.read().execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(
        MIGRATIONS
    )
    with again.write() as cur:
        cur.execute("INSERT INTO schema_migrations VALUES (999, 'from the future', 0)")
    again.close()
    with pytest.raises(StoreError, match=r"newer TrackRecord \(schema 999"):
        SqliteDatabase(path)


def test_postgres_applies_its_own_statements_and_refuses_a_newer_schema() -> None:
    with fresh_database() as url:
        database = PostgresDatabase(url)
        statistics = (
            database.read()
            .execute("SELECT stxname FROM pg_statistic_ext ORDER BY stxname")
            .fetchall()
        )
        assert [row[0] for row in statistics] == [
            "params_by_key_num", "params_by_key_text", "tags_by_key_value",
        ]  # fmt: skip
        with database.write() as cur:
            cur.execute("INSERT INTO schema_migrations VALUES (999, 'from the future', 0)")
        database.close()
        with pytest.raises(StoreError, match=r"newer TrackRecord \(schema 999"):
            PostgresDatabase(url)
