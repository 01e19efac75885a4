"""Structured access logs: one JSON line per HTTP request, and an ``X-Request-ID`` on every answer.

:class:`AccessLog` is a pure ASGI middleware (it never buffers a body, so streamed
artifacts stay streamed). Each line goes to the ``trackrecord.server.access``
logger at INFO, as the record's message; the same fields ride on the record as
``record.access`` for handlers that format their own. A line holds:

``time``
    when the request came in (UTC, ISO 8601, milliseconds)
``method``, ``path``, ``query``
    what was asked (``query`` only when there is one)
``status``, ``bytes``, ``duration_ms``
    how it ended: the status sent (500 when the app failed before answering),
    the body bytes sent, and the time until the last of them
``client``, ``forwarded_for``
    the peer address, and the ``X-Forwarded-For`` header when one came
``user``
    who the token belongs to (``request.state.identity``; absent without auth)
``request_id``
    the request's ``X-Request-ID`` when it sent a usable one, else a new id;
    handlers read it as ``request.state.request_id``
``error``
    the class of an exception that escaped the app, if one did

Nothing is printed until a handler is attached: the ``trackrecord server``
command calls :func:`log_to_stderr`.

Example:
    >>> app = Starlette(routes=routes, middleware=[Middleware(AccessLog)])  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Final

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trackrecord.identity import ANONYMOUS

__all__ = ["LOGGER_NAME", "AccessLog", "log_to_stderr"]

LOGGER_NAME: Final = "trackrecord.server.access"
_USABLE_ID: Final = re.compile(r"[A-Za-z0-9._:@+=/-]{1,128}")


class AccessLog:
    """Log each HTTP request of *app* as one JSON line to *logger*; tag answers with an id."""

    def __init__(self, app: ASGIApp, logger: logging.Logger | None = None) -> None:
        self.app = app
        self.logger = logger or logging.getLogger(LOGGER_NAME)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, arrived = time.perf_counter(), time.time()
        request_id = _request_id(scope)
        state = scope.setdefault("state", {})  # shared with every Request made from this scope
        state["request_id"] = request_id
        sent: dict[str, Any] = {"status": 500, "bytes": 0}

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            elif message["type"] == "http.response.body":
                sent["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        except BaseException as exc:
            sent["error"] = type(exc).__name__
            raise
        finally:
            if self.logger.isEnabledFor(logging.INFO):
                fields = _fields(scope, state, sent, arrived, time.perf_counter() - started)
                self.logger.info(json.dumps(fields), extra={"access": fields})


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text: str = value.decode("latin-1")
            if _USABLE_ID.fullmatch(text):
                return text
    return uuid.uuid4().hex


def _fields(
    scope: Scope, state: dict[str, Any], sent: dict[str, Any], arrived: float, seconds: float
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "time": datetime.fromtimestamp(arrived, timezone.utc).isoformat(timespec="milliseconds"),
        "method": scope["method"],
        "path": scope["path"],
    }
    if scope.get("query_string"):
        fields["query"] = scope["query_string"].decode("latin-1")
    fields |= {k: sent[k] for k in ("status", "bytes")}
    fields["duration_ms"] = round(seconds * 1000, 3)
    client = scope.get("client")
    fields["client"] = client[0] if client else None
    headers = dict(scope["headers"])
    if b"x-forwarded-for" in headers:
        fields["forwarded_for"] = headers[b"x-forwarded-for"].decode("latin-1")
    identity = state.get("identity")
    if identity is not None and identity is not ANONYMOUS:
        fields["user"] = identity.user
    fields["request_id"] = state["request_id"]
    if "error" in sent:
        fields["error"] = sent["error"]
    return fields


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler :func:`log_to_stderr` adds (told apart from any other)."""


def log_to_stderr(level: int = logging.INFO) -> logging.Handler:
    """Print the access log to stderr, one JSON line per request (once, however often called).

    Returns the handler, for a caller that wants to remove it again.
    """
    logger = logging.getLogger(LOGGER_NAME)
    for handler in logger.handlers:
        if isinstance(handler, _Stderr):
            return handler
    handler = _Stderr(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False  # a root handler would print each line a second time
    return handler
