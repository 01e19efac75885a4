"""The background writer: buffers → hash-chained events → spool → store.

One thread per run. Every ``interval`` seconds (or when asked to flush) it
drains the queued events and metric buffers, chains them (``seq``, ``prev``,
``hash``), appends them to the spool, and applies them to the store in batches.
If the spool or the store fails, it warns, keeps the events (in the spool —
moved to the store's fallback directory if its disk refuses, see
:mod:`~trackrecord.sdk.safekeeping` — else in memory), and tries again later:
sooner after a short failure, at most every few seconds during a long outage,
and always at a flush or at the end. The training loop never sees the failure,
and :meth:`Writer.summary` says at the end what the store lacks and where it is.
A run logged offline has no store: its spool is its record until ``trackrecord sync``.

One bad event never blocks the events behind it: an event that cannot be
chained, or that the store refuses as invalid, is set aside in the run's
quarantine file with a warning naming it (see :mod:`~trackrecord.sdk.quarantine`),
and the events after it are chained anew without it.

Under ``TRACKRECORD_STRICT=1`` (the test suite sets it) a failure the writer
survived is raised again by :meth:`Writer.close`, so it cannot go unnoticed.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.errors import (
    ConfigurationError,
    InvalidValueError,
    StoreError,
    TrackRecordWarning,
)
from trackrecord.event_schema import EventLimits
from trackrecord.outbox import event_batches, ship_artifacts
from trackrecord.record.events import Event, Points
from trackrecord.sdk.buffers import MetricBuffers
from trackrecord.sdk.quarantine import Quarantine, describe
from trackrecord.sdk.safekeeping import Safekeeping
from trackrecord.store.base import Store

__all__ = ["MAX_EVENT_POINTS", "Writer", "metric_parts"]

MAX_RETRY_DELAY = 4.0
"""Seconds between tries to reach a store that keeps failing."""
MAX_EVENT_POINTS = 1_000_000
"""Points in one ``metrics`` event (24 MB), well within a server's request limit."""

REFUSED = (InvalidValueError, ConfigurationError)
"""What a store raises when it refuses what events say (a server's 400), not when it fails."""
_STARTS = ("run.start", "run.resume")  # set aside, the run would have no beginning: they wait


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def metric_parts(
    points: Mapping[str, Points],
    max_points: int = MAX_EVENT_POINTS,
    max_keys: int = EventLimits().keys_per_event,
) -> Iterator[dict[str, Points]]:
    """*points* cut into ``metrics`` events of at most *max_points* points and *max_keys*
    keys (the default limits of a store and a server), keys and points in order."""
    part: dict[str, Points] = {}
    count = 0
    for key, series in points.items():
        start = 0
        while start < len(series):
            if count == max_points or len(part) == max_keys:
                yield part
                part, count = {}, 0
            end = min(len(series), start + max_points - count)
            part[key] = Points(series.steps[start:end], series.values[start:end],
                               series.times[start:end])  # fmt: skip
            count += end - start
            start = end
    if part:
        yield part


