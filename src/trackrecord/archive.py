"""Portable archives of whole runs: export from one store, import into another.

An archive is an uncompressed POSIX (pax) tar file::

    manifest.json               format name and version, TrackRecord version, created time,
                                and per run: id, project, name, status, parent, events, head
    runs/<run_id>.events        the run's events in seq order, framed as in the spool
                                (JSON header + raw little-endian columns of metric points)
    artifacts/sha256/<digest>   every artifact content named by the runs' artifact events,
                                older contents of re-logged paths included

Tar rather than zip: members stream in and out with constant memory, any
``tar`` reads it, and it compresses well as a whole when wanted (``zstd``).
Zip's per-member CRC adds nothing here: artifacts are named by their SHA-256
and every event carries its hash. Nothing is ever extracted to the file system.

Import checks the whole archive before it writes a run: the manifest's format
version, every event's hash and chain, that each run continues (or equals)
what the store already holds, and that every artifact a run names is present.
Then it stores the artifacts (each must hash to its name) and appends each
run's events in batches. Ids, times and hash chains are those of the events,
so they stay intact; importing the same archive twice changes nothing.

Example:
    >>> export_archive(store_a, [run.id], "runs.tar")  # doctest: +SKIP
    >>> import_archive(store_b, "runs.tar").imported  # doctest: +SKIP
    ('01jc3x...',)
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import struct
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, BinaryIO, Final, cast

from trackrecord import __version__
from trackrecord.artifacts.base import CHUNK_SIZE, file_sha256
from trackrecord.errors import ChainConflictError, NotFoundError, StoreError, TrackRecordError
from trackrecord.events import EVENT_TYPES, GENESIS, Event
from trackrecord.ids import is_run_id
from trackrecord.spool import decode_event, encode_event
from trackrecord.store.base import RunRecord, Store

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "ArchiveError",
    "ArchiveSummary",
    "ArchivedRun",
    "ImportSummary",
    "Progress",
    "export_archive",
    "import_archive",
]

FORMAT: Final = "trackrecord-archive"
FORMAT_VERSION: Final = 1
MANIFEST: Final = "manifest.json"

Progress = Callable[[int, int, str], None]
"""Called as work goes: ``(done, total, what)``, e.g. ``(3, 10, "run 01jc3x...")``."""

_FRAME: Final = struct.Struct("<4sII")  # the spool's record frame: magic, size, CRC-32
_FRAME_MAGIC: Final = b"TRS1"
_SPOOLED_BYTES: Final = 64 << 20  # a run's encoded events beyond this go to a temporary file
_BATCH_EVENTS: Final = 500
_BATCH_POINTS: Final = 1_000_000
_RUN_MEMBER = re.compile(r"runs/([0-9a-z]{26})\.events")
_ARTIFACT_MEMBER = re.compile(r"artifacts/sha256/([0-9a-f]{64})")


class ArchiveError(TrackRecordError, ValueError):
    """An archive that is not a TrackRecord archive, is damaged, or was altered."""


@dataclass(frozen=True)
class ArchivedRun:
    """A run as the manifest lists it; ``events`` is its count, ``head`` the last hash."""

    id: str
    project: str
    name: str
    status: str
    parent: str | None
    events: int
    head: str

    @classmethod
    def of(cls, run: RunRecord) -> ArchivedRun:
        """The manifest entry of a stored run, at its current head."""
        return cls(
            run.id, run.project, run.name, run.status, run.parent, run.head_seq, run.head_hash
        )


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


def _report(progress: Progress | None, done: int, total: int, what: str) -> None:
    if progress is not None:
        progress(done, total, what)


# ----------------------------------------------------------------------------- export


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
    created = time.time()
    digests: dict[str, int] = {}
    try:
        with tarfile.TarFile(
            partial, "w", format=tarfile.PAX_FORMAT, copybufsize=CHUNK_SIZE
        ) as tar:
            _add_bytes(tar, MANIFEST, _manifest(entries, created), created)
            for done, entry in enumerate(entries, 1):
                _add_run(tar, store, entry, digests, created)
                _report(progress, done, len(entries), f"run {entry.id}")
            for done, (digest, size) in enumerate(digests.items(), 1):
                _add_artifact(tar, store, digest, size, created)
                _report(progress, done, len(digests), f"artifact {digest[:12]}")
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


def _manifest(entries: list[ArchivedRun], created: float) -> bytes:
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "trackrecord_version": __version__,
        "created": datetime.fromtimestamp(created, timezone.utc).isoformat(timespec="seconds"),
        "runs": [asdict(e) for e in entries],
    }
    return json.dumps(manifest, indent=1, ensure_ascii=False).encode()


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
            digests.update(_artifacts_named(event))
            seq, prev = event.seq, event.hash
        if (seq, prev) != (entry.events, entry.head):
            raise StoreError(f"run {entry.id} lost events while it was exported; export again")
        size = buffer.tell()
        buffer.seek(0)
        tar.addfile(_member(f"runs/{entry.id}.events", size, mtime), buffer)


def _artifacts_named(event: Event) -> dict[str, int]:
    if event.type != "artifact":
        return {}
    return {f["sha256"]: int(f["size"]) for f in event.body["files"]}


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
            tar.addfile(_member(f"artifacts/sha256/{digest}", size, mtime), cast(IO[bytes], reader))
        except OSError as exc:  # shorter than its recorded size
            raise StoreError(f"artifact content {digest} cannot be read whole: {exc}") from exc
        if reader.digest.hexdigest() != digest or source.read(1):
            raise StoreError(
                f"artifact content {digest} in the store does not hash to its name; it "
                f"was altered or damaged (`trackrecord verify` names the runs it belongs to)"
            )


# ----------------------------------------------------------------------------- import


@dataclass
class _Plan:
    """What importing one run takes: the events after ``stored`` (the store's head seq)."""

    entry: ArchivedRun
    member: tarfile.TarInfo
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
    source = Path(path)
    with _open_tar(source) as tar:
        members = _members(tar, source)
        entries = _read_manifest(tar, members, source)
        plans = []
        for done, entry in enumerate(entries, 1):
            plans.append(_check_run(tar, members, store, entry, source))
            _report(progress, done, len(entries), f"check run {entry.id}")
        _check_artifacts_present(plans, members, store, source)
        stored, present = _put_artifacts(tar, members, store, source, progress)
        events = 0
        todo = [p for p in plans if not p.skip]
        for done, plan in enumerate(todo, 1):
            events += _append_run(tar, store, plan)
            _report(progress, done, len(todo), f"import run {plan.entry.id}")
    return ImportSummary(
        str(source),
        tuple(p.entry.id for p in todo),
        tuple(p.entry.id for p in plans if p.skip),
        events,
        stored,
        present,
    )


_COMPRESSED: Final = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}


