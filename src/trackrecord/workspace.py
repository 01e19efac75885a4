"""Where the embedded store lives, and opening it.

The store directory is, in order of precedence: the ``dir=`` argument, the
``TRACKRECORD_DIR`` environment variable, a ``.trackrecord`` directory in the
working directory or the nearest parent that has one, or else a new
``.trackrecord`` in the working directory.

Opening a workspace recovers the spools of writers that died (see
:mod:`trackrecord.outbox`), so whoever opens the store next — a reader or a
writer — sees everything that was logged before the crash. Runs logged offline
(``TRACKRECORD_MODE=offline``) are the exception: they wait for ``trackrecord sync``.
Spools and artifact bytes that had to go to the store's fallback directory (its
own could not be written, see :mod:`trackrecord.fallback`) are recovered the same way.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from pathlib import Path
from typing import BinaryIO, Final, Literal

from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.errors import ConfigurationError, StoreError, TrackRecordWarning
from trackrecord.fallback import ORIGIN_FILE, fallback_roots, make_fallback
from trackrecord.outbox import Progress, Shipment, clean_outbox, ship_spools
from trackrecord.spool import OFFLINE_MARKER
from trackrecord.store.base import Store
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.store import DATABASE_FILE

__all__ = ["DIR_NAME", "MODES", "Workspace", "locate", "run_mode"]

DIR_NAME: Final = ".trackrecord"
MODES: Final = ("online", "offline")

Mode = Literal["online", "offline"]


def locate(directory: str | os.PathLike[str] | None = None, create: bool = True) -> Path:
    """The store directory to use (see the module docs for the order of precedence)."""
    if directory is not None:
        return Path(directory).expanduser().absolute()
    if env := os.environ.get("TRACKRECORD_DIR"):
        return Path(env).expanduser().absolute()
    cwd = Path.cwd()
    for candidate in (cwd, *cwd.parents):
        if (candidate / DIR_NAME).is_dir():
            return candidate / DIR_NAME
    if not create:
        raise ConfigurationError(
            f"no TrackRecord store ({DIR_NAME}/) in {cwd} or any parent directory; log a run "
            f"first, or pass dir= (or set TRACKRECORD_DIR) to point at one"
        )
    return cwd / DIR_NAME


def run_mode(mode: str | None = None) -> Mode:
    """How runs log: *mode* if given, else ``TRACKRECORD_MODE``, else ``"online"``.

    ``"online"`` sends events to the store as they are logged; ``"offline"``
    keeps them on local disk, with no network use, until ``trackrecord sync``.

    Raises:
        ConfigurationError: a value that is not one of :data:`MODES`.

    Example:
        >>> run_mode("Offline")
        'offline'
    """
    source = "mode=" if mode is not None else "TRACKRECORD_MODE="
    value = mode if mode is not None else os.environ.get("TRACKRECORD_MODE") or "online"
    normal = value.strip().lower() if isinstance(value, str) else value
    if normal == "online":
        return "online"
    if normal == "offline":
        return "offline"
    raise ConfigurationError(
        f"{source}{value!r} is not a logging mode; use one of: {', '.join(MODES)} "
        f"('offline' keeps runs on local disk until `trackrecord sync`)"
    )


def _position(source: BinaryIO) -> int | None:
    """Where a seekable *source* stands (to read it again); None if it cannot be read twice."""
    try:
        return source.tell() if source.seekable() else None
    except (AttributeError, OSError, ValueError):
        return None


def _remove_empty(fallback: Path) -> None:
    """Remove a fallback directory that holds nothing to send, leaving anything a live run
    adds meanwhile: only empty directories go (no lock is held that would keep runs out)."""
    (fallback / ORIGIN_FILE).unlink(missing_ok=True)
    for directory, _, _ in sorted(os.walk(fallback), key=lambda d: -len(d[0])):
        with contextlib.suppress(OSError):
            os.rmdir(directory)


class Workspace:
    """An opened store and the local directory of the spools of runs logged from here.

    With ``TRACKRECORD_URI=http://host:port`` (or *uri*), the store is a
    TrackRecord server and the local directory holds only spools: events wait
    there while the server is unreachable and are shipped when it answers.
    Offline, there is no store at all: runs keep everything in spools and the
    outbox until :meth:`sync`.
    """

    def __init__(
        self,
        root: Path,
        store: Store | None,
        outbox: LocalArtifactStore | None = None,
        unavailable: str | None = None,
    ) -> None:
        self.root = root
        self._store = store
        self.outbox = outbox
        """Where runs put artifact bytes until they are sent (remote and offline only)."""
        self.unavailable = unavailable
        """Why the store could not be opened (see :meth:`without_store`), or None."""
        self._set_aside: LocalArtifactStore | None = None  # bytes the store could not take
        # read by recover/sync in every workspace: offline runs may be synced to any store
        self._waiting = outbox or LocalArtifactStore(root / "outbox")
        self._dirty = False  # the outbox may hold contents that are no longer needed

    @classmethod
    def without_store(cls, directory: str | os.PathLike[str] | None, reason: str) -> Workspace:
        """A workspace whose store cannot be opened now (read-only, failing) for *reason*.

        Runs still log: their events wait in a spool in the store's fallback
        directory (see :mod:`trackrecord.fallback`) until a later open sends them.
        """
        return cls(locate(directory, create=True), None, unavailable=reason)

    @property
    def offline(self) -> bool:
        """Whether runs of this workspace log offline (to local disk only), by choice."""
        return self._store is None and self.unavailable is None

    @property
    def store(self) -> Store:
        """The store (raises :class:`ConfigurationError` in an offline workspace, and
        :class:`StoreError` where it could not be opened)."""
        if self._store is None and self.unavailable is not None:
            raise StoreError(
                f"the store in {self.root} could not be opened ({self.unavailable}); make it "
                f"writable, and what waits is sent the next time it is opened"
            )
        if self._store is None:
            raise ConfigurationError(
                f"this workspace ({self.root}) is offline and has no store; run "
                f"`trackrecord sync` to send its runs, then read them online"
            )
        return self._store

    @property
    def spool_root(self) -> Path:
        """Where live runs keep their spools."""
        return self.root / "spool"

    @property
    def local_roots(self) -> list[Path]:
        """The directories whose spools and outboxes hold what this store may lack: its
        fallback directories that exist, then its own (in the order they are sent)."""
        return [*(p for p in fallback_roots(self.root) if p.is_dir()), self.root]

    def outboxes(self) -> list[LocalArtifactStore]:
        """The outboxes whose artifact bytes are sent to the store before the events naming
        them: the workspace's own (remote and offline), and those of its fallback directories."""
        own = [self.outbox] if self.outbox is not None else []
        return own + [LocalArtifactStore(p / "outbox") for p in self.local_roots[:-1]]

    @classmethod
    def open(
        cls,
        directory: str | os.PathLike[str] | None = None,
        create: bool = True,
        busy_timeout: float | None = None,
        uri: str | None = None,
        offline: bool = False,
        recover: bool = True,
        token: str | None = None,
    ) -> Workspace:
        """Open (or with *create*, make) the store and recover dead writers' spools.

        *busy_timeout* is how long a write waits for another process's write
        (default: ``TRACKRECORD_BUSY_TIMEOUT`` seconds, else 60). *uri* (default:
        ``TRACKRECORD_URI``) names a server to log to instead of the embedded store.
        With *offline*, nothing is opened and nothing is sent (see :func:`run_mode`);
        without *recover*, spools are left for an explicit :meth:`sync`. *token*
        (default: ``TRACKRECORD_TOKEN``) is sent to the server.
        """
        if offline:
            root = locate(directory, create=True)
            return cls(root, None, LocalArtifactStore(root / "outbox"))
        uri = uri or os.environ.get("TRACKRECORD_URI") or None
        if uri is not None:
            return cls._remote(uri, directory, recover, token)
        if busy_timeout is None:
            busy_timeout = float(os.environ.get("TRACKRECORD_BUSY_TIMEOUT", "60"))
        root = locate(directory, create)
        if not create and not (root / DATABASE_FILE).is_file():
            waiting = any(root.glob(f"spool/*/{OFFLINE_MARKER}"))
            raise ConfigurationError(
                f"{root} holds no TrackRecord store ({DATABASE_FILE} is missing); check dir= "
                f"or TRACKRECORD_DIR"
                + ("; its runs logged offline wait for `trackrecord sync`" if waiting else "")
            )
        workspace = cls(root, SqlStore.open(root, busy_timeout))
        if recover:
            workspace.recover()
        return workspace

    @classmethod
    def _remote(
        cls,
        uri: str,
        directory: str | os.PathLike[str] | None,
        recover: bool,
        token: str | None = None,
    ) -> Workspace:
        if not uri.startswith(("http://", "https://")):
            raise ConfigurationError(
                f"TRACKRECORD_URI={uri!r} is not a server address; use http://host:port, or "
                f"unset it to log to the embedded store"
            )
        from trackrecord.store.remote import RemoteStore

        root = locate(directory, create=True)
        store = RemoteStore(uri, token or os.environ.get("TRACKRECORD_TOKEN") or None)
        workspace = cls(root, store, LocalArtifactStore(root / "outbox"))
        if recover:
            with contextlib.suppress(StoreError):  # server down: spools wait for a later try
                workspace.recover()
        return workspace

    def recover(self) -> list[str]:
        """Ship the spools (and outbox artifacts) of writers that died; return their runs.

        Runs logged offline are left for :meth:`sync`.

        Raises:
            StoreError: the store failed; what was not sent stays in the spools.
        """
        shipments = self._ship(offline=False, progress=None)
        for request in (r for s in shipments for r in s.registrations if r.refused):
            with contextlib.suppress(Warning):  # warnings made errors must not stop the caller
                warnings.warn(request.refusal(), TrackRecordWarning, stacklevel=2)
        for shipment in shipments:
            if shipment.error is not None:
                raise shipment.error
        return [s.run_id for s in shipments if s.done and (s.events or s.crashed)]

    def sync(self, progress: Progress | None = None) -> list[Shipment]:
        """Send every run waiting in a spool, offline ones included; remove their spools.

        Safe to repeat after an interruption: each run continues from the first
        event the store lacks. *progress* is called after each batch of events
        and when a run is done. Failures end a run's :class:`Shipment` (its
        ``error``) instead of raising. The outbox contents no longer needed are
        removed by :meth:`clean_outbox`, or at :meth:`close`.

        Example:
            >>> workspace = Workspace.open(uri="http://tr:8080", recover=False)  # doctest: +SKIP
            >>> [(s.run_id, s.events, s.artifact_bytes) for s in workspace.sync()]  # doctest: +SKIP
            [('01j9z6k4f1m8w7q2c3x5v0b9t6', 1204, 2097152)]
        """
        return self._ship(offline=True, progress=progress)

    def _ship(self, offline: bool, progress: Progress | None) -> list[Shipment]:
        roots = self.local_roots
        outboxes = [self._waiting, *(LocalArtifactStore(p / "outbox") for p in roots[:-1])]
        shipments: list[Shipment] = []
        for root in roots:  # a fallback spool holds all a moved run's own spool holds, and more
            left = {s.run_id for s in shipments if not s.done}
            shipments += ship_spools(root / "spool", self.store, outboxes, offline, progress, left)
        if any(s.done for s in shipments) or len(roots) > 1:
            self._dirty = True
        return shipments

    def clean_outbox(self) -> int:
        """Remove outbox contents no unsent run still names; return the bytes freed.

        Fallback directories left empty are removed too.
        """
        self._dirty = False
        roots = self.local_roots
        spools = [root / "spool" for root in roots]
        freed = 0
        for outbox in [self._waiting, *(LocalArtifactStore(p / "outbox") for p in roots[:-1])]:
            if (outbox.root / "sha256").is_dir():
                freed += clean_outbox(outbox, spools)
        for fallback in roots[:-1]:
            if not any(fallback.glob("spool/*")) and not any(fallback.glob("outbox/sha256/*/*")):
                _remove_empty(fallback)
        return freed

    def put_artifact(self, source: BinaryIO) -> tuple[str, int]:
        """Store artifact bytes: in the store, or in the outbox when it is a server (or none).

        Bytes that neither can take now (a read-only or failing store) go to the
        outbox of the store's fallback directory, and are sent with the run's events.

        Raises:
            StoreError: not even the fallback directory can take them.
        """
        start = _position(source)
        try:
            if self.outbox is not None:
                self._dirty = True
                return self.outbox.put(source)  # shipped with the run's events, never lost
            return self.store.put_artifact(source)
        except (StoreError, OSError) as exc:
            if start is None:
                raise
            source.seek(start)
            return self._put_aside(source, exc)

    def _put_aside(self, source: BinaryIO, cause: Exception) -> tuple[str, int]:
        first = self._set_aside is None
        try:
            if self._set_aside is None:
                self._set_aside = LocalArtifactStore(make_fallback(self.root) / "outbox")
            stored = self._set_aside.put(source)
        except (StoreError, OSError) as exc:
            raise StoreError(f"{cause}; and no fallback directory can take it: {exc}") from exc
        self._dirty = True
        if first:
            with contextlib.suppress(Warning):  # warnings made errors must not stop training
                warnings.warn(
                    f"TrackRecord could not store artifact bytes in {self.root} ({cause}); they "
                    f"are kept in {self._set_aside.root} and sent to the store with the run",
                    TrackRecordWarning,
                    stacklevel=3,
                )
        return stored

    def close(self) -> None:
        """Clean the outbox of contents sent meanwhile, and close the store's connections."""
        try:
            if self._dirty:
                with contextlib.suppress(StoreError, OSError):  # a later close will try again
                    self.clean_outbox()
        finally:
            if self._store is not None:
                self._store.close()
