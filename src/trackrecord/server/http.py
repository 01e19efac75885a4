"""What every endpoint shares: JSON responses, the one error shape, parameters,
and the wrapper that authenticates, authorises and audits a request.

Example:
    >>> Json({"status": "ok"}).body
    b'{"status":"ok"}'
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any, Final

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from trackrecord.errors import (
    AuthenticationError,
    InvalidValueError,
    TooLargeError,
    TrackRecordError,
)
from trackrecord.identity import ANONYMOUS, Identity
from trackrecord.record import wire
from trackrecord.record.events import decode_json
from trackrecord.server.response_json import response_json
from trackrecord.server.settings import Accounts, ServerSettings
from trackrecord.store.scope import project_scope

__all__ = [
    "Handler",
    "Json",
    "client_address",
    "endpoint",
    "error_response",
    "identity_of",
    "int_param",
    "json_body",
    "read_body",
]

Handler = Callable[[Request], Awaitable[Response]]
_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_NOBODY = "(unauthenticated)"  # who the audit log names when no valid token came
_LOG: Final = logging.getLogger("trackrecord.server")


class Json(JSONResponse):
    """JSON with non-finite floats tagged, as the store's canonical encoding does (keys in
    their given order: sorting them was a large part of answering a page of runs), encoded
    by orjson where it gives the same data (see :mod:`~trackrecord.server.response_json`)."""

    def render(self, content: Any) -> bytes:
        return response_json(content)


def error_response(error: TrackRecordError) -> Response:
    """The one error shape: ``{"error": {"code", "message"}}`` with the error's status.

    A failure of the server itself (a :class:`StoreError` other than a conflict, or an
    unexpected :class:`TrackRecordError`) is answered with a generic message and a
    reference; its detail, which may name the database, a path or SQL, goes only to the
    server's log under that reference.
    """
    code, status = wire.status_of(error)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    message = str(error)
    if status >= 500:
        reference = secrets.token_hex(4)
        _LOG.error("%s %s (reference %s)", type(error).__name__, message, reference)
        what = "its store failed" if status == 503 else "an internal error"
        message = (
            f"the server could not do this ({what}); try again later, and if it goes on, "
            f"give the server's admin the reference {reference}: it marks the detail in the "
            f"server's log"
        )
    return Json({"error": {"code": code, "message": message}}, status, headers)


def int_param(request: Request, name: str) -> int | None:
    """An integer query parameter, or None when absent."""
    value = request.query_params.get(name)
    try:
        number = None if value is None else int(value)
    except ValueError:
        raise InvalidValueError(f"query parameter {name}={value!r} must be an integer") from None
    if number is not None and not -(2**63) <= number < 2**63:
        raise InvalidValueError(f"query parameter {name}={value} is out of the 64-bit range")
    return number


async def read_body(request: Request) -> bytes:
    """The request's body, counted as it streams in against the server's
    ``request_bytes`` limit (set by :func:`endpoint`).

    Raises:
        TooLargeError: as soon as the body (or its declared Content-Length) is over
            the limit; what came so far is dropped, and the rest is never read.
    """
    limit: int | None = getattr(request.state, "body_limit", None)
    declared = request.headers.get("content-length", "")
    if limit is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    pieces, size = [], 0
    async for piece in request.stream():
        size += len(piece)
        if limit is not None and size > limit:
            raise _too_large(size, limit)
        pieces.append(piece)
    return b"".join(pieces)


def _too_large(size: int, limit: int) -> TooLargeError:
    return TooLargeError(
        f"the request body is over this server's limit of {limit:,} bytes (at least "
        f"{size:,} came); send less per request, or ask the operator to raise "
        f"--max-request-bytes"
    )


async def json_body(request: Request) -> dict[str, Any]:
    """The request's body as a JSON object ({} when empty); InvalidValueError otherwise."""
    raw = await read_body(request)
    try:
        data = decode_json(raw) if raw else {}
    except InvalidValueError:
        raise
    except ValueError:
        raise InvalidValueError("the request body must be a JSON object") from None
    if not isinstance(data, dict):
        raise InvalidValueError("the request body must be a JSON object")
    return data