def _open_tar(path: Path) -> tarfile.TarFile:
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except FileNotFoundError:
        raise NotFoundError(f"no archive at {path}; check the path") from None
    except IsADirectoryError:
        raise ArchiveError(f"{path} is a directory; give the archive file") from None
    try:
        return tarfile.TarFile(path, "r", copybufsize=CHUNK_SIZE)
    except tarfile.TarError:
        kind = next((k for magic, k in _COMPRESSED.items() if head.startswith(magic)), None)
        if kind:
            raise ArchiveError(
                f"{path} is {kind}-compressed; decompress it first (a TrackRecord archive "
                f"is an uncompressed tar, read with random access)"
            ) from None
        raise ArchiveError(
            f"{path} is not a TrackRecord archive (not a tar file); make one with "
            f"`trackrecord export archive`"
        ) from None


def _members(tar: tarfile.TarFile, path: Path) -> dict[str, tarfile.TarInfo]:
    """The archive's files by name; anything not of the archive layout is refused."""
    found: dict[str, tarfile.TarInfo] = {}
    for info in tar.getmembers():
        if info.isdir():
            continue
        known = info.name == MANIFEST or _RUN_MEMBER.fullmatch(info.name)
        if not info.isfile() or not (known or _ARTIFACT_MEMBER.fullmatch(info.name)):
            raise ArchiveError(
                f"{path} holds {info.name!r}, which is not part of a TrackRecord archive "
                f"(manifest.json, runs/<id>.events, artifacts/sha256/<digest>); refused"
            )
        if info.name in found:
            raise ArchiveError(f"{path} holds {info.name!r} twice; refused")
        found[info.name] = info
    return found


