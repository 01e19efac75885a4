"""The HTTP API over a Store: ``create_app(store)`` returns an ASGI app.

Resources under ``/api/v1`` (the UI, the CLI and :class:`RemoteStore` are its
clients): projects, runs (search with the query language and cursors), a run's
events (append many at once, idempotent by seq; read since a seq), metric
series (raw columns) and downsampled buckets, and artifacts by digest
(streamed both ways). Every error has one JSON shape.

Example:
    >>> app = create_app(SqlStore.open(".trackrecord"))  # doctest: +SKIP
    >>> uvicorn.run(app, host="127.0.0.1", port=8080)  # doctest: +SKIP
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from trackrecord.errors import InvalidValueError, TrackRecordError
from trackrecord.events import canonical_json
from trackrecord.server import wire
from trackrecord.spool import FrameError, encode_event, read_frames
from trackrecord.store.base import Store

__all__ = ["create_app"]

Handler = Callable[[Request], Awaitable[Response]]


class _Json(JSONResponse):
    """JSON with non-finite floats tagged, as the store's canonical encoding does."""

    def render(self, content: Any) -> bytes:
        return canonical_json(content)


def _error(error: TrackRecordError) -> Response:
    code, status = wire.status_of(error)
    return _Json({"error": {"code": code, "message": str(error)}}, status_code=status)


def _handled(handler: Handler) -> Handler:
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except TrackRecordError as error:
            return _error(error)

    return wrapped


def _int(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    try:
        return None if value is None else int(value)
    except ValueError:
        raise InvalidValueError(f"query parameter {name}={value!r} must be an integer") from None


def create_app(store: Store) -> Starlette:
    """An ASGI app serving *store* (which must be safe to use from many threads)."""

    async def projects(request: Request) -> Response:
        found = await run_in_threadpool(store.list_projects)
        return _Json([p.__dict__ for p in found])

    async def search(request: Request) -> Response:
        q = request.query_params
        page = await run_in_threadpool(
            store.search_runs, q.get("q") or None, q.get("project"), q.getlist("order"),
            _int(request, "limit") or 100, q.get("cursor"), q.get("deleted") == "true",
        )  # fmt: skip
        rows = [wire.run_to_json(r) for r in page.runs]
        return _Json({"runs": rows, "next_cursor": page.next_cursor})

    async def run(request: Request) -> Response:
        found = await run_in_threadpool(store.get_run, request.path_params["run_id"])
        return _Json(wire.run_to_json(found))

    async def append(request: Request) -> Response:
        body = await request.body()
        try:
            events = await run_in_threadpool(lambda: list(read_frames(_stream(body), True)))
        except FrameError as exc:
            raise InvalidValueError(f"the events are not well framed: {exc}") from None
        if any(e.run_id != request.path_params["run_id"] for e in events):
            raise InvalidValueError("every event must belong to the run of the URL")
        head = await run_in_threadpool(store.append_events, events) if events else 0
        return _Json({"head_seq": head})

    async def events(request: Request) -> Response:
        run_id, since = request.path_params["run_id"], _int(request, "since") or 0
        types = request.query_params.getlist("type") or None
        found = await run_in_threadpool(lambda: list(store.read_events(run_id, since, types)))
        return Response(b"".join(encode_event(e) for e in found), media_type=wire.EVENTS_TYPE)

    async def series(request: Request) -> Response:
        run_id, key = request.path_params["run_id"], request.path_params["key"]
        start, end, buckets = _int(request, "from"), _int(request, "to"), _int(request, "buckets")
        if buckets is not None:
            view = await run_in_threadpool(store.metric_buckets, run_id, key, buckets, start, end)
            return _Json(wire.buckets_to_json(view))
        points = await run_in_threadpool(store.metric_series, run_id, key, start, end)
        return Response(wire.series_bytes(points), media_type=wire.SERIES_TYPE)

    async def artifacts(request: Request) -> Response:
        found = await run_in_threadpool(store.list_artifacts, request.path_params["run_id"])
        return _Json([a.__dict__ for a in found])

    async def put_artifact(request: Request) -> Response:
        with tempfile.TemporaryFile() as spooled:  # streamed to disk, never whole in memory
            async for chunk in request.stream():
                await run_in_threadpool(spooled.write, chunk)
            spooled.seek(0)
            digest, size = await run_in_threadpool(store.put_artifact, spooled)
        return _Json({"sha256": digest, "size": size})

    async def get_artifact(request: Request) -> Response:
        handle = await run_in_threadpool(store.open_artifact, request.path_params["sha256"])
        return StreamingResponse(_chunks(handle), media_type="application/octet-stream")

    routes = [
        Route("/api/v1/projects", _handled(projects)),
        Route("/api/v1/runs", _handled(search)),
        Route("/api/v1/runs/{run_id}", _handled(run)),
        Route("/api/v1/runs/{run_id}/events", _handled(append), methods=["POST"]),
        Route("/api/v1/runs/{run_id}/events", _handled(events), methods=["GET"]),
        Route("/api/v1/runs/{run_id}/metrics/{key:path}", _handled(series)),
        Route("/api/v1/runs/{run_id}/artifacts", _handled(artifacts)),
        Route("/api/v1/artifacts", _handled(put_artifact), methods=["POST"]),
        Route("/api/v1/artifacts/{sha256}", _handled(get_artifact)),
        Route("/healthz", _health),
    ]
    return Starlette(routes=routes)


async def _health(request: Request) -> Response:
    return _Json({"status": "ok"})


def _stream(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


async def _chunks(handle: Any) -> AsyncIterator[bytes]:
    try:
        async for block in iterate_in_threadpool(iter(lambda: handle.read(1 << 20), b"")):
            yield block
    finally:
        handle.close()
