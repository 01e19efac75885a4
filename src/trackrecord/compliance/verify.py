"""Verifying a run's record: recompute the hash chain and check the views against it.

``verify`` walks a run's events in order and checks, for each, that its
``seq`` follows the previous one, that its ``prev`` is the previous event's
hash, and that its hash matches its content (metric points included, read
back from the stored chunks). Then it checks that the materialised views the
UI and queries read (params, tags, metric summaries, artifacts) say what the
events say, and that each artifact's stored bytes still hash to its digest.

Example:
    >>> result = verify_run(store, run_id)  # doctest: +SKIP
    >>> bool(result), result.events        # doctest: +SKIP
    (True, 42)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from trackrecord.artifacts.base import file_sha256
from trackrecord.errors import NotFoundError
from trackrecord.events import GENESIS, Event, canonical_json
from trackrecord.store.base import RunRecord, Store
from trackrecord.values import flatten_params

__all__ = ["VerifyResult", "check_chain", "verify_run"]


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of :func:`verify_run`; true when the record is intact."""

    run_id: str
    ok: bool
    events: int
    head_hash: str
    bad_seq: int | None = None
    problem: str | None = None

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.ok:
            return f"OK: run {self.run_id}, {self.events} events, chain head {self.head_hash}"
        where = f" at event {self.bad_seq}" if self.bad_seq is not None else ""
        return f"FAILED: run {self.run_id}{where}: {self.problem}"


class _Replay:
    """What the views should hold, rebuilt from the events."""

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        self.tags: dict[str, str] = {}
        self.counts: dict[str, int] = {}
        self.last: dict[str, float] = {}
        self.files: dict[str, str] = {}

    def add(self, event: Event) -> None:
        body = event.body
        if event.type == "run.start":
            self.params.update(flatten_params(body.get("config") or {}))
            self.tags.update(body.get("tags") or {})
        elif event.type == "params":
            self.params.update(flatten_params(body["params"]))
        elif event.type == "tags":
            self.tags.update(body["tags"])
        elif event.type == "artifact":
            self.files.update({f["path"]: f["sha256"] for f in body["files"]})
        for key, points in event.points.items():
            if len(points):
                self.counts[key] = self.counts.get(key, 0) + len(points)
                self.last[key] = float(points.values[-1])


def check_chain(events: list[Event]) -> tuple[int | None, str | None]:
    """The first broken link of a hash chain of events: (seq, problem), or (None, None)."""
    prev, expected = GENESIS, 1
    for event in events:
        if event.seq != expected:
            return expected, f"event {expected} is missing (found {event.seq} next)"
        if event.prev != prev:
            return (
                event.seq,
                "its link to the previous event is broken (an event was removed, "
                "reordered or altered before it)",
            )
        if event.expected_hash() != event.hash:
            return (
                event.seq,
                f"its content does not match its hash (a stored {event.type} value was altered)",
            )
        prev, expected = event.hash, expected + 1
    return None, None


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def _check_views(run: RunRecord, replay: _Replay, store: Store, artifacts: bool) -> str | None:
    if canonical_json(run.params) != canonical_json(replay.params):  # NaN-safe comparison
        changed = sorted(
            k
            for k in set(run.params) | set(replay.params)
            if canonical_json(run.params.get(k)) != canonical_json(replay.params.get(k))
        )
        return f"the params table differs from the events for: {', '.join(changed)}"
    if run.tags != replay.tags:
        return "the tags table differs from the events"
    for key, count in replay.counts.items():
        summary = run.summaries.get(key)
        if summary is None or summary.count != count or not _same(summary.last, replay.last[key]):
            return f"the summary of metric {key!r} differs from the events"
    stored = {a.path: a.sha256 for a in store.list_artifacts(run.id)}
    if stored != replay.files:
        return "the artifacts table differs from the events"
    return _check_artifact_bytes(replay.files, store) if artifacts else None


def _check_artifact_bytes(files: dict[str, str], store: Store) -> str | None:
    for path, sha256 in files.items():
        try:
            with store.open_artifact(sha256) as handle:
                actual, _ = file_sha256(handle)
        except NotFoundError:
            return f"the content of artifact {path!r} is missing from the artifact store"
        if actual != sha256:
            return f"the stored content of artifact {path!r} was altered"
    return None


def verify_run(store: Store, run_id: str, artifacts: bool = True) -> VerifyResult:
    """Recompute a run's chain and check its views; never raises for a damaged record."""
    run = store.get_run(run_id)
    try:
        events = list(store.read_events(run_id))
    except Exception as exc:  # a damaged record must be reported, not raised
        return VerifyResult(run_id, False, 0, run.head_hash, None, f"cannot read events: {exc}")
    bad_seq, problem = check_chain(events)
    if problem is None and (
        not events or events[-1].hash != run.head_hash or events[-1].seq != run.head_seq
    ):
        problem = "the run's recorded chain head does not match its last event"
    if problem is None:
        replay = _Replay()
        for event in events:
            replay.add(event)
        problem = _check_views(run, replay, store, artifacts)
    return VerifyResult(run_id, problem is None, len(events), run.head_hash, bad_seq, problem)
