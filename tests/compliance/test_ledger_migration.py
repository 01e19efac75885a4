"""Migration 7: a store written before the ledger gets one, and then verifies clean.

The store of :func:`~tests.compliance.populated.populate` is turned back into what an
older TrackRecord left (no ledger; a sign-off policy written without a registry event; a
registered model created a millisecond before its ``model.create`` event), then opened:
the migration chains every account, key, sign-off, hold, setting, grant and dataset
version as it was, migration 8 logs the head of every chain in a new transparency log,
and ``verify --all`` finds nothing to report.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import psycopg

from tests.compliance.populated import populate
from tests.pg import fresh_database
from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.compliance.verify_store import verify_store
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.ledger import read_ledger
from trackrecord.store.sql.views import LOG_TABLES

_OLDER: Final = (
    "DROP TABLE ledger_events",
    "DELETE FROM schema_migrations WHERE version = 7",
    # older than the transparency log too: migration 8 then logs every chain's head
    *(f"DROP TABLE {table}" for table in LOG_TABLES),
    "DELETE FROM schema_migrations WHERE version = 8",
    "INSERT INTO signoff_policies (model, alias, required) VALUES ('credit', 'canary', 2)",
    "UPDATE registered_models SET created_at = created_at - 1",
)


def _upgraded(open_store: Callable[[], SqlStore], execute: Callable[[str], Any]) -> None:
    store = open_store()
    counts = {
        t: store.database.read().execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("users", "tokens", "signatures", "legal_holds", "dataset_versions")
    }
    store.close()
    for statement in _OLDER:
        execute(statement)
    store = open_store()  # migrations 7 and 8 run
    try:
        report = verify_store(store)
        assert store.log.size() > 0 and store.log.checkpoints() == []
        assert report.ok, [str(p) for p in report.all_problems()]
        types = [event.type for event in read_ledger(store.database.read())]
        assert types.count("user.create") == counts["users"]
        assert types.count("token.create") == counts["tokens"]
        assert types.count("signature.add") == counts["signatures"]
        assert types.count("hold.create") == counts["legal_holds"]
        assert types.count("dataset.version") == counts["dataset_versions"]
        policy = store.catalog.registry_history("credit")[-1]
        assert (policy.type, policy.body["alias"], policy.body["actor"]) == (
            "policy.set", "canary", "trackrecord migration")  # fmt: skip
    finally:
        store.close()


def test_sqlite_chains_what_an_older_store_holds(tmp_path: Path) -> None:
    def execute(statement: str) -> None:
        import sqlite3

        with sqlite3.connect(tmp_path / "store" / "trackrecord.db", isolation_level=None) as c:
            c.execute(statement)

    populate(SqlStore.open(tmp_path / "store"), tmp_path / "keys")
    _upgraded(lambda: SqlStore.open(tmp_path / "store"), execute)


def test_postgres_chains_what_an_older_store_holds(tmp_path: Path) -> None:
    with fresh_database() as url:

        def execute(statement: str) -> None:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(statement)

        def open_store() -> SqlStore:
            return SqlStore.connect(url, LocalArtifactStore(tmp_path / "artifacts"))

        store = open_store()
        populate(store, tmp_path / "keys")
        store.close()
        _upgraded(open_store, execute)
