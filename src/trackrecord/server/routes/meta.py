"""``/healthz`` (the process answers) and ``/readyz`` (its database answers too)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trackrecord.errors import TrackRecordError
from trackrecord.server.http import Json
from trackrecord.server.settings import ServerSettings

__all__ = ["routes"]


def routes(settings: ServerSettings) -> list[Route]:
    """The probe endpoints (no token needed)."""

    async def health(request: Request) -> Response:
        return Json({"status": "ok"})

    async def ready(request: Request) -> Response:
        ping = getattr(settings.store, "ping", None)
        try:
            if ping is not None:
                await run_in_threadpool(ping)
        except TrackRecordError as exc:
            return Json({"status": "unavailable", "reason": str(exc)}, 503)
        return Json({"status": "ready", "auth": settings.auth_enabled})

    return [Route("/healthz", health), Route("/readyz", ready)]
