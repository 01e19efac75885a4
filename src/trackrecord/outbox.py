"""What waits on local disk to be sent: spooled events and the artifact bytes they name.

A run logging to a server stores artifact contents in a local, content-addressed
outbox (``<dir>/outbox``) instead of uploading them in the training loop. Before
the writer (or a later recovery, or ``trackrecord sync``) sends an ``artifact``
event, it uploads the contents the event names, so the server never holds an
event whose bytes it lacks.

:func:`ship_spools` sends the spools that no live process holds, in batches,
each run from the first event the store lacks: an interrupted ship is simply
run again, and the store keeps each event once (idempotent by ``(run, seq)``).
:func:`clean_outbox` then removes the contents no unsent event names.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.errors import (
    AuthenticationError,
    ChainConflictError,
    NotFoundError,
    StoreError,
    TrackRecordError,
)
from trackrecord.record.events import Event, canonical_json
from trackrecord.registrations import Registration, apply_registrations, has_registrations
from trackrecord.spool import (
    is_offline,
    live_since,
    lock_directory,
    named_artifacts,
    read_spool,
    run_directories,
    unlock_directory,
)
from trackrecord.store.base import Store

__all__ = [
    "Shipment",
    "WaitingRun",
    "clean_outbox",
    "event_batches",
    "ship_artifacts",
    "ship_spools",
    "waiting_runs",
]

BATCH_BYTES = 8 << 20
"""About how many bytes of events one request carries."""
BATCH_EVENTS = 1000
"""At most how many events one request carries."""


def ship_artifacts(
    events: Iterable[Event],
    outboxes: Sequence[LocalArtifactStore],
    store: Store,
    shipped: set[str] | None = None,
) -> int:
    """Upload the contents that *events* (of one run) name and an outbox holds; return the
    bytes uploaded.

    They are uploaded for the run's project, whose runs may then name them. Contents in
    *shipped* are skipped, and those uploaded are added to it. A content no outbox holds
    was stored directly.
    """
    batch = list(events)
    project: str | None = None
    sent = 0
    for event in batch:
        if event.type != "artifact":
            continue
        for record in event.body["files"]:
            digest = str(record["sha256"])
            if shipped is not None and digest in shipped:
                continue
            holder = next((o for o in outboxes if o.exists(digest)), None)
            if holder is not None:
                project = project or _project_of(batch, store)
                with holder.open(digest) as handle:
                    sent += store.put_artifact(handle, project)[1]
            if shipped is not None:
                shipped.add(digest)
    return sent


def _project_of(events: list[Event], store: Store) -> str:
    """The project of the run of *events*: from its start, or from the store."""
    for event in events:
        if event.type == "run.start":
            return str(event.body["project"])
    return store.get_run(events[0].run_id).project


def event_batches(
    events: Iterable[Event], max_bytes: int | None = None, max_events: int | None = None
) -> Iterator[list[Event]]:
    """*events* cut into consecutive lists of at most *max_events* and about *max_bytes*
    (default: :data:`BATCH_EVENTS` and :data:`BATCH_BYTES`).

    Example:
        >>> [len(b) for b in event_batches(events, max_events=2)]  # doctest: +SKIP
        [2, 2, 1]
    """
    max_bytes = BATCH_BYTES if max_bytes is None else max_bytes
    max_events = BATCH_EVENTS if max_events is None else max_events
    batch: list[Event] = []
    size = 0
    for event in events:
        # points count 24 bytes each; a body its JSON (a console batch may hold megabytes)
        body = len(canonical_json(event.body)) if event.body else 0
        weight = 256 + 24 * event.point_count + body
        if batch and (len(batch) >= max_events or size + weight > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(event)
        size += weight
    if batch:
        yield batch


@dataclass
class Shipment:
    """What shipping one run's spool did: sent so far, and how it ended."""

    run_id: str
    offline: bool
    events: int = 0
    """Events sent (those the store lacked)."""
    artifact_bytes: int = 0
    """Bytes of artifact contents uploaded from the outbox."""
    crashed: bool = False
    """The spool held no end of the run (its process died): it was ended as ``crashed``."""
    done: bool = False
    """Everything is in the store and the spool is removed."""
    live: bool = False
    """Skipped: a live process is writing the run."""
    error: TrackRecordError | None = None
    """Why shipping stopped part-way (run it again to send the rest)."""
    registrations: list[Registration] = field(default_factory=list)
    """The model registrations that waited with the run, and what became of each."""


