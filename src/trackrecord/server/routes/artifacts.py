"""Artifacts: a run's list of files, and contents by SHA-256 (streamed both ways)."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from typing import Any

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from trackrecord.server.guard import Guard
from trackrecord.server.http import Json, endpoint, identity_of
from trackrecord.server.settings import ServerSettings

__all__ = ["routes"]


def routes(settings: ServerSettings, guard: Guard) -> list[Route]:
    """The endpoints of artifacts."""
    store = settings.store

    async def listing(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        await run_in_threadpool(guard.run, identity_of(request), run_id, "viewer", "reading")
        found = await run_in_threadpool(store.list_artifacts, run_id)
        return Json([a.__dict__ for a in found])

    async def upload(request: Request) -> Response:
        guard.upload(identity_of(request))
        with tempfile.TemporaryFile() as spooled:  # streamed to disk, never whole in memory
            async for chunk in request.stream():
                await run_in_threadpool(spooled.write, chunk)
            spooled.seek(0)
            digest, size = await run_in_threadpool(store.put_artifact, spooled)
        return Json({"sha256": digest, "size": size})

    async def download(request: Request) -> Response:
        digest = request.path_params["sha256"]
        await run_in_threadpool(guard.artifact, identity_of(request), digest)
        handle = await run_in_threadpool(store.open_artifact, digest)
        return StreamingResponse(_chunks(handle), media_type="application/octet-stream")

    return [
        Route("/api/v1/runs/{run_id}/artifacts", endpoint(settings, "artifacts.list", listing)),
        Route(
            "/api/v1/artifacts", endpoint(settings, "artifacts.upload", upload), methods=["POST"]
        ),
        Route("/api/v1/artifacts/{sha256}", endpoint(settings, "artifacts.download", download)),
    ]


async def _chunks(handle: Any) -> AsyncIterator[bytes]:
    try:
        async for block in iterate_in_threadpool(iter(lambda: handle.read(1 << 20), b"")):
            yield block
    finally:
        handle.close()
