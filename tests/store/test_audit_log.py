"""The SQL audit log under concurrency: one intact chain, every request's entry in it.

Appends are group-committed (many requests' entries in one transaction); two logs on one
database stand for two server replicas, each batching on its own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.pg import fresh_database
from trackrecord.store.sql.audit import SqlAuditLog
from trackrecord.store.sql.connection import SqlDatabase
from trackrecord.store.sql.database import SqliteDatabase
from trackrecord.store.sql.postgres import PostgresDatabase

THREADS = 12
PER_THREAD = 25


@contextmanager
def _database(kind: str, tmp_path: Path) -> Iterator[SqlDatabase]:
    if kind == "sqlite":
        sqlite = SqliteDatabase(tmp_path / "audit.db")
        yield sqlite
        sqlite.close()
        return
    with fresh_database() as url:
        postgres = PostgresDatabase(url, pool_size=THREADS)
        yield postgres
        postgres.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlDatabase]:
    with _database(request.param, tmp_path) as made:
        yield made


def _hammer(logs: list[SqlAuditLog]) -> set[str]:
    """THREADS threads appending PER_THREAD entries each, spread over *logs*; the targets."""
    start = threading.Barrier(THREADS)

    def worker(n: int) -> list[str]:
        log = logs[n % len(logs)]
        start.wait()
        targets = []
        for i in range(PER_THREAD):
            target = f"run-{n}-{i}"
            entry = log.append(f"user{n}", "runs.append_events", target, "10.0.0.1", 200)
            assert (entry.target, entry.actor) == (target, f"user{n}")
            targets.append(target)
        return targets

    with ThreadPoolExecutor(THREADS) as pool:
        return {t for batch in pool.map(worker, range(THREADS)) for t in batch}


def test_concurrent_appends_form_one_intact_chain_with_every_entry(
    database: SqlDatabase,
) -> None:
    log = SqlAuditLog(database)
    targets = _hammer([log])
    entries = list(log.entries())
    assert log.verify() == []
    assert [e.seq for e in entries] == list(range(1, THREADS * PER_THREAD + 1))
    assert {e.target for e in entries} == targets and len(targets) == THREADS * PER_THREAD


def test_replicas_appending_at_once_form_one_chain(database: SqlDatabase) -> None:
    replicas = [SqlAuditLog(database), SqlAuditLog(database)]  # each batches on its own
    targets = _hammer(replicas)
    assert replicas[0].verify() == [] and replicas[1].verify() == []
    entries = list(replicas[1].entries())
    assert len(entries) == THREADS * PER_THREAD
    assert {e.target for e in entries} == targets


def test_entries_of_a_batch_are_chained_in_the_order_they_were_asked_for(
    tmp_path: Path,
) -> None:
    with _database("sqlite", tmp_path) as database:
        log = SqlAuditLog(database)
        first = log.append("alice", "tokens.create", "alice", "127.0.0.1", 200)
        second = log.append("bob", "runs.append_events", "01J", "10.0.0.2", 403)
        assert (first.seq, second.seq) == (1, 2)
        assert second.prev_hash == first.hash
        assert list(log.entries()) == [first, second]


def test_entries_queued_for_the_writer_thread_form_one_chain_with_every_entry(
    database: SqlDatabase,
) -> None:
    log, other = SqlAuditLog(database), SqlAuditLog(database)  # and a replica's, at once

    def queue(n: int) -> list[str]:
        logs = (log, other)
        futures = [
            logs[(n + i) % 2].append_later(f"user{n}", "runs.append_events", f"run-{n}-{i}",
                                           "10.0.0.1", 200 if i % 3 else 500)
            for i in range(PER_THREAD)
        ]  # fmt: skip
        return [f.result(30).target for f in futures]

    with ThreadPoolExecutor(THREADS) as pool:
        targets = {t for batch in pool.map(queue, range(THREADS)) for t in batch}
    entries = list(log.entries())
    assert log.verify() == []
    assert [e.seq for e in entries] == list(range(1, THREADS * PER_THREAD + 1))
    assert {e.target for e in entries} == targets and len(targets) == THREADS * PER_THREAD
    assert sum(e.status == 500 for e in entries) == THREADS * len(range(0, PER_THREAD, 3))


def test_flush_and_close_commit_every_queued_entry(database: SqlDatabase) -> None:
    log = SqlAuditLog(database)
    for i in range(50):
        log.append_later("alice", "runs.append_events", f"run-{i}", "127.0.0.1", 200)
    assert log.flush(30) is True
    assert len(list(log.entries())) == 50
    for i in range(50, 80):
        log.append_later("alice", "runs.append_events", f"run-{i}", "127.0.0.1", 200)
    log.close()  # a server shutting down
    assert [e.target for e in log.entries()] == [f"run-{i}" for i in range(80)]
    assert log.verify() == []
