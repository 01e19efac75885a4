"""Export: runs of a store, with their artifacts, written to an archive."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, Final, cast

from trackrecord.archive.format import (
    MANIFEST,
    ArchivedRun,
    Progress,
    artifact_member,
    artifacts_named,
    manifest_bytes,
    report,
    run_member,
)
from trackrecord.artifacts.base import CHUNK_SIZE
from trackrecord.errors import NotFoundError, StoreError
from trackrecord.record.events import GENESIS
from trackrecord.record.framing import encode_event
from trackrecord.store.base import Store

__all__ = ["ArchiveSummary", "export_archive"]

_SPOOLED_BYTES: Final = 64 << 20  # a run's encoded events beyond this go to a temporary file


@dataclass(frozen=True)
class ArchiveSummary:
    """What :func:`export_archive` wrote."""

    path: str
    runs: tuple[str, ...]
    events: int
    artifacts: int
    artifact_bytes: int
    size: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def export_archive(
    store: Store,
    run_ids: Sequence[str],
    path: str | os.PathLike[str],
    progress: Progress | None = None,
) -> ArchiveSummary:
    """Write the runs *run_ids* of *store*, with their artifacts, to a tar archive at *path*.

    Each run is exported up to its head when the export starts. The archive is
    written beside *path* and renamed into place at the end, so a failed export
    leaves no partial archive.

    Raises:
        NotFoundError: a run id is not in the store.
        StoreError: a run's chain or an artifact's content in *store* is damaged
            (``trackrecord verify`` says where).

    Example:
        >>> export_archive(store, [run.id], "runs.tar").events  # doctest: +SKIP
        12
    """
    runs = sorted({r.id: r for r in map(store.get_run, run_ids)}.values(), key=lambda r: r.id)
    entries = [ArchivedRun.of(run) for run in runs]
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    try:
        digests = _write(partial, store, entries, progress)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return ArchiveSummary(
        str(target),
        tuple(e.id for e in entries),
        sum(e.events for e in entries),
        len(digests),
        sum(digests.values()),
        target.stat().st_size,
    )


def _write(
    path: Path, store: Store, entries: list[ArchivedRun], progress: Progress | None
) -> dict[str, int]:
    """Write the archive of *entries* to *path*; return the artifacts put in, by digest."""
    created = time.time()
    digests: dict[str, int] = {}
    with tarfile.TarFile(path, "w", format=tarfile.PAX_FORMAT, copybufsize=CHUNK_SIZE) as tar:
        _add_bytes(tar, MANIFEST, manifest_bytes(entries, created), created)
        for done, entry in enumerate(entries, 1):
            _add_run(tar, store, entry, digests, created)
            report(progress, done, len(entries), f"run {entry.id}")
        for done, (digest, size) in enumerate(digests.items(), 1):
            _add_artifact(tar, store, digest, size, created)
            report(progress, done, len(digests), f"artifact {digest[:12]}")
    return digests


def _member(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o644
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, content: bytes, mtime: float) -> None:
    tar.addfile(_member(name, len(content), mtime), io.BytesIO(content))


def _add_run(
    tar: tarfile.TarFile, store: Store, entry: ArchivedRun, digests: dict[str, int], mtime: float
) -> None:
    """Encode the run's events up to its head into a spooled buffer, then add it."""
    with tempfile.SpooledTemporaryFile(max_size=_SPOOLED_BYTES) as buffer:
        seq, prev = 0, GENESIS
        for event in store.read_events(entry.id):
            if event.seq > entry.events:
                break  # logged after the export began; the manifest's head is the snapshot
            if event.seq != seq + 1 or event.prev != prev or not event.verify():
                raise StoreError(
                    f"event {event.seq} of run {entry.id} does not match its hash chain in "
                    f"the store; run `trackrecord verify {entry.id}` to see what was altered"
                )
            buffer.write(encode_event(event))
            digests.update(artifacts_named(event))
            seq, prev = event.seq, event.hash
        if (seq, prev) != (entry.events, entry.head):
            raise StoreError(f"run {entry.id} lost events while it was exported; export again")
        size = buffer.tell()
        buffer.seek(0)
        tar.addfile(_member(run_member(entry.id), size, mtime), buffer)


class _HashingReader:
    """Reads a stream through, hashing what passes (tarfile pulls exactly the member size)."""

    def __init__(self, source: BinaryIO) -> None:
        self.source = source
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        block = self.source.read(size)
        self.digest.update(block)
        return block


def _add_artifact(tar: tarfile.TarFile, store: Store, digest: str, size: int, mtime: float) -> None:
    try:
        opened = store.open_artifact(digest)
    except NotFoundError:
        raise StoreError(
            f"artifact content {digest}, named by an exported run, is missing from the store "
            f"(`trackrecord verify` names the runs it belongs to)"
        ) from None
    with opened as source:
        reader = _HashingReader(source)
        try:
            tar.addfile(_member(artifact_member(digest), size, mtime), cast(IO[bytes], reader))
        except OSError as exc:  # shorter than its recorded size
            raise StoreError(f"artifact content {digest} cannot be read whole: {exc}") from exc
        if reader.digest.hexdigest() != digest or source.read(1):
            raise StoreError(
                f"artifact content {digest} in the store does not hash to its name; it "
                f"was altered or damaged (`trackrecord verify` names the runs it belongs to)"
            )
