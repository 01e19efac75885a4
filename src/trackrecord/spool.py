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
import os
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Final

from trackrecord.errors import RunLockedError
from trackrecord.record.events import Event
from trackrecord.record.framing import encode_event, read_frames, read_headers
from trackrecord.registrations import has_registrations

if sys.platform != "win32":
    import fcntl

__all__ = [
    "OFFLINE_MARKER",
    "Spool",
    "is_offline",
    "live_since",
    "lock_directory",
    "named_artifacts",
    "read_spool",
    "run_directories",
    "unlock_directory",
]

SEGMENT_BYTES: Final = 64 << 20
OFFLINE_MARKER: Final = "offline"


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
                if not any(self.directory.glob("*.log")) and not has_registrations(self.directory):
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
                for meta in read_headers(stream):
                    if meta.get("type") == "artifact":
                        with contextlib.suppress(KeyError, TypeError):  # damaged: not sendable
                            digests.update(str(f["sha256"]) for f in meta["body"]["files"])
        except FileNotFoundError:
            continue
    return digests


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
