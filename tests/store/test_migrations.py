"""Numbered migrations: each runs once, and a database from a newer TrackRecord is refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.pg import fresh_database
from trackrecord.errors import StoreError
from trackrecord.store.sql import migrations
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


SCHEMA_3_CATALOG = (
    "INSERT INTO projects (id, name, created_at) VALUES (1, 'alpha', 0), (2, 'beta', 0)",
    "INSERT INTO runs (id, project_id, name, status, created_at, updated_at, head_seq, "
    "head_hash) VALUES ('a1', 1, 'a1', 'finished', 1, 1, 0, ''), "
    "('b1', 2, 'b1', 'finished', 2, 2, 0, ''), ('b2', 2, 'b2', 'finished', 3, 3, 0, '')",
    # version 1 of mnist first used by alpha, then by beta; version 2 by beta alone
    "INSERT INTO dataset_versions (name, digest, number, label, kind, sources, first_run, "
    "created_at) VALUES ('mnist', 'd1', 1, 'v-one', 'file', '[]', 'a1', 10), "
    "('mnist', 'd2', 2, NULL, 'file', '[]', 'b1', 20)",
    "INSERT INTO run_datasets (run_id, name, digest, role, direction, time) VALUES "
    "('a1', 'mnist', 'd1', 'train', 'input', 10), ('b1', 'mnist', 'd2', 'train', 'input', 20), "
    "('b2', 'mnist', 'd1', 'train', 'input', 30)",
)


def _upgraded_from_schema_3(open_database: Callable[[], Any]) -> list[tuple[Any, ...]]:
    """Open a database at schema 3 with datasets two projects share, then at the newest;
    the dataset versions that come out, by project, name and number."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", MIGRATIONS[:3])
        old = open_database()
        with old.write() as cur:
            for statement in SCHEMA_3_CATALOG:
                cur.execute(statement)
        old.close()
    new = open_database()
    try:
        rows = new.read().execute(
            "SELECT project, name, number, digest, label, first_run, created_at "
            "FROM dataset_versions ORDER BY project, name, number"
        )
        uses = new.read().execute("SELECT run_id, project FROM run_datasets ORDER BY run_id")
        assert [tuple(u) for u in uses] == [("a1", "alpha"), ("b1", "beta"), ("b2", "beta")]
        return [tuple(row) for row in rows]
    finally:
        new.close()


UPGRADED = [
    ("alpha", "mnist", 1, "d1", "v-one", "a1", 10),
    ("beta", "mnist", 1, "d2", None, "b1", 20),  # numbered in beta's own order of first use
    ("beta", "mnist", 2, "d1", "v-one", "b2", 30),
]


def test_sqlite_splits_a_dataset_two_projects_used_into_one_per_project(tmp_path: Path) -> None:
    assert _upgraded_from_schema_3(lambda: SqliteDatabase(tmp_path / DATABASE_FILE)) == UPGRADED


def test_postgres_splits_a_dataset_two_projects_used_into_one_per_project() -> None:
    with fresh_database() as url:
        assert _upgraded_from_schema_3(lambda: PostgresDatabase(url)) == UPGRADED
