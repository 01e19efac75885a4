"""``/openapi.json`` (the API described) and ``/docs`` (a page to read and try it).

The page is one self-contained file, ``static/docs.html``: it loads nothing
from the network but ``openapi.json`` and the API itself, so the docs work on
an air-gapped server. Its script and style are pinned by hash in a
Content-Security-Policy, which also keeps them from reaching other origins.
Neither route needs a token: the document is the same for every server.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from importlib import resources

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from trackrecord.record.events import canonical_json
from trackrecord.server.openapi import document

__all__ = ["page", "routes"]


@cache
def page() -> tuple[bytes, str]:
    """The docs page and its Content-Security-Policy (hashes of its inline script and style)."""
    html = resources.files("trackrecord.server").joinpath("static/docs.html").read_text("utf-8")
    sources = {kind: [_digest(body) for body in re.findall(rf"<{kind}>(.*?)</{kind}>", html, re.S)]
               for kind in ("script", "style")}  # fmt: skip
    policy = "; ".join((
        "default-src 'none'", f"script-src {' '.join(sources['script'])}",
        f"style-src {' '.join(sources['style'])}", "connect-src 'self'", "img-src 'self' data:",
        "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
    ))  # fmt: skip
    return html.encode("utf-8"), policy


@cache
def _document_json() -> bytes:
    return canonical_json(document())


def _digest(text: str) -> str:
    return (
        "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"
    )


def routes() -> list[Route]:
    """The document and the page."""

    async def openapi(request: Request) -> Response:
        return Response(_document_json(), media_type="application/json")

    async def docs(request: Request) -> Response:
        html, policy = page()
        return HTMLResponse(html, headers={"Content-Security-Policy": policy,
                                           "X-Content-Type-Options": "nosniff"})  # fmt: skip

    return [Route("/openapi.json", openapi), Route("/docs", docs)]
