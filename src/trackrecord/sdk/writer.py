"""The background writer: buffers → hash-chained events → spool → store.

One thread per run. Every ``interval`` seconds (or when asked to flush) it
drains the queued events and metric buffers, chains them (``seq``, ``prev``,
``hash``), appends them to the spool, and applies them to the store in batches.
If the spool or the store fails, it warns once, keeps the events (in memory and,
as far as the disk allows, in the spool), and tries again later — sooner after a
short failure, at most every few seconds during a long outage, and always at a
flush or at the end: the training loop never sees the failure. A run logged
offline has no store: its spool is its record until ``trackrecord sync``.

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
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.errors import StoreError, TrackRecordWarning
from trackrecord.event_schema import EventLimits
from trackrecord.events import Event, Points
from trackrecord.outbox import event_batches, ship_artifacts
from trackrecord.sdk.buffers import MetricBuffers
from trackrecord.spool import Spool
from trackrecord.store.base import Store

__all__ = ["MAX_EVENT_POINTS", "Writer", "metric_parts"]

MAX_RETRY_DELAY = 4.0
"""Seconds between tries to reach a store that keeps failing."""
MAX_EVENT_POINTS = 1_000_000
"""Points in one ``metrics`` event (24 MB), well within a server's request limit."""


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
        spool: Spool,
        buffers: MetricBuffers,
        head: tuple[int, str],
        outbox: LocalArtifactStore | None = None,
        interval: float = 0.25,
    ) -> None:
        self.run_id = run_id
        self.store, self.spool, self.buffers = store, spool, buffers
        self.interval = interval
        self.outbox = outbox
        self._shipped: set[str] = set()
        self.failure: BaseException | None = None
        self._seq, self._prev = head
        self._queue: deque[tuple[str, int, Mapping[str, Any]] | Callable[[], None]] = deque()
        self._unspooled: list[Event] = []
        self._unstored: list[Event] = []
        self._wake = threading.Event()
        self._done = threading.Condition()
        self._ticks = 0
        self._stopping = False
        self._force = False  # ship at the next tick even while backing off
        self._failures = 0  # store failures in a row
        self._retry_at = 0.0  # monotonic time of the next try to ship
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
        if self._unspooled:
            try:
                self.spool.append(self._unspooled)
                self._unspooled = []
            except OSError as exc:
                self._report(f"could not write the spool {self.spool.directory}", exc)
        if self._unstored and (force or time.monotonic() >= self._retry_at):
            self._ship()

    def _ship(self) -> None:
        """Send the unstored events in batches; on a failure, keep the rest and back off."""
        assert self.store is not None
        for batch in list(event_batches(self._unstored)):
            try:
                if self.outbox is not None:
                    ship_artifacts(batch, self.outbox, self.store, self._shipped)
                head = self.store.append_events(batch)
                self._unstored = self._unstored[len(batch) :]
                self.spool.acknowledge(head)
            except Exception as exc:
                self._failures += 1
                delay = self.interval * 2 ** min(self._failures, 8)
                self._retry_at = time.monotonic() + min(MAX_RETRY_DELAY, delay)
                self._report(
                    "could not write to the store; the data is kept in the spool and retried", exc
                )
                return
        self._failures = 0

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
        events = [self._next(*item) for item in items]
        for points in metric_parts(self.buffers.drain()):
            events.append(self._next("metrics", _now_ms(), {}, points))
        if end is not None:
            events.append(self._next(*end))
        return events

    def _next(
        self,
        type: str,
        time_ms: int,
        body: Mapping[str, Any],
        points: Mapping[str, Any] | None = None,
    ) -> Event:
        self._seq += 1
        event = Event.build(self.run_id, self._seq, type, time_ms, self._prev, body, points)
        self._prev = event.hash
        return event

    def _report(self, what: str, exc: BaseException) -> None:
        if self.failure is not None:
            return
        self.failure = exc
        with contextlib.suppress(Warning):  # warnings made errors must not kill the thread
            warnings.warn(
                f"TrackRecord {what} for run {self.run_id}: {exc}. Training goes on; "
                f"nothing logged is dropped.",
                TrackRecordWarning,
                stacklevel=2,
            )
