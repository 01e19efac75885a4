"""The spool: a run's events on local disk until the store has them.

Each live run writes its events to ``spool/<run_id>/<first seq>.log`` before
shipping them to the store, and holds an exclusive lock on
``spool/<run_id>/lock`` while it lives. Records are framed with their length
and CRC-32, so a write torn by a crash is detected and dropped on reading. A run
logged offline (``TRACKRECORD_MODE=offline``) also has a ``spool/<run_id>/offline``
marker: only ``trackrecord sync`` ships it.

When a process dies (even by SIGKILL) its lock is released by the OS. Whoever
opens the store next — a reader or a writer — ships the events the store lacks
(see :mod:`trackrecord.outbox`), ends the run as ``crashed``, and removes the
spool. Shipping is idempotent by ``(run, seq)``, so recovering twice, or after a
partial ship, never duplicates.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import struct
import sys
import time
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Final

import numpy as np

from trackrecord.errors import RunLockedError
from trackrecord.events import Event, Points

if sys.platform != "win32":
    import fcntl

__all__ = [
    "OFFLINE_MARKER",
    "FrameError",
    "Spool",
    "is_offline",
    "live_since",
    "lock_directory",
    "named_artifacts",
    "read_frames",
    "read_spool",
    "run_directories",
    "unlock_directory",
]

_MAGIC: Final = b"TRS1"
_FRAME: Final = struct.Struct("<4sII")  # a record's frame: magic, payload size, CRC-32
_READ_PIECE: Final = 16 << 20
SEGMENT_BYTES: Final = 64 << 20
OFFLINE_MARKER: Final = "offline"


class FrameError(ValueError):
    """A torn, corrupt or undecodable record at byte ``offset`` of a stream.

    Raised only by :func:`read_frames` with ``strict=True``; its callers say
    which file it is and raise their own error (an archive's ``ArchiveError``).
    """

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(reason)
        self.offset = offset


def encode_event(event: Event) -> bytes:
    """One framed spool record: header JSON plus the points' raw columns."""
    meta = {
        "run": event.run_id,
        "seq": event.seq,
        "type": event.type,
        "time": event.time,
        "prev": event.prev,
        "hash": event.hash,
        "body": event.body,
        "points": [[k, len(p)] for k, p in event.points.items()],
    }
    head = json.dumps(meta, separators=(",", ":"), allow_nan=True).encode()
    parts = [struct.pack("<I", len(head)), head]
    for p in event.points.values():
        parts += [
            p.steps.astype("<i8").tobytes(),
            p.values.astype("<f8").tobytes(),
            p.times.astype("<i8").tobytes(),
        ]
    payload = b"".join(parts)
    return _FRAME.pack(_MAGIC, len(payload), zlib.crc32(payload)) + payload


def decode_event(payload: bytes) -> Event:
    """Inverse of :func:`encode_event` (without the frame)."""
    (size,) = struct.unpack_from("<I", payload)
    meta: dict[str, Any] = json.loads(payload[4 : 4 + size])
    offset, points = 4 + size, {}
    for key, n in meta["points"]:
        cols = []
        for dtype in ("<i8", "<f8", "<i8"):
            cols.append(np.frombuffer(payload, dtype=dtype, count=n, offset=offset).copy())
            offset += 8 * n
        points[key] = Points(*cols)
    return Event(
        meta["run"],
        meta["seq"],
        meta["type"],
        meta["time"],
        meta["prev"],
        meta["body"],
        meta["hash"],
        points,
    )


def read_frames(stream: BinaryIO, strict: bool = False) -> Iterator[Event]:
    """The framed events of *stream*, from where it stands to its end.

    A record that is cut short or whose magic or CRC-32 is wrong ends the
    reading. By default silently: a spool's torn tail is a write cut by a crash,
    and nothing after it was acknowledged. With *strict*, by raising, for
    streams written whole (an archive), where such a record means damage.

    Raises:
        FrameError: with *strict*, a torn or corrupt record, or one that does
            not decode to an event.

    Example:
        >>> list(read_frames(io.BytesIO(encode_event(event)))) == [event]  # doctest: +SKIP
        True
    """
    offset = 0
    while header := stream.read(_FRAME.size):
        payload = _read_payload(stream, header)
        if payload is None:
            if strict:
                raise FrameError("a bad record frame", offset)
            return
        yield _decode_at(payload, offset) if strict else decode_event(payload)
        offset += _FRAME.size + len(payload)


def _read_payload(stream: BinaryIO, header: bytes) -> bytes | None:
    """The payload framed by *header*, or None if the record is torn or corrupt."""
    if len(header) != _FRAME.size:
        return None
    magic, size, crc = _FRAME.unpack(header)
    if magic != _MAGIC:
        return None
    # in pieces: a damaged size field must not allocate gigabytes for a short stream
    pieces, left = [], size
    while left and (piece := stream.read(min(left, _READ_PIECE))):
        pieces.append(piece)
        left -= len(piece)
    payload = b"".join(pieces)
    return payload if not left and zlib.crc32(payload) == crc else None


def _decode_at(payload: bytes, offset: int) -> Event:
    try:
        return decode_event(payload)
    except RecursionError:  # a header nested thousands deep: refused, never a crash
        raise FrameError("an event nested too deeply to read", offset) from None
    except (ValueError, KeyError, TypeError, IndexError, struct.error) as exc:
        raise FrameError(f"an undecodable event: {exc}", offset) from None


def read_spool(directory: Path) -> Iterator[Event]:
    """Every intact event in a run's spool directory, in seq order.

    Each segment is read up to its first torn record (see :func:`read_frames`). A
    segment written later that starts at or before an event of an earlier one
    supersedes that event: the writer wrote it again there (after a failed write,
    or chained anew after setting a refused event aside).
    """
    segments = sorted(directory.glob("*.log"))
    starts = [_segment_start(segment) for segment in segments]
    for segment, start in zip(segments, starts, strict=True):
        later = [s[0] for s in starts if start is not None and s is not None and s[1] > start[1]]
        limit = min(later, default=None)
        with segment.open("rb") as stream:
            for event in read_frames(stream):
                if limit is not None and event.seq >= limit:
                    break
                yield event


def _segment_start(segment: Path) -> tuple[int, int] | None:
    """A segment's first seq and when it was made, from its name ``<seq>-<time ns>.log``;
    None for a name no writer gave (it supersedes nothing, and nothing supersedes it)."""
    first, _, written = segment.stem.partition("-")
    try:
        return int(first), int(written)
    except ValueError:
        return None


class Spool:
    """The spool of one live run, held locked by this process until :meth:`close`.

    With *offline*, the spool is marked (see :func:`is_offline`) before anything
    is written, so that automatic recovery leaves it for ``trackrecord sync``.
    """

    def __init__(
        self, root: Path, run_id: str, fsync_interval: float = 1.0, offline: bool = False
    ) -> None:
        self.directory = root / run_id
        self.fsync_interval = fsync_interval
        lock_fd = lock_directory(self.directory, wait=2.0)
        if lock_fd is None:
            raise RunLockedError(
                f"run {run_id} is being written by another live process (its spool "
                f"{self.directory} is locked). Wait for it to finish, or log to a new run"
            )
        self._lock_fd = lock_fd
        if offline:
            (self.directory / OFFLINE_MARKER).touch()
        self._fd: int | None = None
        self._segment: Path | None = None
        self._written: list[Path] = []
        self._last_sync = time.monotonic()
        self._last_seq = 0

    def append(self, events: Sequence[Event]) -> None:
        """Write events (raises OSError on failure; nothing is partially acknowledged)."""
        if not events:
            return
        fd = self._fd if self._fd is not None else self._open_segment(events[0].seq)
        data = memoryview(b"".join(encode_event(e) for e in events))
        size = os.fstat(fd).st_size
        try:
            while data:
                data = data[os.write(fd, data) :]
        except OSError:
            self._abandon_segment(size)
            raise
        self._last_seq = events[-1].seq
        if time.monotonic() - self._last_sync >= self.fsync_interval:
            self.sync()

    def _open_segment(self, seq: int) -> int:
        self._segment = self.directory / f"{seq:012d}-{time.time_ns()}.log"
        self._fd = os.open(self._segment, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._written.append(self._segment)
        return self._fd

    def _abandon_segment(self, size: int) -> None:
        """After a failed write: cut the torn tail if possible, and go on in a new segment."""
        assert self._fd is not None
        with contextlib.suppress(OSError):  # a torn record only hides the rest of this segment,
            os.ftruncate(self._fd, size)  # which is closed now
        os.close(self._fd)
        self._fd = None

    def restart(self, seq: int) -> None:
        """Go on in a new segment that supersedes every event from *seq* on that the spool
        holds (see :func:`read_spool`): for events chained anew from *seq*."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self._open_segment(seq)

    def sync(self) -> None:
        """Force written events to the disk."""
        if self._fd is not None:
            os.fsync(self._fd)
        self._last_sync = time.monotonic()

    def acknowledge(self, seq: int) -> None:
        """The store holds every event up to *seq*: drop a full segment once it is all stored."""
        if self._fd is None or seq < self._last_seq or self._segment is None:
            return
        if os.fstat(self._fd).st_size >= SEGMENT_BYTES:
            os.close(self._fd)
            self._segment.unlink()
            self._written.remove(self._segment)
            self._fd = self._segment = None

    def close(self, delete: bool) -> None:
        """Stop writing; with *delete* (everything is stored), remove what this spool wrote.

        Segments left by an earlier process that this one did not ship are kept
        (and with them the directory), so that a later sync still finds them.
        """
        try:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            if delete:
                for segment in self._written:
                    segment.unlink(missing_ok=True)
                if not any(self.directory.glob("*.log")):
                    shutil.rmtree(self.directory, ignore_errors=True)
        finally:
            unlock_directory(self._lock_fd)


def run_directories(root: Path) -> list[Path]:
    """The spool directories under *root*, one per run, in run id (creation) order."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir())


def is_offline(directory: Path) -> bool:
    """Whether the run of a spool directory was logged offline (left for ``trackrecord sync``)."""
    return (directory / OFFLINE_MARKER).exists()


def named_artifacts(directory: Path) -> set[str]:
    """The sha256 of every artifact content named by the events of a spool directory.

    Only the records' headers are read (not their points, nor their CRC), so a
    large spool is cheap to scan; a torn record may add digests, never hide
    any that an intact event names. A segment that disappears while it is read
    (its events were stored, or a sync shipped the run) names nothing needed.
    """
    digests: set[str] = set()
    for segment in sorted(directory.glob("*.log")):
        try:
            with segment.open("rb") as stream:
                for meta in _headers(stream):
                    if meta.get("type") == "artifact":
                        with contextlib.suppress(KeyError, TypeError):  # damaged: not sendable
                            digests.update(str(f["sha256"]) for f in meta["body"]["files"])
        except FileNotFoundError:
            continue
    return digests


def _headers(stream: BinaryIO) -> Iterator[dict[str, Any]]:
    """The JSON header of each record of *stream*, skipping the points; stops at damage."""
    while len(header := stream.read(_FRAME.size)) == _FRAME.size:
        magic, size, _ = _FRAME.unpack(header)
        start = stream.tell()
        raw = stream.read(4)
        if magic != _MAGIC or len(raw) != 4 or struct.unpack("<I", raw)[0] > size:
            return
        try:
            meta = json.loads(stream.read(struct.unpack("<I", raw)[0]))
        except ValueError:
            return
        if isinstance(meta, dict):
            yield meta
        stream.seek(start + size)


def live_since(directory: Path) -> float | None:
    """When the live process writing a spool directory took it (its lock's mtime), or None.

    None means no live process holds the spool. Without ``flock`` (Windows) every
    spool with a lock file counts as live, which only makes clean-ups more careful.
    """
    path = directory / "lock"
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        if sys.platform != "win32":
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                pass  # held: the writer is alive
            else:
                return None
        return os.fstat(fd).st_mtime
    finally:
        os.close(fd)  # also releases our shared lock


def lock_directory(directory: Path, wait: float) -> int | None:
    """Take a spool directory's lock file (making it); None if a live process holds it.

    Release it with :func:`unlock_directory`. The lock file's mtime becomes the
    time it was taken (see :func:`live_since`).
    """
    deadline = time.monotonic() + wait
    while True:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "lock"
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except FileNotFoundError:  # a recoverer removed the empty directory just now
            continue
        if sys.platform == "win32":  # no flock: one writer per run is the user's to ensure
            return fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() > deadline:
                return None
            time.sleep(0.05)
            continue
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino  # not removed by a recoverer
        except FileNotFoundError:
            same = False
        if same:
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        os.close(fd)


def unlock_directory(fd: int) -> None:
    """Release a lock taken by :func:`lock_directory`."""
    os.close(fd)  # closing releases the flock
