"""The browser guard of a server without auth (trackrecord.server.origin), in process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server_thread import serving
from tests.store.conftest import Chain
from trackrecord.errors import ConfigurationError
from trackrecord.record import wire
from trackrecord.record.framing import encode_event
from trackrecord.server.hosts import host_name
from trackrecord.server.settings import ServerSettings
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.accounts import SqlAccounts


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    opened = SqlStore.open(tmp_path / "store")
    yield opened
    opened.close()


@pytest.mark.parametrize(
    ("header", "name"),
    [("localhost:8080", "localhost"), ("[::1]:80", "::1"), ("[::1]", "::1"),
     ("127.0.0.1", "127.0.0.1"), ("Tracker.LAN.:9000", "tracker.lan"), ("", "")],
)  # fmt: skip
def test_host_names_are_read_without_port_case_or_final_dot(header: str, name: str) -> None:
    assert host_name(header) == name


def test_allowed_hosts_must_be_host_names(store: SqlStore) -> None:
    assert ServerSettings.for_store(store, allowed_hosts=["Box.LAN:8080"]).allowed_hosts == (
        "box.lan",
    )
    with pytest.raises(ConfigurationError, match="not a host name"):
        ServerSettings.for_store(store, allowed_hosts=["http://box/"])


def test_a_server_without_auth_answers_loopback_and_allowed_names_only(store: SqlStore) -> None:
    settings = ServerSettings.for_store(store, auth=False, allowed_hosts=["box.lan"])
    with serving(settings) as url:
        for host in ("127.0.0.2", "box.lan:1", "LOCALHOST"):
            assert httpx.get(f"{url}/api/v1/runs", headers={"Host": host}).status_code == 200
        for host in ("attacker.example", "box.lan.attacker.example", "10.0.0.1", ""):
            refused = httpx.get(f"{url}/api/v1/runs", headers={"Host": host})
            assert refused.status_code == 400, host
            assert refused.json()["error"]["code"] == "INVALID_REQUEST"


def test_a_server_with_auth_needs_neither_host_nor_client_header(store: SqlStore) -> None:
    accounts = SqlAccounts(store.database)
    accounts.create_user("ed")
    accounts.grant("ed", "p", "editor")
    _, token = accounts.create_token("ed")
    chain = Chain("p")
    body = b"".join(encode_event(e) for e in chain.events)
    with serving(ServerSettings.for_store(store, auth=True)) as url:
        headers = {"Authorization": f"Bearer {token}", "Host": "tracker.example.com"}
        written = httpx.post(f"{url}/api/v1/runs/{chain.run_id}/events", content=body,
                             headers={**headers, "Content-Type": wire.EVENTS_TYPE})  # fmt: skip
        assert written.status_code == 200  # a bearer token is no ambient credential
        forged = httpx.post(f"{url}/api/v1/runs/{chain.run_id}/events", content=body,
                            headers={"Content-Type": "text/plain"})  # fmt: skip
        assert forged.status_code == 401  # and without one, nothing is written