def _read_manifest(
    tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo], path: Path
) -> list[ArchivedRun]:
    if MANIFEST not in members:
        raise ArchiveError(f"{path} is not a TrackRecord archive: it has no {MANIFEST}")
    try:
        manifest = json.loads(_read_member(tar, members[MANIFEST]))
        name, version = manifest.get("format"), manifest.get("format_version")
    except (ValueError, AttributeError) as exc:
        raise ArchiveError(f"the {MANIFEST} of {path} is not a JSON object: {exc}") from None
    if name != FORMAT:
        raise ArchiveError(f"{path} is not a TrackRecord archive (its format is {name!r})")
    _check_version(version, path)
    try:
        entries = [ArchivedRun(**run) for run in manifest["runs"]]
    except (TypeError, KeyError) as exc:
        raise ArchiveError(f"the {MANIFEST} of {path} is damaged: {exc}") from None
    _check_entries(entries, members, path)
    return entries


def _check_version(version: Any, path: Path) -> None:
    if not isinstance(version, int) or version < 1:
        raise ArchiveError(
            f"{path} has an unknown archive format version {version!r}; this TrackRecord "
            f"reads version {FORMAT_VERSION}"
        )
    if version > FORMAT_VERSION:
        raise ArchiveError(
            f"{path} is in archive format version {version}, newer than this TrackRecord "
            f"({__version__}) reads (up to {FORMAT_VERSION}); upgrade with "
            f"pip install -U trackrecord"
        )


def _check_entries(
    entries: list[ArchivedRun], members: dict[str, tarfile.TarInfo], path: Path
) -> None:
    ids = [e.id for e in entries]
    listed = {f"runs/{i}.events" for i in ids}
    files = {name for name in members if _RUN_MEMBER.fullmatch(name)}
    if len(listed) != len(ids) or listed != files or not all(map(is_run_id, ids)):
        raise ArchiveError(
            f"the {MANIFEST} of {path} does not match its runs/ files "
            f"(listed: {len(ids)}, files: {len(files)}); the archive is damaged"
        )


