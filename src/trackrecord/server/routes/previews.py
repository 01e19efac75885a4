"""Previews of artifact contents that a browser cannot show by itself: the first rows
of a Parquet table (``GET /api/v1/artifacts/{sha256}/table?rows=50``)."""

from __future__ import annotations

import shutil
import tempfile
from typing import Any, BinaryIO, Final

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trackrecord.artifacts.base import check_digest
from trackrecord.errors import InvalidValueError
from trackrecord.media.table_preview import preview_parquet
from trackrecord.server.guard import Guard
from trackrecord.server.http import Json, endpoint, identity_of, int_param
from trackrecord.server.settings import ServerSettings
from trackrecord.store.base import Store

__all__ = ["MAX_ROWS", "routes"]

MAX_ROWS: Final = 1000


def _table(store: Store, sha256: str, rows: int) -> dict[str, Any]:
    handle: BinaryIO = store.open_artifact(sha256)
    with handle:
        if handle.seekable():
            return preview_parquet(handle, rows)
        with tempfile.TemporaryFile() as spooled:  # Parquet is read from its end
            shutil.copyfileobj(handle, spooled, 1 << 20)
            spooled.seek(0)
            return preview_parquet(spooled, rows)


def routes(settings: ServerSettings, guard: Guard) -> list[Route]:
    """The preview endpoints."""

    async def table(request: Request) -> Response:
        digest = check_digest(request.path_params["sha256"])
        rows = int_param(request, "rows") or 50
        if not 1 <= rows <= MAX_ROWS:
            raise InvalidValueError(f"rows must be between 1 and {MAX_ROWS}, not {rows}")
        await run_in_threadpool(guard.artifact, identity_of(request), digest)
        return Json(await run_in_threadpool(_table, settings.store, digest, rows))

    return [
        Route("/api/v1/artifacts/{sha256}/table", endpoint(settings, "artifacts.table", table)),
    ]
