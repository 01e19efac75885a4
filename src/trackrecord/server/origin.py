"""What a server without auth lets a web browser do: no DNS rebinding, no cross-site writes.

A server without auth (``trackrecord ui``, or ``trackrecord server`` before its first
user) lets whatever reaches it read and write the store, and a web page the user visits
can reach it in two ways:

- **DNS rebinding**: the page points its own name at 127.0.0.1, and the browser then
  sends ``Host: attacker.example`` and lets the page read the answers. Only Host names
  that are loopback ones (``localhost``, ``127.0.0.1``, ``[::1]``, any loopback address;
  any port) or were allowed (``--allowed-host``) are answered: others get a 400.
- **Cross-site requests**: an HTML form or a ``fetch`` with a ``text/plain`` body is sent
  without asking the server first. A write (any method but GET, HEAD and OPTIONS) must
  therefore carry the :data:`~trackrecord.record.wire.CLIENT_HEADER` header, which a page
  cannot add to a cross-site request without a CORS preflight that this server never
  grants, and must not have a content type a form can send (``text/plain``,
  ``application/x-www-form-urlencoded``, ``multipart/form-data``): else a 403.

TrackRecord's own clients (the web UI, the SDK's ``RemoteStore``, the CLI and ``/docs``)
send the header on every request. A server with auth needs neither check: its
credentials are bearer tokens, which a browser never attaches to a request by itself.

Example:
    >>> guard = Middleware(OriginGuard, allowed_hosts=("box.lan",))
    >>> app = Starlette(routes=routes, middleware=[guard])  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from trackrecord.errors import ConfigurationError, PermissionDeniedError, TrackRecordError
from trackrecord.record.wire import CLIENT_HEADER
from trackrecord.server.hosts import host_name, is_loopback
from trackrecord.server.http import error_response

__all__ = ["OriginGuard"]

_SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
_FORM_TYPES: Final = frozenset(
    {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"}
)


class OriginGuard:
    """Refuse foreign Host names and cross-site writes before *app* sees them."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str] = ()) -> None:
        self.app = app
        self.allowed_hosts = frozenset(allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = self._refusal(scope) if scope["type"] == "http" else None
        if refusal is None:
            await self.app(scope, receive, send)
            return
        await error_response(refusal)(scope, receive, send)

    def _refusal(self, scope: Scope) -> TrackRecordError | None:
        headers = Headers(scope=scope)
        host = host_name(headers.get("host", ""))
        if not (is_loopback(host) or host in self.allowed_hosts):
            extra = "".join(f", {name}" for name in sorted(self.allowed_hosts))
            return ConfigurationError(
                f"this server has no auth, so it answers only to localhost, 127.0.0.1, [::1]"
                f"{extra}, not to Host {headers.get('host', '(none)')!r} (a web page may have "
                f"pointed its name at this machine); to use another name, start it with "
                f"--allowed-host NAME"
            )
        if scope["method"] in _SAFE_METHODS:
            return None
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if not headers.get(CLIENT_HEADER) or media_type in _FORM_TYPES:
            return PermissionDeniedError(
                f"this server has no auth, so it takes writes only from TrackRecord's clients: "
                f"send the {CLIENT_HEADER} header (any value) and a JSON, events or bytes "
                f"body, not a form's or text/plain (that keeps other web pages from writing "
                f"to your store)"
            )
        return None
