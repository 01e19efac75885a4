"""Where the embedded store lives, and opening it.

The store directory is, in order of precedence: the ``dir=`` argument, the
``TRACKRECORD_DIR`` environment variable, a ``.trackrecord`` directory in the
working directory or the nearest parent that has one, or else a new
``.trackrecord`` in the working directory.

Opening a workspace recovers the spools of writers that died (see
:mod:`trackrecord.outbox`), so whoever opens the store next — a reader or a
writer — sees everything that was logged before the crash. Runs logged offline
(``TRACKRECORD_MODE=offline``) are the exception: they wait for ``trackrecord sync``.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import BinaryIO, Final, Literal

from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.errors import ConfigurationError, StoreError
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


class Workspace:
    """An opened store and the local directory of the spools of runs logged from here.

    With ``TRACKRECORD_URI=http://host:port`` (or *uri*), the store is a
    TrackRecord server and the local directory holds only spools: events wait
    there while the server is unreachable and are shipped when it answers.
    Offline, there is no store at all: runs keep everything in spools and the
    outbox until :meth:`sync`.
    """

    def __init__(
        self, root: Path, store: Store | None, outbox: LocalArtifactStore | None = None
    ) -> None:
        self.root = root
        self._store = store
        self.outbox = outbox
        """Where runs put artifact bytes until they are sent (remote and offline only)."""
        # read by recover/sync in every workspace: offline runs may be synced to any store
        self._waiting = outbox or LocalArtifactStore(root / "outbox")
        self._dirty = False  # the outbox may hold contents that are no longer needed

    @property
    def offline(self) -> bool:
        """Whether runs of this workspace log offline (to local disk only)."""
        return self._store is None

    @property
    def store(self) -> Store:
        """The store (raises :class:`ConfigurationError` in an offline workspace)."""
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
        shipments = ship_spools(self.spool_root, self.store, self._waiting, offline, progress)
        if any(s.done for s in shipments):
            self._dirty = True
        return shipments

    def clean_outbox(self) -> int:
        """Remove outbox contents no unsent run still names; return the bytes freed."""
        self._dirty = False
        if not (self._waiting.root / "sha256").is_dir():
            return 0
        return clean_outbox(self._waiting, self.spool_root)

    def put_artifact(self, source: BinaryIO) -> tuple[str, int]:
        """Store artifact bytes: in the store, or in the outbox when it is a server (or none)."""
        if self.outbox is not None:
            self._dirty = True
            return self.outbox.put(source)  # shipped with the run's events, never lost
        return self.store.put_artifact(source)

    def close(self) -> None:
        """Clean the outbox of contents sent meanwhile, and close the store's connections."""
        try:
            if self._dirty:
                with contextlib.suppress(StoreError, OSError):  # a later close will try again
                    self.clean_outbox()
        finally:
            if self._store is not None:
                self._store.close()
