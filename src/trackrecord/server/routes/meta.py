"""``/healthz`` (the process answers) and ``/readyz`` (its database answers too)."""

from __future__ import annotations

from typing import Final

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trackrecord.errors import TrackRecordError
from trackrecord.server.http import Json
from trackrecord.server.settings import ServerSettings

__all__ = ["routes"]

READY_WITHIN: Final = 3.0
"""Seconds the database has to answer ``/readyz`` (a probe must not hang)."""


def routes(settings: ServerSettings) -> list[Route]:
    """The probe endpoints (no token needed)."""

    async def health(request: Request) -> Response:
        return Json({"status": "ok"})

    async def ready(request: Request) -> Response:
        ping = getattr(settings.store, "ping", None)
        try:
            with anyio.fail_after(READY_WITHIN):
                if ping is not None:
                    await anyio.to_thread.run_sync(ping, abandon_on_cancel=True)
        except TrackRecordError as exc:
            return Json({"status": "unavailable", "reason": str(exc)}, 503)
        except TimeoutError:
            reason = f"the database did not answer within {READY_WITHIN:g} s"
            return Json({"status": "unavailable", "reason": reason}, 503)
        return Json({"status": "ready", "auth": settings.auth_enabled})

    return [Route("/healthz", health), Route("/readyz", ready)]
