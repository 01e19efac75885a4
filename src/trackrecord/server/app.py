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

import contextlib
import functools
from collections.abc import AsyncIterator

import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from trackrecord.server.access_log import AccessLog
from trackrecord.server.guard import Guard
from trackrecord.server.http import Json
from trackrecord.server.origin import OriginGuard
from trackrecord.server.routes import (
    admin,
    artifacts,
    compliance,
    datasets,
    docs,
    evaluations,
    meta,
    previews,
    registry,
    runs,
    ui,
)
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
    routes: list[BaseRoute] = [
        *runs.routes(settings, guard),
        *artifacts.routes(settings, guard),
        *previews.routes(settings, guard),
        *datasets.routes(settings, guard),
        *registry.routes(settings, guard),
        *evaluations.routes(settings, guard),
        *compliance.routes(settings, guard),
        *admin.routes(settings),
        *meta.routes(settings),
        *docs.routes(),
        *ui.routes(),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(AccessLog), *_guards(settings)],
        exception_handlers={HTTPException: _http_error},
        lifespan=functools.partial(_lifespan, settings),
    )


@contextlib.asynccontextmanager
async def _lifespan(settings: ServerSettings, app: Starlette) -> AsyncIterator[None]:
    """At start, as many worker threads as the settings say; at shutdown, the audit log's
    queued entries committed (see :meth:`SqlAuditLog.append_later`; its writer thread stays,
    idle, for another app on the same settings)."""
    if settings.threads is not None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
    try:
        yield
    finally:
        if settings.audit is not None:
            await anyio.to_thread.run_sync(settings.audit.flush)


def _guards(settings: ServerSettings) -> list[Middleware]:
    """Proxy headers believed from the configured proxies only; without auth, the browser
    guard (see :mod:`trackrecord.server.origin`)."""
    guards: list[Middleware] = []
    if settings.forwarded_allow_ips:
        # uvicorn's, as `uvicorn --forwarded-allow-ips` uses it: X-Forwarded-For's last hop
        # that is not a trusted proxy becomes the request's client
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        proxies = list(settings.forwarded_allow_ips)
        guards.append(Middleware(ProxyHeadersMiddleware, trusted_hosts=proxies))
    if not settings.auth_enabled:
        guards.append(Middleware(OriginGuard, allowed_hosts=settings.allowed_hosts))
    return guards


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods in the one error shape."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    headers = exc.headers if isinstance(exc, HTTPException) else None
    if status == 404:
        code, message = "NOT_FOUND", f"no such endpoint: {request.url.path}; see /docs"
    elif status == 405:
        allowed = next((v for k, v in (headers or {}).items() if k.lower() == "allow"), "")
        code = "INVALID_REQUEST"
        message = f"{request.method} is not allowed on {request.url.path} (allowed: {allowed})"
    else:
        code, message = "INVALID_REQUEST", str(getattr(exc, "detail", exc))
    return Json({"error": {"code": code, "message": message}}, status, headers)
