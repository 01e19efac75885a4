"""What every endpoint shares: JSON responses, the one error shape, parameters,
and the wrapper that authenticates, authorises and audits a request.

Example:
    >>> Json({"status": "ok"}).body
    b'{"status":"ok"}'
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from trackrecord.errors import AuthenticationError, InvalidValueError, TrackRecordError
from trackrecord.events import compact_json, decode_json
from trackrecord.identity import ANONYMOUS, Identity
from trackrecord.server import wire
from trackrecord.server.settings import ServerSettings

__all__ = [
    "Handler",
    "Json",
    "client_address",
    "endpoint",
    "error_response",
    "identity_of",
    "int_param",
]

Handler = Callable[[Request], Awaitable[Response]]
_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_NOBODY = "(unauthenticated)"  # who the audit log names when no valid token came


class Json(JSONResponse):
    """JSON with non-finite floats tagged, as the store's canonical encoding does (keys in
    their given order: sorting them was a large part of answering a page of runs)."""

    def render(self, content: Any) -> bytes:
        return compact_json(content)


def error_response(error: TrackRecordError) -> Response:
    """The one error shape: ``{"error": {"code", "message"}}`` with the error's status."""
    code, status = wire.status_of(error)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return Json({"error": {"code": code, "message": str(error)}}, status, headers)


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


async def json_body(request: Request) -> dict[str, Any]:
    """The request's body as a JSON object ({} when empty); InvalidValueError otherwise."""
    raw = await request.body()
    try:
        data = decode_json(raw) if raw else {}
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
    """Where a request came from: the first X-Forwarded-For hop, else the peer address."""
    forwarded = request.headers.get("x-forwarded-for", "").split(",")[0].strip()
    return forwarded or (request.client.host if request.client else "unknown")


def endpoint(
    settings: ServerSettings, action: str, handler: Handler, public: bool = False
) -> Handler:
    """*handler* behind authentication, the error shape and (for writes) the audit log.

    *action* names the operation in the audit log (``runs.append_events``); its target
    is the request's path parameters, or what the handler put in
    ``request.state.audit_target``. A *public* endpoint (signing in) needs no token.
    """

    async def wrapped(request: Request) -> Response:
        try:
            if settings.accounts is None:
                identity = ANONYMOUS
            elif public:
                identity = Identity(_NOBODY)
            else:
                identity = await run_in_threadpool(settings.accounts.authenticate, _bearer(request))
            request.state.identity = identity
            response = await handler(request)
        except TrackRecordError as error:
            response = error_response(error)
        if request.method not in _READS and settings.audit is not None:
            target = getattr(request.state, "audit_target", None) or "/".join(
                str(v) for v in request.path_params.values()
            )
            acting: Identity | None = getattr(request.state, "identity", None)
            user = acting.user if acting is not None else _NOBODY
            try:
                await run_in_threadpool(
                    settings.audit.append, user, action, str(target), client_address(request),
                    response.status_code,
                )  # fmt: skip
            except TrackRecordError as error:  # unaudited is unanswered: the client retries
                return error_response(error)
        return response

    return wrapped