def body_field(data: dict[str, Any], name: str, kind: type, default: Any = None) -> Any:
    """Field *name* of a JSON body, of type *kind* (*default* when absent or null)."""
    value = data.get(name)
    if value is None:
        return default
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise InvalidValueError(f"{name!r} must be a {kind.__name__}, not {value!r}")
    return value


def identity_of(request: Request) -> Identity:
    """Who the request acts for (set by :func:`endpoint`)."""
    identity: Identity = getattr(request.state, "identity", ANONYMOUS)
    return identity


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError(
            "this server needs a token: send 'Authorization: Bearer <token>' (the SDK sends "
            "TRACKRECORD_TOKEN); an admin creates one with: trackrecord admin token create USER"
        )
    return token.strip()


def client_address(request: Request) -> str:
    """Where a request came from: the connection's peer, or, behind a proxy named in
    ``ServerSettings.forwarded_allow_ips``, the client that proxy says it serves (the
    app's proxy-headers middleware has then put it in the request's ``client``).
    ``X-Forwarded-For`` from anyone else is not believed."""
    return request.client.host if request.client else "unknown"


def endpoint(
    settings: ServerSettings, action: str, handler: Handler, public: bool = False
) -> Handler:
    """*handler* behind authentication, the error shape and (for writes) the audit log.

    *action* names the operation in the audit log (``runs.append_events``); its target
    is the request's path parameters, or what the handler put in
    ``request.state.audit_target``. A *public* endpoint (signing in) needs no token.

    A read (GET, HEAD) runs inside the :func:`~trackrecord.store.scope.project_scope` of the
    projects its identity may read, so that on PostgreSQL row-level security hides every
    other project from whatever SQL the handler runs. Writes run unscoped: the checks that
    authorise them must see what other projects hold (a taken run id or name).

    An unexpected exception is logged and answered as a 500 in the one error shape,
    without its text; every write is audited however it ends (in a ``finally``).
    """

    async def answer(request: Request) -> Response:
        try:
            if settings.accounts is None:
                identity = ANONYMOUS
            elif public:
                identity = Identity(_NOBODY)
            else:
                identity = await _authenticate(settings.accounts, _bearer(request))
            request.state.identity = identity
            reads = identity.visible_projects() if request.method in _READS else None
            with project_scope(reads):
                return await handler(request)
        except TrackRecordError as error:
            return error_response(error)
        except Exception:
            return _internal_error(request, action)

    async def wrapped(request: Request) -> Response:
        request.state.body_limit = settings.limits.request_bytes
        response: Response | None = None
        try:
            response = await answer(request)
        finally:  # a write is audited however it ends; a crash as a 500
            refusal = await _audit(settings, action, request, response)
        if refusal is not None:
            return refusal
        assert response is not None  # answer() returns a response or raises
        return response

    return wrapped


async def _authenticate(accounts: Accounts, token: str) -> Identity:
    """The token's identity: from the accounts' cache when it was checked moments ago (no
    trip to a worker thread), else from the database."""
    known = accounts.cached_identity(token)
    if known is not None:
        return known
    return await run_in_threadpool(accounts.authenticate, token)


def _internal_error(request: Request, action: str) -> Response:
    """Log the exception being handled; answer 500 in the one error shape, no internals."""
    request_id = getattr(request.state, "request_id", None)
    _LOG.exception("%s failed (request id %s)", action, request_id)
    where = f" (request id {request_id})" if request_id else ""
    return error_response(
        TrackRecordError(
            f"the server failed to answer this request{where}; the operator finds the "
            f"cause in the server's log"
        )
    )


async def _audit(
    settings: ServerSettings, action: str, request: Request, response: Response | None
) -> Response | None:
    """Record a write in the audit log; an error response if it cannot be recorded."""
    if request.method in _READS or settings.audit is None:
        return None
    target = getattr(request.state, "audit_target", None) or "/".join(
        str(v) for v in request.path_params.values()
    )
    acting: Identity | None = getattr(request.state, "identity", None)
    user = acting.user if acting is not None else _NOBODY
    status = 500 if response is None else response.status_code
    try:  # batched and committed by the audit log's writer thread, awaited here
        await asyncio.wrap_future(
            settings.audit.append_later(user, action, str(target), client_address(request),
                                        status)
        )  # fmt: skip
    except TrackRecordError as error:  # unaudited is unanswered: the client retries
        return error_response(error)
    return None
