"""Where the embedded store lives, and opening it.

The store directory is, in order of precedence: the ``dir=`` argument, the
``TRACKRECORD_DIR`` environment variable, a ``.trackrecord`` directory in the
working directory or the nearest parent that has one, or else a new
``.trackrecord`` in the working directory.

Opening a workspace recovers the spools of writers that died (see
:mod:`trackrecord.spool`), so whoever opens the store next — a reader or a
writer — sees everything that was logged before the crash.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.errors import ConfigurationError, StoreError
from trackrecord.spool import recover_orphans
from trackrecord.store.base import Store
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.store import DATABASE_FILE

__all__ = ["DIR_NAME", "Workspace", "locate"]

DIR_NAME: Final = ".trackrecord"


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


@dataclass
class Workspace:
    """An opened store and the local directory of the spools of runs logged from here.

    With ``TRACKRECORD_URI=http://host:port`` (or *uri*), the store is a
    TrackRecord server and the local directory holds only spools: events wait
    there while the server is unreachable and are shipped when it answers.
    """

    root: Path
    store: Store
    outbox: LocalArtifactStore | None = None
    """Artifact bytes waiting for the server (remote workspaces only)."""

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
    ) -> Workspace:
        """Open (or with *create*, make) the store and recover dead writers' spools.

        *busy_timeout* is how long a write waits for another process's write
        (default: ``TRACKRECORD_BUSY_TIMEOUT`` seconds, else 60). *uri* (default:
        ``TRACKRECORD_URI``) names a server to log to instead of the embedded store.
        """
        uri = uri or os.environ.get("TRACKRECORD_URI") or None
        if uri is not None:
            return cls._remote(uri, directory)
        if busy_timeout is None:
            busy_timeout = float(os.environ.get("TRACKRECORD_BUSY_TIMEOUT", "60"))
        root = locate(directory, create)
        if not create and not (root / DATABASE_FILE).is_file():
            raise ConfigurationError(
                f"{root} holds no TrackRecord store ({DATABASE_FILE} is missing); check dir= "
                f"or TRACKRECORD_DIR"
            )
        workspace = cls(root, SqlStore.open(root, busy_timeout))
        workspace.recover()
        return workspace

    @classmethod
    def _remote(cls, uri: str, directory: str | os.PathLike[str] | None) -> Workspace:
        if not uri.startswith(("http://", "https://")):
            raise ConfigurationError(
                f"TRACKRECORD_URI={uri!r} is not a server address; use http://host:port, or "
                f"unset it to log to the embedded store"
            )
        from trackrecord.store.remote import RemoteStore

        root = locate(directory, create=True)
        store = RemoteStore(uri, os.environ.get("TRACKRECORD_TOKEN"))
        workspace = cls(root, store, LocalArtifactStore(root / "outbox"))
        with contextlib.suppress(StoreError):  # server down: spools wait for `trackrecord sync`
            workspace.recover()
        return workspace

    def recover(self) -> list[str]:
        """Ship the spools (and outbox artifacts) of writers that died; return their runs."""
        return recover_orphans(self.spool_root, self.store, self.outbox)

    def put_artifact(self, source: BinaryIO) -> tuple[str, int]:
        """Store artifact bytes: in the store, or in the outbox when it is a server."""
        if self.outbox is not None:
            return self.outbox.put(source)  # shipped with the run's events, never lost
        return self.store.put_artifact(source)

    def close(self) -> None:
        """Close the store's connections."""
        self.store.close()