class Writer:
    """Chains and ships one run's events from a background thread (*store* None: offline)."""

    def __init__(
        self,
        run_id: str,
        store: Store | None,
        spool: Safekeeping,
        buffers: MetricBuffers,
        head: tuple[int, str],
        outboxes: Callable[[], Sequence[LocalArtifactStore]] | None = None,
        quarantine: Quarantine | None = None,
        interval: float = 0.25,
    ) -> None:
        self.run_id = run_id
        self.store, self.spool, self.buffers = store, spool, buffers
        self.interval = interval
        self.outboxes = outboxes
        """Where artifact bytes named by events may wait to be sent (see Workspace.outboxes)."""
        self.quarantine = quarantine
        self.unavailable: str | None = None
        """Why a run that should log to a store has none (it could not be opened)."""
        self._shipped: set[str] = set()
        self.failure: BaseException | None = None
        self._warned: set[str] = set()
        self._seq, self._prev = head
        self._chained = (0, 0)  # events and metric points chained by this process
        self._queue: deque[tuple[str, int, Mapping[str, Any]] | Callable[[], None]] = deque()
        self._unspooled: list[Event] = []
        self._unstored: list[Event] = []
        self._wake = threading.Event()
        self._done = threading.Condition()
        self._ticks = 0
        self._stopping = False
        self._force = False  # ship at the next tick even while backing off
        self._failures = 0  # store failures in a row
        self._store_error: Exception | None = None  # the last one
        self._retry_at = 0.0  # monotonic time of the next try to ship
        spool.listen(self.notify)
        self._thread = threading.Thread(
            target=self._loop, name=f"trackrecord-{run_id}", daemon=True
        )
        self._thread.start()

    def submit(self, type: str, body: Mapping[str, Any]) -> None:
        """Queue a non-metric event; it is chained in submission order."""
        self._queue.append((type, _now_ms(), body))

    def call_soon(self, task: Callable[[], None]) -> None:
        """Run *task* on the writer thread before the next events (e.g. capture)."""
        self._queue.append(task)

    def flush(self, timeout: float | None = None) -> bool:
        """Block until everything logged before this call was tried; True if stored."""
        with self._done:
            target = self._ticks + 2  # the tick under way may have missed the latest data
            self._force = True
            self._wake.set()
            self._done.wait_for(
                lambda: self._ticks >= target or not self._thread.is_alive(), timeout
            )
        return self.stored and not self._unspooled

    @property
    def stored(self) -> bool:
        """Whether every chained event is in the store (never, offline)."""
        return self.store is not None and not self._unstored

    def close(self, final: Mapping[str, Any] | None = None, timeout: float | None = None) -> bool:
        """Ship everything (then *final* as ``run.end``) and stop; True if all is stored.

        Offline, it is never all stored: the spool keeps the run for ``trackrecord sync``.
        """
        if final is not None:
            self.submit("run.end", final)
        self._stopping = True
        self._wake.set()
        self._thread.join(timeout)
        return self.stored and not self._unspooled

    def summary(self) -> str | None:
        """After :meth:`close`: what the store lacks, where it is kept, and what is lost.

        None when the store has everything (or, offline, when the spool has it).
        """
        lines = []
        lost = _tally(self._unspooled)
        waiting = _tally(self._unstored) if self.store is not None else self._chained
        if (self.store is not None or self.unavailable) and waiting[0] > lost[0]:
            why = self.unavailable or f"it failed: {self._store_error or 'no answer in time'}"
            lines.append(
                f"{_count(waiting[0] - lost[0], waiting[1] - lost[1])} are not in the store "
                f"({why}). They are kept in {self.spool.directory}, and are sent the next time "
                f"a run, a reader or `trackrecord sync` opens the store"
            )
        if lost[0]:
            lines.append(
                f"{_count(*lost)} could be kept neither in the store nor on any disk "
                f"({self.spool.failure}) and are lost"
            )
        if self.quarantine is not None and self.quarantine.count:
            where = self.quarantine.path or "no file: none could be written"
            lines.append(
                f"{self.quarantine.count} logged values that cannot be stored were set aside "
                f"in {where}"
            )
        return f"TrackRecord run {self.run_id}: " + "; ".join(lines) + "." if lines else None

    def raise_if_failed(self) -> None:
        """Under ``TRACKRECORD_STRICT=1``, raise the failure the writer survived, if any."""
        if os.environ.get("TRACKRECORD_STRICT") == "1" and self.failure is not None:
            raise StoreError(
                f"the writer of run {self.run_id} failed: {self.failure}"
            ) from self.failure

    def _loop(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            stopping = self._stopping
            with self._done:  # flush() sets it under this lock
                force, self._force = self._force or stopping, False
            self._tick(force)
            with self._done:
                self._ticks += 1
                self._done.notify_all()
            if stopping:
                return

    def _tick(self, force: bool) -> None:
        try:
            events = self._chain()
        except Exception as exc:  # a bug in chaining must not kill the thread silently
            self._report("could not prepare events", exc)
            return
        self._unspooled += events
        if self.store is not None:
            self._unstored += events
        self._keep()
        if self._unstored and (force or time.monotonic() >= self._retry_at):
            self._ship()

    def _keep(self) -> None:
        if self._unspooled:
            with contextlib.suppress(OSError):  # the spool said why; tried again next tick
                self.spool.append(self._unspooled, self._spooled_unstored)
                self._unspooled = []

    def _spooled_unstored(self) -> list[Event] | None:
        """The events before the unspooled ones that the store lacks (None: offline, all)."""
        if self.store is None:
            return None
        return self._unstored[: len(self._unstored) - len(self._unspooled)]  # a suffix of it

    def _ship(self) -> None:
        """Send the unstored events in batches; on a failure, keep the rest and back off."""
        assert self.store is not None
        try:
            while self._unstored:
                batch = next(event_batches(self._unstored))
                try:
                    self._store(batch)
                except REFUSED as exc:
                    self._set_aside(batch, exc)
        except Exception as exc:
            self._store_error = exc
            self._failures += 1
            delay = self.interval * 2 ** min(self._failures, 8)
            self._retry_at = time.monotonic() + min(MAX_RETRY_DELAY, delay)
            self._report("could not write to the store", exc)
            return
        self._failures, self._store_error = 0, None

    def _store(self, batch: list[Event]) -> None:
        assert self.store is not None
        if self.outboxes is not None and any(e.type == "artifact" for e in batch):
            ship_artifacts(batch, self.outboxes(), self.store, self._shipped)
        head = self.store.append_events(batch)
        stored = 0
        while stored < len(self._unstored) and self._unstored[stored].seq <= head:
            stored += 1
        del self._unstored[:stored]
        if self._unspooled:  # what the store has needs no spool
            self._unspooled = [e for e in self._unspooled if e.seq > head]
        self.spool.acknowledge(head)

    def _set_aside(self, batch: list[Event], reason: Exception) -> None:
        """Store the batch's events up to the one the store refuses; set that one aside."""
        while len(batch) > 1:  # halve the batch until one event is left: the refused one
            half = batch[: len(batch) // 2]
            try:
                self._store(half)
                batch = batch[len(half) :]
            except REFUSED as exc:
                batch, reason = half, exc
        try:
            self._store(batch)
            return  # refused with others, it is taken alone
        except REFUSED as exc:
            reason = exc
        event = batch[0]
        assert self._unstored[0] is event
        if event.type in _STARTS:
            raise reason  # the run cannot go on without its start: everything waits, and says so
        instead = _split(event)
        if not instead:
            what = f"{describe(event.type, event.body, event.points)} (event {event.seq})"
            self._quarantine(what, reason, event.body, event.points)
            if event.type == "run.end" and event.body.get("error") is not None:
                instead = [("run.end", event.time, {**event.body, "error": None}, None)]
        self._rechain(event, instead)

    def _rechain(self, dropped: Event, instead: list[_Item]) -> None:
        """Chain *instead* and the unstored events after *dropped* anew, from its place."""
        after = [(e.type, e.time, e.body, e.points) for e in self._unstored[1:]]
        self._seq, self._prev = dropped.seq - 1, dropped.prev
        self._unstored = []
        for item in [*instead, *after]:
            self._chain_one(self._unstored, *item)
        self.spool.restart(dropped.seq)
        self._unspooled = list(self._unstored)
        self._keep()

    def _chain(self) -> list[Event]:
        items: list[tuple[str, int, Mapping[str, Any]]] = []
        while self._queue:
            item = self._queue.popleft()
            if not callable(item):
                items.append(item)
                continue
            try:
                item()
            except Exception as exc:  # e.g. environment capture; the run goes on without it
                self._report("could not run a background task", exc)
        # metrics drained now were logged before a queued run.end, and a background task
        # (capture) may have queued events after it: keep the end last, as the store
        # accepts nothing but annotations after a run's end
        ends = [item for item in items if item[0] == "run.end"]
        items = [item for item in items if item[0] != "run.end"]
        end = ends[-1] if ends else None
        events: list[Event] = []
        for type, time_ms, body in items:
            self._chain_one(events, type, time_ms, body)
        for points in metric_parts(self.buffers.drain(self._refused_points)):
            self._chain_one(events, "metrics", _now_ms(), {}, points)
        if end is not None:
            self._chain_one(events, *end)
        return events

    def _chain_one(
        self,
        events: list[Event],
        type: str,
        time_ms: int,
        body: Mapping[str, Any],
        points: Mapping[str, Points] | None = None,
    ) -> None:
        """Chain one event onto *events*; one that cannot be encoded is set aside instead."""
        try:
            event = Event.build(self.run_id, self._seq + 1, type, time_ms, self._prev, body, points)
        except Exception as exc:  # e.g. a body that is not JSON, or nested past the stack
            self._quarantine(describe(type, body, points or {}), exc, body, points)
            return
        self._seq, self._prev = event.seq, event.hash
        self._chained = (self._chained[0] + 1, self._chained[1] + event.point_count)
        events.append(event)

    def _refused_points(self, key: str, columns: dict[str, list[Any]], exc: Exception) -> None:
        self._quarantine(f"metric {key!r}", exc, {}, {key: columns})

    def _quarantine(
        self,
        what: str,
        reason: BaseException,
        body: Mapping[str, Any],
        points: Mapping[str, Any] | None,
    ) -> None:
        self.failure = self.failure or reason
        if self.quarantine is not None:
            self.quarantine.keep(what, reason, body, points)

    def notify(self, what: str, exc: BaseException) -> None:
        """Warn about a failure of the spool (each kind once), saying where events are now."""
        self._report(what, exc)

    def _report(self, what: str, exc: BaseException) -> None:
        self.failure = self.failure or exc
        if what in self._warned:
            return
        self._warned.add(what)
        where = self.spool.directory
        kept = (
            f"what is logged is kept in the spool {where} until the store takes it"
            if where is not None
            else "what is logged waits in memory only, and is lost if the process ends first"
        )
        with contextlib.suppress(Warning):  # warnings made errors must not kill the thread
            warnings.warn(
                f"TrackRecord {what}, for run {self.run_id}: {exc}. Training goes on; {kept}.",
                TrackRecordWarning,
                stacklevel=2,
            )


_Item = tuple[str, int, Mapping[str, Any], Mapping[str, Points] | None]


def _split(event: Event) -> list[_Item]:
    """A refused metrics event of several keys, as one event per key (to find the bad one)."""
    if event.type != "metrics" or len(event.points) < 2:
        return []
    return [("metrics", event.time, event.body, {k: p}) for k, p in event.points.items()]


def _tally(events: list[Event]) -> tuple[int, int]:
    return len(events), sum(e.point_count for e in events)


def _count(events: int, points: int) -> str:
    return f"{events:,} event{'' if events == 1 else 's'} ({points:,} metric points)"
