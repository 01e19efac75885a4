"""Import: the runs and artifacts of a checked archive, appended to a store."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from trackrecord.archive.format import (
    ArchivedRun,
    Progress,
    artifact_member,
    artifacts_named,
    report,
)
from trackrecord.archive.reader import ArchiveReader
from trackrecord.artifacts.base import file_sha256
from trackrecord.errors import ArchiveError, ChainConflictError, NotFoundError
from trackrecord.record.events import Event
from trackrecord.store.base import Store

__all__ = ["ImportSummary", "import_archive"]

_BATCH_EVENTS: Final = 500
_BATCH_POINTS: Final = 1_000_000


@dataclass(frozen=True)
class ImportSummary:
    """What :func:`import_archive` did: runs imported (new or extended) and skipped."""

    path: str
    imported: tuple[str, ...]
    skipped: tuple[str, ...]
    events: int
    artifacts: int
    artifacts_present: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass
class _Plan:
    """What importing one run takes: the events after ``stored`` (the store's head seq)."""

    entry: ArchivedRun
    stored: int = 0
    skip: bool = False
    artifacts: set[str] = field(default_factory=set)


def import_archive(
    store: Store, path: str | os.PathLike[str], progress: Progress | None = None
) -> ImportSummary:
    """Import the runs and artifacts of the archive at *path* into *store*.

    A run the store already holds with the same chain is skipped; one it holds
    with fewer events (a prefix of the same chain) is extended. The whole
    archive is checked before any run is written.

    Raises:
        NotFoundError: no file at *path*.
        ArchiveError: not a TrackRecord archive, a format version this TrackRecord
            does not know, or an altered or damaged event, artifact or manifest.
            No run is written then (artifact contents stored before an altered
            one stay in the artifact store, unreferenced).
        ChainConflictError: a run of the archive contradicts the run of the same
            id in the store; nothing is written.

    Example:
        >>> summary = import_archive(store, "runs.tar")  # doctest: +SKIP
        >>> summary.imported, summary.skipped  # doctest: +SKIP
        (('01jc3x...',), ())
    """
    with ArchiveReader(Path(path)) as reader:
        plans = []
        for done, entry in enumerate(reader.runs, 1):
            plans.append(_check_run(reader, store, entry))
            report(progress, done, len(reader.runs), f"check run {entry.id}")
        _check_artifacts_present(reader, plans, store)
        stored, present = _put_artifacts(reader, store, plans, progress)
        events = 0
        todo = [p for p in plans if not p.skip]
        for done, plan in enumerate(todo, 1):
            events += _append_run(reader, store, plan)
            report(progress, done, len(todo), f"import run {plan.entry.id}")
    return ImportSummary(
        str(reader.path),
        tuple(p.entry.id for p in todo),
        tuple(p.entry.id for p in plans if p.skip),
        events,
        stored,
        present,
    )


def _check_run(reader: ArchiveReader, store: Store, entry: ArchivedRun) -> _Plan:
    """Verify a run's events in the archive and decide what of it to append."""
    plan = _Plan(entry)
    stored = _stored_head(store, entry.id)
    hash_at_stored = None
    for event in reader.checked_events(entry):
        try:
            plan.artifacts.update(artifacts_named(event))
        except (KeyError, TypeError, ValueError):
            raise ArchiveError(f"event {event.seq} of run {entry.id} lists files badly") from None
        if stored is not None and event.seq == stored[0]:
            hash_at_stored = event.hash
    if stored is None:
        return plan
    if stored[0] >= entry.events:  # the store has all of it, or more
        same = _stored_hash(store, entry.id, entry.events, stored) == entry.head
        plan.skip = True
    else:  # the store has a beginning of it: extend
        same = hash_at_stored == stored[1]
        plan.stored = stored[0]
    if not same:
        raise _conflict(entry, stored[0], reader.path)
    return plan


def _conflict(entry: ArchivedRun, stored: int, path: Path) -> ChainConflictError:
    return ChainConflictError(
        f"run {entry.id} in {path} conflicts with the run of that id in the store: their "
        f"events differ (store: {stored} events, archive: {entry.events}). Nothing was "
        f"imported; import into another store, or find the original record with "
        f"`trackrecord verify {entry.id}`"
    )


def _stored_head(store: Store, run_id: str) -> tuple[int, str] | None:
    try:
        run = store.get_run(run_id)
    except NotFoundError:
        return None
    return run.head_seq, run.head_hash


def _stored_hash(store: Store, run_id: str, seq: int, head: tuple[int, str]) -> str | None:
    if seq == head[0]:
        return head[1]
    return next((e.hash for e in store.read_events(run_id, seq - 1)), None)


def _check_artifacts_present(reader: ArchiveReader, plans: list[_Plan], store: Store) -> None:
    for plan in plans:
        for digest in sorted(plan.artifacts):
            if not reader.has_artifact(digest) and not _has_artifact(store, digest):
                raise ArchiveError(
                    f"run {plan.entry.id} names the artifact content {digest}, which is "
                    f"neither in {reader.path} nor in the store; the archive is incomplete"
                )


def _has_artifact(store: Store, digest: str) -> bool:
    try:
        store.open_artifact(digest).close()
    except NotFoundError:
        return False
    return True


def _put_artifacts(
    reader: ArchiveReader, store: Store, plans: list[_Plan], progress: Progress | None
) -> tuple[int, int]:
    """Store every artifact of the archive, each checked against its name, and for a project
    whose runs name it (a server lets a project's runs name only content it was shown)."""
    digests = reader.artifacts
    projects = {d: p.entry.project for p in reversed(plans) if not p.skip for d in p.artifacts}
    stored = 0
    for done, digest in enumerate(digests, 1):
        handle = reader.open_artifact(digest)
        if _has_artifact(store, digest):
            actual, _ = file_sha256(handle)
        else:
            actual, _ = store.put_artifact(handle, projects.get(digest))
            stored += 1
        if actual != digest:
            raise ArchiveError(
                f"{artifact_member(digest)} in {reader.path} does not hash to its name (its "
                f"content hashes to {actual}): the archive was altered or damaged. No run "
                f"was imported"
            )
        report(progress, done, len(digests), f"artifact {digest[:12]}")
    return stored, len(digests) - stored


def _append_run(reader: ArchiveReader, store: Store, plan: _Plan) -> int:
    """Append the run's events after the stored head, in batches; return how many."""
    batch: list[Event] = []
    points = appended = 0
    for event in reader.events(plan.entry.id):
        if event.seq <= plan.stored:
            continue
        batch.append(event)
        points += event.point_count
        if len(batch) >= _BATCH_EVENTS or points >= _BATCH_POINTS:
            store.append_events(batch)
            appended += len(batch)
            batch, points = [], 0
    if batch:
        store.append_events(batch)
        appended += len(batch)
    return appended
