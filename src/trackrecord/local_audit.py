"""Changes made to a store directly go to its audit log, as a server's requests do.

A server appends one entry per mutating request (see :mod:`trackrecord.audit`). An
embedded store (a directory), or a database opened directly (``trackrecord admin
--store``), has no server in front of it: there the CLI and :class:`trackrecord.Api`
record each change themselves, with :meth:`LocalAudit.change` around the operation as
the user asked for it. The store's own write methods record nothing: a server calls
them too, and it has audited the request already.

Who acts is self-declared: ``local:`` and the login name of the process
(:func:`local_actor`); nothing vouches for it, and the prefix says so. Where from is
``local:`` and the host's name. A refused change is recorded too, with the status a
server would answer (see :data:`trackrecord.errors.ERRORS`): 403 for a retention or a
missing sign-off, 404 for something not there, 400 for a bad value, 409 for a conflict;
a failure that is not a :class:`~trackrecord.errors.TrackRecordError`, 500.

Example:
    >>> import tempfile
    >>> from trackrecord.store.sql import SqlStore
    >>> store = SqlStore.open(tempfile.mkdtemp())
    >>> audit = LocalAudit.for_store(store, actor="local:ada")
    >>> with audit.change("keys.create", "ada") as change:
    ...     change.target = "3f2a9c0d11e4b7a8"  # known once the key is made
    >>> [(e.actor, e.action, e.target, e.status) for e in audit.log.entries()]
    [('local:ada', 'keys.create', '3f2a9c0d11e4b7a8', 200)]
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from trackrecord.errors import TrackRecordError, status_of
from trackrecord.values import local_user

if TYPE_CHECKING:
    from trackrecord.store.base import Store
    from trackrecord.store.sql.audit import SqlAuditLog
    from trackrecord.store.sql.connection import SqlDatabase

__all__ = ["Change", "LocalAudit", "local_actor", "local_source"]


def local_actor() -> str:
    """Who makes a change here, as the audit log names them: ``local:<login name>``
    (self-declared: the process's user, which nothing vouches for)."""
    return f"local:{local_user()}"


def local_source() -> str:
    """Where a change made here comes from, as the audit log names it: ``local:<host>``."""
    try:
        host = socket.gethostname()
    except OSError:  # pragma: no cover - a host without a name
        host = "unknown"
    return f"local:{host}"


@dataclass
class Change:
    """A change being recorded; the operation may name its target once it knows it
    (the id of a key or a hold it made)."""

    action: str
    target: str


class LocalAudit:
    """The audit log that changes made here go to, and who makes them.

    With *log* None nothing is recorded: the store is a server's, which audits each
    request itself (:class:`~trackrecord.store.remote.RemoteStore`, or a server's own
    store read through :meth:`trackrecord.Api.over`).

    Args:
        log: the store's audit log, or None.
        actor: who acts (default: :func:`local_actor`).
        source: where from (default: :func:`local_source`).
    """

    def __init__(
        self, log: SqlAuditLog | None, actor: str | None = None, source: str | None = None
    ) -> None:
        self.log = log
        self.actor = local_actor() if actor is None else actor
        self.source = local_source() if source is None else source

    @classmethod
    def for_database(cls, database: SqlDatabase, actor: str | None = None) -> LocalAudit:
        """Recording into the audit log of *database*, opened here."""
        from trackrecord.store.sql.audit import SqlAuditLog

        return cls(SqlAuditLog(database), actor)

    @classmethod
    def for_store(cls, store: Store, actor: str | None = None) -> LocalAudit:
        """Recording into *store*'s audit log when it is a SQL store opened here; a
        remote store records nothing here (its server audits)."""
        from trackrecord.store.sql import SqlStore

        if isinstance(store, SqlStore):
            return cls.for_database(store.database, actor)
        return cls(None, actor)

    @property
    def enabled(self) -> bool:
        """Whether changes are recorded here."""
        return self.log is not None

    @contextmanager
    def change(self, action: str, target: str = "") -> Iterator[Change]:
        """Record the change made inside the block: status 200 when it ends normally,
        else the status of the error it raised (which is raised on).

        *action* is named as a server names the same operation (``models.set_alias``,
        ``tokens.revoke``); *target* is what it changes, and may be set on the
        :class:`Change` yielded once known.

        Raises:
            StoreError: the change was made but could not be appended to the audit log.
        """
        change = Change(action, target)
        try:
            yield change
        except TrackRecordError as error:
            self._refused(change, status_of(error)[1])
            raise
        except BaseException:
            self._refused(change, 500)
            raise
        self._append(change, 200)

    def _refused(self, change: Change, status: int) -> None:
        """Record a change that failed; a failure to record it does not hide why it did."""
        with suppress(TrackRecordError):
            self._append(change, status)

    def _append(self, change: Change, status: int) -> None:
        if self.log is not None:
            self.log.append(self.actor, change.action, change.target, self.source, status)
