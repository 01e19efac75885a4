"""Attacks from a web page on ``trackrecord ui`` (issue 14, "The local UI").

The local UI has no auth: anything that reaches it may read and write the store. A web
page the user visits can reach it two ways: by DNS rebinding (its own name, resolved to
127.0.0.1, so the browser sends ``Host: attacker.example``) and by cross-site "simple"
requests (a form, or a ``text/plain`` fetch, which need no CORS preflight). Each test
runs the real command in a subprocess, makes the attack, and asserts that it is refused
and that the store did not change.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.security.conftest import error_of
from tests.server_thread import free_port
from tests.store.conftest import Chain
from trackrecord.record.framing import encode_event
from trackrecord.store.remote import RemoteStore
from trackrecord.store.sql import SqlStore

TRACKRECORD = str(Path(sys.executable).with_name("trackrecord"))
ALLOWED_NAME = "trackrecord.test"  # given with --allowed-host


@pytest.fixture(scope="module")
def local_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """``trackrecord ui`` on a store with one run; its URL and port."""
    directory = tmp_path_factory.mktemp("local-ui") / ".trackrecord"
    store = SqlStore.open(directory)
    store.append_events(Chain("home").events)
    store.close()
    port = free_port()
    command = [
        TRACKRECORD,
        "ui",
        "--no-browser",
        "--port",
        str(port),
        "--dir",
        str(directory),
        "--allowed-host",
        ALLOWED_NAME,
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "TRACKRECORD_URI": ""},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(process.communicate(timeout=5)[0]) from None
                time.sleep(0.1)
        yield url, port
    finally:
        process.terminate()
        process.communicate(timeout=10)


def _runs(url: str) -> list[str]:
    return [r["id"] for r in httpx.get(f"{url}/api/v1/runs", timeout=10).json()["runs"]]


def _models(url: str) -> list[str]:
    return [m["name"] for m in httpx.get(f"{url}/api/v1/models", timeout=10).json()]


def test_a_rebound_host_name_is_refused(local_ui: tuple[str, int]) -> None:
    url, port = local_ui
    for path in ("/api/v1/runs", "/", "/api/v1/projects"):
        rebound = httpx.get(f"{url}{path}", headers={"Host": f"attacker.example:{port}"})
        assert rebound.status_code == 400, path
        assert error_of(rebound)["code"] == "INVALID_REQUEST"
        assert "attacker.example" in error_of(rebound)["message"]
        assert "home" not in rebound.text  # no run data on the way out
    written = httpx.post(
        f"{url}/api/v1/models",
        headers={"Host": "attacker.example", "X-TrackRecord-Client": "x"},
        json={"name": "m", "project": "home"},
    )
    assert written.status_code == 400 and _models(url) == []
    for host in (
        f"localhost:{port}",
        f"127.0.0.1:{port}",
        f"[::1]:{port}",
        "localhost",
        f"{ALLOWED_NAME}:{port}",
        ALLOWED_NAME.upper(),
    ):
        assert httpx.get(f"{url}/api/v1/runs", headers={"Host": host}).status_code == 200, host


def test_a_cross_site_text_plain_post_cannot_create_a_run(local_ui: tuple[str, int]) -> None:
    url, _ = local_ui
    before = _runs(url)
    chain = Chain("home")
    body = b"".join(encode_event(e) for e in chain.events)
    path = f"{url}/api/v1/runs/{chain.run_id}/events"
    for headers in (
        {"Content-Type": "text/plain", "Origin": "http://attacker.example"},  # a simple fetch
        {"Content-Type": "application/x-trackrecord-events"},  # no client header
        {"Content-Type": "text/plain", "X-TrackRecord-Client": "web"},  # a simple type
    ):
        forged = httpx.post(path, content=body, headers=headers)
        assert forged.status_code == 403, headers
        assert error_of(forged)["code"] == "FORBIDDEN"
        assert "X-TrackRecord-Client" in error_of(forged)["message"]
    assert _runs(url) == before  # no run was created
    preflight = httpx.options(
        path, headers={"Origin": "http://attacker.example", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers  # the browser will not send
    remote = RemoteStore(url)  # TrackRecord's own clients still write
    try:
        assert remote.append_events(chain.events) == len(chain.events)
    finally:
        remote.close()
    assert chain.run_id in _runs(url)


def test_a_cross_site_form_post_cannot_register_a_model(local_ui: tuple[str, int]) -> None:
    url, _ = local_ui
    before = _models(url)
    for content_type in (
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ):
        forged = httpx.post(
            f"{url}/api/v1/models",
            content=b'{"name": "planted", "project": "home"}',
            headers={"Content-Type": content_type},
        )
        assert forged.status_code == 403 and error_of(forged)["code"] == "FORBIDDEN"
    deleted = httpx.delete(f"{url}/api/v1/models/planted/aliases/prod")
    assert deleted.status_code == 403
    assert _models(url) == before
