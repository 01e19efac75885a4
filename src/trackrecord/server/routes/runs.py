"""Projects, runs (search with the query language and cursors), a run's events
(append many at once, idempotent by seq; read since a seq) and metric series
(raw columns, or downsampled buckets)."""

from __future__ import annotations

import functools
import io
import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trackrecord.errors import InvalidValueError, RunLockedError, TooLargeError
from trackrecord.event_schema import check_events
from trackrecord.record import wire
from trackrecord.record.events import Event
from trackrecord.record.framing import FrameError, encode_event, read_frames
from trackrecord.server.guard import Guard
from trackrecord.server.http import (
    Handler,
    Json,
    endpoint,
    identity_of,
    int_param,
    json_body,
    read_body,
)
from trackrecord.server.settings import ServerLimits, ServerSettings
from trackrecord.store import serialise
from trackrecord.store.base import RunPage, RunRecord, Store
from trackrecord.store.series import step_times
from trackrecord.values import check_key

__all__ = ["routes"]


def routes(settings: ServerSettings, guard: Guard) -> list[Route]:
    """The endpoints of projects, runs, events and metrics."""
    store = settings.store

    async def projects(request: Request) -> Response:
        found = await run_in_threadpool(store.list_projects)
        visible = identity_of(request).visible_projects()
        return Json([p.__dict__ for p in found if visible is None or p.name in visible])

    async def search(request: Request) -> Response:
        q = request.query_params
        scope = guard.search(identity_of(request), q.getlist("projects") or None)
        page: RunPage = await run_in_threadpool(
            functools.partial(
                store.search_runs, q.get("q") or None, q.get("project"), q.getlist("order"),
                int_param(request, "limit") or 100, q.get("cursor"), q.get("deleted") == "true",
                projects=scope,
            )
        )  # fmt: skip
        return Json({"runs": [serialise.run_to_json(r) for r in page.runs],
                     "next_cursor": page.next_cursor})  # fmt: skip

    async def run(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        await run_in_threadpool(guard.run, identity_of(request), run_id, "viewer", "reading")
        return Json(serialise.run_to_json(await run_in_threadpool(store.get_run, run_id)))

    async def append(request: Request) -> Response:
        body = await read_body(request)
        run_id, identity = request.path_params["run_id"], identity_of(request)

        def decode_check_store() -> int:  # one trip to a worker thread for all of it
            events = _read_events(body, settings.limits)
            if any(e.run_id != run_id for e in events):
                raise InvalidValueError("every event must belong to the run of the URL")
            # the shape first (it depends on nothing stored), so that the checks of what
            # the events name, which read their bodies, see only well-formed ones
            check_events(events, settings.limits.events)
            guard.append(identity, run_id, events)
            return store.append_events(events) if events else 0

        return Json({"head_seq": await run_in_threadpool(decode_check_store)})

    async def events(request: Request) -> Response:
        run_id, since = request.path_params["run_id"], int_param(request, "since") or 0
        types = request.query_params.getlist("type") or None
        await run_in_threadpool(guard.run, identity_of(request), run_id, "viewer", "reading")
        found = await run_in_threadpool(lambda: list(store.read_events(run_id, since, types)))
        return Response(b"".join(encode_event(e) for e in found), media_type=wire.EVENTS_TYPE)

    async def series(request: Request) -> Response:
        run_id, key = request.path_params["run_id"], request.path_params["key"]
        start, end = int_param(request, "from"), int_param(request, "to")
        buckets, identity = int_param(request, "buckets"), identity_of(request)
        times = request.query_params.get("times") == "true"  # for charts against time

        def chart(buckets: int) -> dict[str, Any]:  # one trip to a worker thread for all
            guard.run(identity, run_id, "viewer", "reading")
            view = store.metric_buckets(run_id, key, buckets, start, end)
            answer = serialise.buckets_to_json(view)
            if times:
                points = store.metric_series(run_id, key)
                answer["time_end"] = step_times(points, view.step_end).tolist()
                answer["time_first"] = int(points.times.min()) if len(points) else None
            return answer

        def raw() -> bytes:
            guard.run(identity, run_id, "viewer", "reading")
            return serialise.series_bytes(store.metric_series(run_id, key, start, end))

        if buckets is not None:
            return Json(await run_in_threadpool(chart, buckets))
        return Response(await run_in_threadpool(raw), media_type=wire.SERIES_TYPE)

    async def environment(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        await run_in_threadpool(guard.run, identity_of(request), run_id, "viewer", "reading")
        found = await run_in_threadpool(
            lambda: [e.body for e in store.read_events(run_id, 0, ["environment"])]
        )
        return Json(found[-1] if found else {})

    async def console(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        await run_in_threadpool(guard.run, identity_of(request), run_id, "viewer", "reading")
        lines = await run_in_threadpool(
            lambda: [line for e in store.read_events(run_id, 0, ["console"])
                     for line in e.body["lines"]]
        )  # fmt: skip
        return Json({"lines": lines})

    async def edit(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        await run_in_threadpool(guard.run, identity_of(request), run_id, "editor", "editing runs")
        changes = await json_body(request)
        if not changes or set(changes) - {"notes", "name"}:
            raise InvalidValueError('give "notes" (text or null) and/or "name" (text) to change')
        updated = await run_in_threadpool(_annotate, store, run_id, changes)
        return Json(serialise.run_to_json(updated))

    def at(path: str, action: str, handler: Handler, method: str = "GET") -> Route:
        return Route(path, endpoint(settings, action, handler), methods=[method])

    return [
        at("/api/v1/projects", "projects.list", projects),
        at("/api/v1/runs", "runs.search", search),
        at("/api/v1/runs/{run_id}", "runs.get", run),
        at("/api/v1/runs/{run_id}", "runs.edit", edit, "PATCH"),
        at("/api/v1/runs/{run_id}/events", "runs.append_events", append, "POST"),
        at("/api/v1/runs/{run_id}/events", "runs.read_events", events),
        at("/api/v1/runs/{run_id}/environment", "runs.environment", environment),
        at("/api/v1/runs/{run_id}/console", "runs.console", console),
        at("/api/v1/runs/{run_id}/metrics/{key:path}", "runs.metric", series),
    ]


def _read_events(body: bytes, limits: ServerLimits) -> list[Event]:
    """The framed events of a request (each is checked against the one schema once the
    guard has let the request in).

    Raises:
        TooLargeError: more than ``limits.events_per_request`` events.
        InvalidValueError: a record that is torn or not an event.
    """
    events: list[Event] = []
    try:
        for event in read_frames(io.BytesIO(body), True):
            if len(events) == limits.events_per_request:
                raise TooLargeError(
                    f"more than {limits.events_per_request:,} events in one request (this "
                    f"server's --max-events-per-request); send them in several requests"
                )
            events.append(event)
    except FrameError as exc:
        raise InvalidValueError(f"the events are not well framed: {exc}") from None
    return events


def _annotate(store: Store, run_id: str, changes: dict[str, Any]) -> RunRecord:
    """Append the events that change a finished run's notes or name; return the run."""
    run = store.get_run(run_id)
    if run.status == "running":
        raise RunLockedError(
            f"run {run_id} is still being logged; edit it when it has ended (or from the "
            f"training code: run.notes = ...)"
        )
    notes, name = changes.get("notes"), changes.get("name")
    if "notes" in changes and notes is not None and not isinstance(notes, str):
        raise InvalidValueError(f"notes must be text or null, not {notes!r}")
    if "name" in changes:
        name = check_key(name, "run name")
    seq, prev = run.head_seq, run.head_hash
    events = []
    for type_, body in (("notes", {"text": notes}), ("run.rename", {"name": name})):
        if (type_ == "notes" and "notes" in changes) or (type_ == "run.rename" and name):
            seq += 1
            event = Event.build(run_id, seq, type_, time.time_ns() // 1_000_000, prev, body)
            events.append(event)
            prev = event.hash
    store.append_events(events)
    return store.get_run(run_id)
