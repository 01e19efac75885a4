"""The HTTP API: one error shape, and the status table from error class to HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server_thread import serving
from tests.store.conftest import Chain
from trackrecord.store.sql import SqlStore


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[httpx.Client, SqlStore]]:
    store = SqlStore.open(tmp_path / "store")
    with serving(store) as url, httpx.Client(base_url=url) as client:
        yield client, store
    store.close()


def error_of(response: httpx.Response) -> dict[str, str]:
    body = json.loads(response.content)
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    return dict(body["error"])


def test_health(server: tuple[httpx.Client, SqlStore]) -> None:
    client, _ = server
    assert client.get("/healthz").json() == {"status": "ok"}


def test_errors_have_one_shape_and_the_right_status(
    server: tuple[httpx.Client, SqlStore],
) -> None:
    client, store = server
    chain = Chain()
    store.append_events(chain.events)
    missing = client.get("/api/v1/runs/" + "0" * 26)
    assert missing.status_code == 404 and error_of(missing)["code"] == "NOT_FOUND"
    bad = client.get("/api/v1/runs", params={"q": "metrics.acc >"})
    assert bad.status_code == 400 and "^" in error_of(bad)["message"]
    junk = client.post(f"/api/v1/runs/{chain.run_id}/events", content=b"not events")
    assert junk.status_code == 400 and "framed" in error_of(junk)["message"]
    limit = client.get("/api/v1/runs", params={"limit": "many"})
    assert limit.status_code == 400 and "limit" in error_of(limit)["message"]


def test_a_conflicting_chain_is_409(server: tuple[httpx.Client, SqlStore]) -> None:
    client, store = server
    chain = Chain()
    store.append_events(chain.events)
    from trackrecord.spool import encode_event

    other = Chain(run_id=chain.run_id, project="elsewhere")
    response = client.post(
        f"/api/v1/runs/{chain.run_id}/events", content=encode_event(other.events[0])
    )
    assert response.status_code == 409 and error_of(response)["code"] == "CONFLICT"
