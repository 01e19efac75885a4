"""One JSON line per request, with who asked and an X-Request-ID echoed or made up."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from tests.server_thread import serving
from trackrecord.server.access_log import LOGGER_NAME, AccessLog
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.accounts import SqlAccounts


class Lines(logging.Handler):
    """Collects the access log's lines, parsed, and the fields each record carries."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = json.loads(record.getMessage())
        assert line == record.access  # type: ignore[attr-defined]
        self.lines.append(line)


@pytest.fixture
def lines() -> Iterator[Lines]:
    logger = logging.getLogger(LOGGER_NAME)
    handler, level = Lines(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_every_request_is_one_json_line_naming_the_user(tmp_path: Path, lines: Lines) -> None:
    store = SqlStore.open(tmp_path)
    accounts = SqlAccounts(store.database)
    accounts.create_user("root", admin=True)
    token = accounts.create_token("root")[1]
    with serving(store) as url, httpx.Client(base_url=url) as client:
        probe = client.get("/healthz", headers={"X-Request-ID": "deploy-42.a"})
        missing = client.get("/api/v1/runs/nope", params={"x": "1"},
                             headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        refused = client.get("/api/v1/projects", headers={"X-Forwarded-For": "10.1.2.3"})
        odd = client.get("/healthz", headers={"X-Request-ID": "has spaces" + "x" * 200})
    store.close()
    assert [line["path"] for line in lines.lines] == [
        "/healthz", "/api/v1/runs/nope", "/api/v1/projects", "/healthz"
    ]  # fmt: skip
    first, second, third, fourth = lines.lines
    assert probe.headers["x-request-id"] == first["request_id"] == "deploy-42.a"
    assert first["method"] == "GET" and first["status"] == 200 and "user" not in first
    assert first["client"] == "127.0.0.1" and first["bytes"] == len(probe.content)
    assert datetime.fromisoformat(first["time"]).utcoffset() is not None
    assert 0 <= first["duration_ms"] < 5000
    assert second["status"] == missing.status_code == 404 and second["user"] == "root"
    assert second["query"] == "x=1"
    assert third["status"] == refused.status_code == 401 and "user" not in third
    assert third["forwarded_for"] == "10.1.2.3"
    assert len(fourth["request_id"]) == 32 and odd.headers["x-request-id"] == fourth["request_id"]
    assert len({line["request_id"] for line in lines.lines[1:]}) == 3  # made up, each new


async def crash(request: Request) -> Response:
    raise RuntimeError("handler bug")


async def stream(request: Request) -> Response:
    async def chunks() -> Any:
        for _ in range(3):
            yield b"x" * 1000

    return StreamingResponse(chunks(), media_type="application/octet-stream")


async def fetch(app: Starlette, *paths: str) -> list[httpx.Response]:
    """Call *app* in process (ASGI), keeping its exceptions inside."""
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return [await client.get(path) for path in paths]


def test_a_crash_is_logged_as_500_and_a_stream_counts_every_byte(lines: Lines) -> None:
    app = Starlette(routes=[Route("/crash", crash), Route("/stream", stream)],
                    middleware=[Middleware(AccessLog)])  # fmt: skip
    crashed, streamed = asyncio.run(fetch(app, "/crash", "/stream"))
    assert crashed.status_code == 500
    assert lines.lines[0]["status"] == 500 and lines.lines[0]["error"] == "RuntimeError"
    assert streamed.headers["x-request-id"] == lines.lines[1]["request_id"]
    assert lines.lines[1]["bytes"] == len(streamed.content) == 3000


def test_log_to_stderr_prints_each_line_once(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import logging, httpx, uvicorn, threading, time
        from trackrecord.server.access_log import log_to_stderr
        from trackrecord.server.app import create_app
        from trackrecord.store.sql import SqlStore
        logging.basicConfig(level=logging.INFO)  # a root handler must not print lines twice
        log_to_stderr(); log_to_stderr()
        from tests.server_thread import serving
        store = SqlStore.open({str(tmp_path)!r})
        with serving(store) as url:
            httpx.get(url + "/healthz")
            httpx.get(url + "/readyz")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).parents[2])  # fmt: skip
    assert done.returncode == 0, done.stderr
    printed = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert [line["path"] for line in printed] == ["/healthz", "/readyz"]