Progress = Callable[[Shipment], None]


def ship_spools(
    root: Path,
    store: Store,
    outboxes: Sequence[LocalArtifactStore] = (),
    offline: bool = True,
    progress: Progress | None = None,
    skip: Collection[str] = (),
) -> list[Shipment]:
    """Send every spool under *root* that no live process holds to *store*; remove it after.

    Artifact contents waiting in *outboxes* are uploaded before the events that
    name them. A run that never recorded its end is ended as ``crashed``. Runs
    logged offline are sent only with *offline* (``trackrecord sync``; automatic
    recovery leaves them); runs in *skip* are left alone. *progress* is called
    after each batch and at the end of each run. Errors do not raise: they end
    the run's :class:`Shipment`, and a store that cannot be reached ends the
    whole ship (the rest waits for a retry).

    Example:
        >>> for shipment in ship_spools(workspace.spool_root, store):  # doctest: +SKIP
        ...     print(shipment.run_id, shipment.events)
    """
    shipments = []
    for directory in run_directories(root):
        marked = is_offline(directory)
        if (marked and not offline) or directory.name in skip:
            continue
        shipment = Shipment(directory.name, marked)
        if _ship_locked(directory, store, outboxes, shipment, progress) is None:
            continue  # an empty spool of a finished run: removed, nothing to say
        shipments.append(shipment)
        if progress is not None:
            progress(shipment)
        if _unreachable(shipment.error):
            break
    return shipments


def _unreachable(error: TrackRecordError | None) -> bool:
    """Whether an error means the store is away or refuses us (so other runs would fail too)."""
    if isinstance(error, AuthenticationError):
        return True
    return isinstance(error, StoreError) and not isinstance(error, ChainConflictError)


def _ship_locked(
    directory: Path,
    store: Store,
    outboxes: Sequence[LocalArtifactStore],
    shipment: Shipment,
    progress: Progress | None,
) -> Shipment | None:
    fd = lock_directory(directory, wait=0.0)
    if fd is None:
        shipment.live = True
        return shipment
    try:
        if not any(directory.glob("*.log")) and not has_registrations(directory):
            shutil.rmtree(directory, ignore_errors=True)  # its events were all stored
            return None
        try:
            _ship_directory(directory, store, outboxes, shipment, progress)
            shipment.registrations = apply_registrations(directory, store)
            if has_registrations(directory):
                shipment.error = StoreError("the store stopped answering before registering")
                return shipment
        except TrackRecordError as exc:
            shipment.error = exc
            return shipment
        except OSError as exc:  # this run's local files: the other runs may still go
            shipment.error = TrackRecordError(f"cannot read what waits in {directory}: {exc}")
            return shipment
        shutil.rmtree(directory, ignore_errors=True)
        shipment.done = True
        return shipment
    finally:
        unlock_directory(fd)


def _ship_directory(
    directory: Path,
    store: Store,
    outboxes: Sequence[LocalArtifactStore],
    shipment: Shipment,
    progress: Progress | None,
) -> None:
    run_id = shipment.run_id
    head = _head(store, run_id)
    missing = (e for e in read_spool(directory) if e.seq > head)
    for batch in event_batches(missing):
        if outboxes:
            shipment.artifact_bytes += ship_artifacts(batch, outboxes, store)
        store.append_events(batch)
        shipment.events += len(batch)
        if progress is not None:
            progress(shipment)
    if shipment.events or head:
        shipment.crashed = _end_if_running(store, run_id)


