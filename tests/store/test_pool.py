"""The PostgreSQL store's connection pool: bounded, configurable, closed on close()."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from tests.pg import SERVER, fresh_database
from tests.server_thread import free_port
from tests.store.conftest import Chain
from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.errors import StoreError
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.postgres import DEFAULT_POOL_SIZE, PostgresDatabase


@pytest.fixture
def url() -> Iterator[str]:
    with fresh_database() as made:
        yield made


def connections(url: str) -> int:
    """Connections open to *url*'s database, counted from another database."""
    name = url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def connections_once_closed(url: str) -> int:
    """Connections still open to *url*'s database after closed ones had 5 s to go away."""
    deadline = time.monotonic() + 5
    while (count := connections(url)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return count


class Sampler:
    """Counts the database's connections every few milliseconds, in a thread."""

    def __init__(self, url: str) -> None:
        self.name = url.rsplit("/", 1)[1].split("?")[0]
        self.counts: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            while not self._stop.is_set():
                row = admin.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (self.name,)
                ).fetchone()
                self.counts.append(int(row[0]) if row else 0)
                time.sleep(0.005)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)


def test_many_threads_never_open_more_connections_than_the_pool(url: str, tmp_path: Path) -> None:
    store = SqlStore.connect(f"{url}?pool_size=4", LocalArtifactStore(tmp_path / "a"))
    chains = [Chain(project="busy") for _ in range(48)]

    def work(chain: Chain) -> int:
        chain.metrics(loss=([0, 1, 2], [1.0, 0.5, 0.25]))
        store.append_events(chain.events)
        found = store.search_runs("metrics.loss.count = 3", project="busy", limit=1000)
        assert chain.run_id in {run.id for run in found.runs}
        return store.get_run(chain.run_id).head_seq

    with Sampler(url) as sampler, ThreadPoolExecutor(24) as pool:
        heads = list(pool.map(work, chains))
    assert heads == [2] * len(chains)
    assert len(store.search_runs(project="busy", limit=1000).runs) == len(chains)
    assert sampler.counts, "the sampler saw nothing"
    assert max(sampler.counts) <= 4, sampler.counts
    assert max(sampler.counts) >= 2, "the threads never ran in parallel: the test proves nothing"
    store.close()


def test_close_closes_every_connection(url: str) -> None:
    db = PostgresDatabase(url, pool_size=3)
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda _: db.read().execute("SELECT pg_sleep(0.05)").fetchall(), range(12)))
    assert 1 <= connections(url) <= 3
    db.close()
    assert connections_once_closed(url) == 0
    with pytest.raises(StoreError, match="is closed"):
        db.read().execute("SELECT 1")


def test_pool_options_come_from_the_url_or_the_arguments(url: str) -> None:
    default = PostgresDatabase(url)
    assert (default.pool_size, default.pool_timeout) == (DEFAULT_POOL_SIZE, 30.0)
    from_url = PostgresDatabase(f"{url}?pool_size=3&pool_timeout=2.5&application_name=tr")
    assert (from_url.pool_size, from_url.pool_timeout) == (3, 2.5)
    assert from_url.url == f"{url}?application_name=tr"  # libpq's own options stay
    name = from_url.read().execute("SELECT current_setting('application_name')").fetchone()
    assert name == ("tr",)
    explicit = PostgresDatabase(f"{url}?pool_size=3", pool_size=7)
    assert explicit.pool_size == 7
    for db in (default, from_url, explicit):
        db.close()
    with pytest.raises(StoreError, match=r"pool_size='many'.*positive integer"):
        PostgresDatabase(f"{url}?pool_size=many")
    with pytest.raises(StoreError, match=r"pool_timeout='nan'.*positive number"):
        PostgresDatabase(f"{url}?pool_timeout=nan")
    with pytest.raises(StoreError, match=r"pool_size=0 .*\?pool_size=10"):
        PostgresDatabase(url, pool_size=0)
    assert connections_once_closed(url) == 0  # nothing left open, by the refused ones too


def test_an_unreachable_server_is_a_clear_store_error() -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(StoreError, match=rf"cannot connect to PostgreSQL at .*:{port}/x"):
        PostgresDatabase(f"postgresql://postgres:secret@127.0.0.1:{port}/x")
    with pytest.raises(StoreError, match="the database exists") as caught:
        PostgresDatabase(f"{SERVER}/trackrecord_no_such_database")
    assert "does not exist" in str(caught.value)


def test_the_password_never_shows_in_messages() -> None:
    port = free_port()
    with pytest.raises(StoreError) as caught:
        PostgresDatabase(f"postgresql://ann:hunter2@127.0.0.1:{port}/x")
    assert "hunter2" not in str(caught.value) and "ann:***@" in str(caught.value)


def test_a_busy_pool_fails_with_a_hint_after_its_timeout(url: str) -> None:
    db = PostgresDatabase(url, pool_size=1, pool_timeout=0.3)
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        with db.write() as cur:
            cur.execute("SELECT 1")
            entered.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert entered.wait(10)
        with pytest.raises(StoreError, match=r"all 1 connections .* busy.*\?pool_size=N"):
            db.read().execute("SELECT 1")
    finally:
        release.set()
        holder.join(10)
    assert db.read().execute("SELECT 2").fetchone() == (2,)
    db.close()


def test_reads_inside_a_write_use_its_transaction(url: str) -> None:
    db = PostgresDatabase(url, pool_size=1, pool_timeout=2)  # a second connection would wait
    with db.write() as cur:
        cur.execute("INSERT INTO projects (name, created_at) VALUES ('seen', 0)")
        assert db.read().execute("SELECT name FROM projects").fetchall() == [("seen",)]
        with db.write() as inner:  # nested: a savepoint of the same transaction
            inner.execute("INSERT INTO projects (name, created_at) VALUES ('inner', 0)")
    rows = db.read().execute("SELECT name FROM projects ORDER BY name").fetchall()
    assert rows == [("inner",), ("seen",)]
    with pytest.raises(RuntimeError), db.write() as cur:
        cur.execute("INSERT INTO projects (name, created_at) VALUES ('undone', 0)")
        raise RuntimeError("roll back")
    assert len(db.read().execute("SELECT name FROM projects").fetchall()) == 2
    db.close()


def test_reads_survive_connections_the_server_closed(url: str) -> None:
    db = PostgresDatabase(url, pool_size=2)
    assert db.read().execute("SELECT 1").fetchone() == (1,)
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s",
            (name,),
        ).fetchone()
    assert killed is not None and killed[0] >= 1
    assert db.read().execute("SELECT 2").fetchone() == (2,)
    db.close()
