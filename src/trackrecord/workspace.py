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

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from trackrecord.errors import ConfigurationError
from trackrecord.spool import recover_orphans
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
    """An opened embedded store: the SQL store and the spool directory beside it."""

    root: Path
    store: SqlStore

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
    ) -> Workspace:
        """Open (or with *create*, make) the store and recover dead writers' spools.

        *busy_timeout* is how long a write waits for another process's write
        (default: ``TRACKRECORD_BUSY_TIMEOUT`` seconds, else 60).
        """
        if busy_timeout is None:
            busy_timeout = float(os.environ.get("TRACKRECORD_BUSY_TIMEOUT", "60"))
        root = locate(directory, create)
        if not create and not (root / DATABASE_FILE).is_file():
            raise ConfigurationError(
                f"{root} holds no TrackRecord store ({DATABASE_FILE} is missing); check dir= "
                f"or TRACKRECORD_DIR"
            )
        workspace = cls(root, SqlStore.open(root, busy_timeout))
        recover_orphans(workspace.spool_root, workspace.store)
        return workspace

    def close(self) -> None:
        """Close the store's connections."""
        self.store.close()