def _head(store: Store, run_id: str) -> int:
    try:
        return store.get_run(run_id).head_seq
    except NotFoundError:
        return 0


def _end_if_running(store: Store, run_id: str) -> bool:
    """A spooled run with no end: its process died. Record that, so it does not run forever."""
    run = store.get_run(run_id)
    if run.status != "running":
        return False
    end = Event.build(
        run.id,
        run.head_seq + 1,
        "run.end",
        int(time.time() * 1000),
        run.head_hash,
        {
            "status": "crashed",
            "error": {
                "type": "ProcessDied",
                "message": "the process logging this run ended without finishing it; "
                "its spooled events were recovered",
                "traceback": None,
            },
        },
    )
    store.append_events([end])
    return True


@dataclass
class WaitingRun:
    """A run whose events wait in a local spool (see :func:`waiting_runs`)."""

    run_id: str
    offline: bool
    live: bool
    events: int = 0
    first_seq: int = 0
    last_seq: int = 0
    label: str = ""
    """``project/name`` when the spool holds the run's start."""
    ended: bool = False
    """Whether the spool holds the run's end."""
    artifacts: dict[str, int] = field(default_factory=dict)
    """Contents named by the events and still in the outbox: sha256 to size."""

    @property
    def artifact_bytes(self) -> int:
        """The bytes of :attr:`artifacts`."""
        return sum(self.artifacts.values())


def waiting_runs(root: Path, outbox: LocalArtifactStore | None = None) -> list[WaitingRun]:
    """The runs with events in spools under *root*, read from local disk only.

    It shows what ``trackrecord sync`` would send at most: events the store
    already holds (from an earlier, interrupted sync) are counted too.
    """
    found = []
    for directory in run_directories(root):
        if not any(directory.glob("*.log")):
            continue
        run = WaitingRun(directory.name, is_offline(directory), live_since(directory) is not None)
        for event in read_spool(directory):
            run.events += 1
            run.first_seq = run.first_seq or event.seq
            run.last_seq = event.seq
            if event.type == "run.start":
                run.label = f"{event.body.get('project')}/{event.body.get('name')}"
            run.ended = run.ended or event.type == "run.end"
            if event.type == "artifact" and outbox is not None:
                for record in event.body.get("files", ()):
                    if outbox.exists(digest := str(record["sha256"])):
                        run.artifacts[digest] = int(record["size"])
        found.append(run)
    return found


def clean_outbox(outbox: LocalArtifactStore, spool_roots: Sequence[Path]) -> int:
    """Remove the outbox contents that no event waiting in a spool names; return bytes freed.

    Contents stored since the oldest live run under *spool_roots* started, or
    since this clean-up started, are kept too: a live run may have stored them
    for an event it has not spooled yet.
    """
    directories = [d for root in spool_roots for d in run_directories(root)]
    starts = [t for d in directories if (t := live_since(d)) is not None]
    cutoff = min([_file_clock(outbox.root), *starts])  # taken before the spools are read
    candidates = list(outbox.digests(stored_before=cutoff))
    if not candidates:
        return 0
    needed: set[str] = set()
    for directory in directories:
        needed |= named_artifacts(directory)
    freed = 0
    for digest in candidates:
        if digest not in needed:
            freed += outbox.remove(digest, stored_before=cutoff)
    return freed


def _file_clock(root: Path) -> float:
    """The time now, as the file system stamps files (coarser than :func:`time.time`)."""
    staging = root / "tmp"
    staging.mkdir(parents=True, exist_ok=True)
    probe = staging / f"clock-{os.getpid()}-{time.monotonic_ns()}"
    probe.touch()
    try:
        return probe.stat().st_mtime
    finally:
        probe.unlink()