def _read_member(tar: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(info)
    assert handle is not None  # a regular file, checked by _members
    return handle.read()


def _read_events(tar: tarfile.TarFile, info: tarfile.TarInfo) -> Iterator[Event]:
    """The framed events of a runs/ member; a damaged frame raises ArchiveError."""
    handle = tar.extractfile(info)
    assert handle is not None
    offset = 0
    while header := handle.read(_FRAME.size):
        magic, size, crc = _FRAME.unpack(header) if len(header) == _FRAME.size else (b"", 0, 0)
        payload = handle.read(size)
        if magic != _FRAME_MAGIC or len(payload) != size or zlib.crc32(payload) != crc:
            raise ArchiveError(f"{info.name} is damaged at byte {offset} (a bad record frame)")
        try:
            event = decode_event(payload)
        except (ValueError, KeyError, TypeError, IndexError, struct.error) as exc:
            raise ArchiveError(
                f"{info.name} has an undecodable event at byte {offset}: {exc}"
            ) from None
        offset += _FRAME.size + size
        yield event


def _check_run(
    tar: tarfile.TarFile,
    members: dict[str, tarfile.TarInfo],
    store: Store,
    entry: ArchivedRun,
    path: Path,
) -> _Plan:
    """Verify a run's events in the archive and decide what of it to append."""
    plan = _Plan(entry, members[f"runs/{entry.id}.events"])
    stored = _stored_head(store, entry.id)
    seq, prev, hash_at_stored = 0, GENESIS, None
    for event in _read_events(tar, plan.member):
        _check_event(event, entry, seq + 1, prev, path)
        try:
            plan.artifacts.update(_artifacts_named(event))
        except (KeyError, TypeError, ValueError):
            raise ArchiveError(f"event {event.seq} of run {entry.id} lists files badly") from None
        seq, prev = event.seq, event.hash
        if stored is not None and seq == stored[0]:
            hash_at_stored = event.hash
    if (seq, prev) != (entry.events, entry.head):
        raise ArchiveError(
            f"runs/{entry.id}.events in {path} holds {seq} events ending in {prev[:12]}, but "
            f"the manifest says {entry.events} ending in {entry.head[:12]}; the archive is damaged"
        )
    if stored is not None:
        if stored[0] >= entry.events:  # the store has all of it, or more
            same = _stored_hash(store, entry.id, entry.events, stored) == entry.head
            plan.skip = True
        else:  # the store has a beginning of it: extend
            same = hash_at_stored == stored[1]
            plan.stored = stored[0]
        if not same:
            raise _conflict(entry, stored[0], path)
    return plan


def _conflict(entry: ArchivedRun, stored: int, path: Path) -> ChainConflictError:
    return ChainConflictError(
        f"run {entry.id} in {path} conflicts with the run of that id in the store: their "
        f"events differ (store: {stored} events, archive: {entry.events}). Nothing was "
        f"imported; import into another store, or find the original record with "
        f"`trackrecord verify {entry.id}`"
    )


def _check_event(event: Event, entry: ArchivedRun, seq: int, prev: str, path: Path) -> None:
    where = f"event {event.seq} of run {entry.id} in {path}"
    if event.run_id != entry.id or event.seq != seq or event.prev != prev:
        raise ArchiveError(f"{where} does not continue the run's hash chain; it is damaged")
    if event.type not in EVENT_TYPES or (seq == 1) != (event.type == "run.start"):
        raise ArchiveError(
            f"{where} has the event type {event.type!r}, unexpected there for TrackRecord "
            f"{__version__}; if the archive is from a newer TrackRecord, upgrade with "
            f"pip install -U trackrecord"
        )
    if not event.verify():
        raise ArchiveError(
            f"{where} does not match its hash: the archive was altered or damaged. "
            f"Nothing was imported"
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


def _check_artifacts_present(
    plans: list[_Plan], members: dict[str, tarfile.TarInfo], store: Store, path: Path
) -> None:
    for plan in plans:
        for digest in sorted(plan.artifacts):
            if f"artifacts/sha256/{digest}" not in members and not _has_artifact(store, digest):
                raise ArchiveError(
                    f"run {plan.entry.id} names the artifact content {digest}, which is "
                    f"neither in {path} nor in the store; the archive is incomplete"
                )


def _has_artifact(store: Store, digest: str) -> bool:
    try:
        store.open_artifact(digest).close()
    except NotFoundError:
        return False
    return True


def _put_artifacts(
    tar: tarfile.TarFile,
    members: dict[str, tarfile.TarInfo],
    store: Store,
    path: Path,
    progress: Progress | None,
) -> tuple[int, int]:
    """Store every artifact of the archive, each checked against its name."""
    names = [n for n in members if _ARTIFACT_MEMBER.fullmatch(n)]
    stored = 0
    for done, name in enumerate(names, 1):
        digest = name.rsplit("/", 1)[1]
        handle: IO[bytes] | None = tar.extractfile(members[name])
        assert handle is not None
        if _has_artifact(store, digest):
            actual, _ = file_sha256(handle)  # type: ignore[arg-type]
        else:
            actual, _ = store.put_artifact(handle)  # type: ignore[arg-type]
            stored += 1
        if actual != digest:
            raise ArchiveError(
                f"{name} in {path} does not hash to its name (its content hashes to "
                f"{actual}): the archive was altered or damaged. No run was imported"
            )
        _report(progress, done, len(names), f"artifact {digest[:12]}")
    return stored, len(names) - stored


def _append_run(tar: tarfile.TarFile, store: Store, plan: _Plan) -> int:
    """Append the run's events after the stored head, in batches; return how many."""
    batch: list[Event] = []
    points = appended = 0
    for event in _read_events(tar, plan.member):
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
