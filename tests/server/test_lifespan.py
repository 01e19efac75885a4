"""What the app does as it starts and stops: as many worker threads as the database has
connections, and every audit entry committed before it is gone."""

from __future__ import annotations

from pathlib import Path

import anyio.to_thread
from starlette.testclient import TestClient

from tests.pg import fresh_database
from tests.store.conftest import Chain
from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.server.app import create_app
from trackrecord.server.settings import ServerSettings
from trackrecord.spool import encode_event
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.accounts import SqlAccounts
from trackrecord.store.sql.audit import SqlAuditLog


def _limit(client: TestClient) -> float:
    assert client.portal is not None  # inside the client's context: the app's loop
    limit: float = client.portal.call(
        lambda: anyio.to_thread.current_default_thread_limiter().total_tokens
    )
    return limit


def test_worker_threads_follow_the_connection_pool(tmp_path: Path) -> None:
    with fresh_database() as url:
        store = SqlStore.connect(f"{url}?pool_size=7", LocalArtifactStore(tmp_path / "a"))
        settings = ServerSettings.for_store(store)
        assert settings.threads == 7
        with TestClient(create_app(settings)) as client:
            assert _limit(client) == 7
        settings.worker_threads = 3
        with TestClient(create_app(settings)) as client:
            assert _limit(client) == 3
        store.close()
    sqlite = ServerSettings.for_store(SqlStore.open(tmp_path / "s"))
    assert sqlite.threads is None  # anyio's default


def test_every_write_is_audited_and_shutdown_commits_what_was_queued(tmp_path: Path) -> None:
    store = SqlStore.open(tmp_path / "server")
    accounts = SqlAccounts(store.database)
    accounts.create_user("alice")
    accounts.grant("alice", "vision", "editor")
    token = accounts.create_token("alice")[1]
    settings = ServerSettings.for_store(store)
    assert isinstance(settings.audit, SqlAuditLog)
    chain = Chain("vision")
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(settings)) as client:
        body = b"".join(encode_event(e) for e in chain.events)
        stored = client.post(f"/api/v1/runs/{chain.run_id}/events", content=body, headers=headers)
        refused = client.post("/api/v1/runs/x/events", content=b"torn", headers=headers)
        assert (stored.status_code, refused.status_code) == (200, 400)
        # answered only once audited
        assert [e.status for e in settings.audit.entries()] == [200, 400]
        queued = [settings.audit.append_later("alice", "test", str(i), "-", 200)
                  for i in range(100)]  # fmt: skip
    assert all(f.done() for f in queued)  # the app's shutdown committed them
    assert len(list(settings.audit.entries())) == 102 and settings.audit.verify() == []
    store.close()
