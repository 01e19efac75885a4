"""Reading an archive and checking it: its layout, manifest, events and their chains."""

from __future__ import annotations

import tarfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Final, cast

from trackrecord import __version__
from trackrecord.archive.format import (
    MANIFEST,
    ArchivedRun,
    artifact_member,
    is_artifact_member,
    is_run_member,
    parse_manifest,
    run_member,
)
from trackrecord.artifacts.base import CHUNK_SIZE
from trackrecord.errors import ArchiveError, NotFoundError
from trackrecord.ids import is_run_id
from trackrecord.record.events import EVENT_TYPES, GENESIS, Event
from trackrecord.record.framing import FrameError, read_frames

__all__ = ["ArchiveReader"]

_COMPRESSED: Final = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}


class ArchiveReader:
    """An archive opened for reading, with its layout and manifest checked.

    Nothing is extracted to the file system: members are read from the tar.

    Raises:
        NotFoundError: no file at *path*.
        ArchiveError: not a TrackRecord archive, a compressed one, a member not
            of the layout, or a manifest that is damaged, of an unknown format
            version, or does not match the runs/ members.

    Example:
        >>> with ArchiveReader(Path("runs.tar")) as reader:  # doctest: +SKIP
        ...     [run.id for run in reader.runs]
        ['01jc3x...']
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tar = _open_tar(path)
        try:
            self._members = _members(self._tar, path)
            self.runs = _read_manifest(self._tar, self._members, path)
        except BaseException:
            self._tar.close()
            raise

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the archive file."""
        self._tar.close()

    @property
    def artifacts(self) -> list[str]:
        """The digests of the artifact contents the archive holds, in its order."""
        return [n.rsplit("/", 1)[1] for n in self._members if is_artifact_member(n)]

    def has_artifact(self, digest: str) -> bool:
        """Whether the archive holds the artifact content *digest*."""
        return artifact_member(digest) in self._members

    def open_artifact(self, digest: str) -> BinaryIO:
        """The artifact content *digest* as a stream, unchecked against its name."""
        return _open_member(self._tar, self._members[artifact_member(digest)])

    def events(self, run_id: str) -> Iterator[Event]:
        """The events of run *run_id* as framed in the archive, unchecked against its chain.

        Raises:
            ArchiveError: a damaged record.
        """
        name = run_member(run_id)
        try:
            yield from read_frames(_open_member(self._tar, self._members[name]), strict=True)
        except FrameError as exc:
            raise ArchiveError(f"{name} is damaged at byte {exc.offset} ({exc})") from None

    def checked_events(self, entry: ArchivedRun) -> Iterator[Event]:
        """The events of the run *entry*, each checked against its hash and the run's chain.

        Raises:
            ArchiveError: a damaged, altered or unknown event (before it is
                yielded), or events that do not end at the manifest's head (after
                the last).
        """
        seq, prev = 0, GENESIS
        for event in self.events(entry.id):
            _check_event(event, entry, seq + 1, prev, self.path)
            yield event
            seq, prev = event.seq, event.hash
        if (seq, prev) != (entry.events, entry.head):
            raise ArchiveError(
                f"{run_member(entry.id)} in {self.path} holds {seq} events ending in "
                f"{prev[:12]}, but the manifest says {entry.events} ending in "
                f"{entry.head[:12]}; the archive is damaged"
            )


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
        known = info.name == MANIFEST or is_run_member(info.name)
        if not info.isfile() or not (known or is_artifact_member(info.name)):
            raise ArchiveError(
                f"{path} holds {info.name!r}, which is not part of a TrackRecord archive "
                f"(manifest.json, runs/<id>.events, artifacts/sha256/<digest>); refused"
            )
        if info.name in found:
            raise ArchiveError(f"{path} holds {info.name!r} twice; refused")
        found[info.name] = info
    return found


def _open_member(tar: tarfile.TarFile, info: tarfile.TarInfo) -> BinaryIO:
    handle = tar.extractfile(info)
    assert handle is not None  # a regular file, checked by _members
    return cast(BinaryIO, handle)


def _read_manifest(
    tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo], path: Path
) -> list[ArchivedRun]:
    if MANIFEST not in members:
        raise ArchiveError(f"{path} is not a TrackRecord archive: it has no {MANIFEST}")
    entries = parse_manifest(_open_member(tar, members[MANIFEST]).read(), path)
    ids = [e.id for e in entries]
    listed = {run_member(i) for i in ids}
    files = {name for name in members if is_run_member(name)}
    if len(listed) != len(ids) or listed != files or not all(map(is_run_id, ids)):
        raise ArchiveError(
            f"the {MANIFEST} of {path} does not match its runs/ files "
            f"(listed: {len(ids)}, files: {len(files)}); the archive is damaged"
        )
    return entries


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
