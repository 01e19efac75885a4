"""The HTTP API: ``create_app(settings)`` returns an ASGI app.

Resources under ``/api/v1`` (the UI, the CLI and :class:`RemoteStore` are its
clients): projects, runs (search with the query language and cursors), a run's
events (append many at once, idempotent by seq; read since a seq), metric
series (raw columns) and downsampled buckets, and artifacts by digest
(streamed both ways); users, tokens and the audit log for admins. Every error
has one JSON shape; every request is logged as one JSON line.

Example:
    >>> store = SqlStore.open(".trackrecord")  # doctest: +SKIP
    >>> app = create_app(ServerSettings.for_store(store))  # doctest: +SKIP
    >>> uvicorn.run(app, host="127.0.0.1", port=8080)  # doctest: +SKIP
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from trackrecord.server.guard import Guard
from trackrecord.server.routes import admin, artifacts, meta, runs
from trackrecord.server.settings import ServerSettings
from trackrecord.store.base import Store

__all__ = ["create_app"]


def create_app(settings: ServerSettings | Store) -> Starlette:
    """An ASGI app serving *settings* (a bare store: no auth, no audit log).

    The store must be safe to use from many threads.
    """
    if not isinstance(settings, ServerSettings):
        settings = ServerSettings(settings)
    guard = Guard(settings.store)
    routes: list[Route] = [
        *runs.routes(settings, guard),
        *artifacts.routes(settings, guard),
        *admin.routes(settings),
        *meta.routes(settings),
    ]
    return Starlette(routes=routes)
