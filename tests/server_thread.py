"""A real TrackRecord server (uvicorn) on a free loopback port, in a thread of the test."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from trackrecord.server.app import create_app
from trackrecord.server.settings import ServerSettings
from trackrecord.store.base import Store


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(store: Store | ServerSettings, port: int | None = None) -> Iterator[str]:
    """Serve a store (with its accounts and audit log, if it has them) or *settings* over
    HTTP; yield the base URL; stop the server afterwards."""
    settings = store if isinstance(store, ServerSettings) else ServerSettings.for_store(store)
    with serving_app(create_app(settings), port) as url:
        yield url


@contextmanager
def serving_app(app: Any, port: int | None = None) -> Iterator[str]:
    """Serve any ASGI *app* on a free loopback port in a thread; yield its base URL."""
    port = port or free_port()
    # no proxy headers believed, as in trackrecord server (the app decides whom to believe)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off", proxy_headers=False)  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the test server did not start on port {port}")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
