"""The audit log in the SQL database (SQLite or PostgreSQL), shared by server replicas.

Appends take the database's write lock (SQLite) or an advisory lock
(PostgreSQL), so entries from replicas writing at once still form one chain.
Concurrent appends through one :class:`SqlAuditLog` are group-committed (see
:mod:`~trackrecord.store.sql.group_commit`): the entries of every request waiting
meanwhile are chained and inserted in one transaction, under one lock and one
commit, and each :meth:`~SqlAuditLog.append` returns once its own entry is durable.
:meth:`~SqlAuditLog.append_later` does the same on a writer thread of the log's own and
returns a future at once (what the server awaits).
A server shares one instance between all its requests.

Example:
    >>> import tempfile
    >>> from trackrecord.store.sql import SqlStore
    >>> log = SqlAuditLog(SqlStore.open(tempfile.mkdtemp()).database)
    >>> log.append("alice", "tokens.create", "alice", "127.0.0.1", 200).seq
    1
    >>> log.verify()
    []
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Final, NamedTuple

from trackrecord.audit import GENESIS, AuditEntry, verify_chain
from trackrecord.errors import StoreError
from trackrecord.store.sql.connection import SqlDatabase
from trackrecord.store.sql.group_commit import DEFAULT_BATCH_LIMIT, GroupCommit, WriterThread
from trackrecord.store.sql.transparency_log import AUDIT_CHAIN, record_head

__all__ = ["SqlAuditLog"]

_COLUMNS: Final = "seq, time, actor, action, target, source, status, prev_hash, hash"
_LOCK_NAME: Final = "trackrecord:audit_log"  # taken with the run lock; no run id looks like it


class _Request(NamedTuple):
    """What one caller asked to record (the time is when it asked)."""

    time: int
    actor: str
    action: str
    target: str
    source: str
    status: int


class SqlAuditLog:
    """Append and read the audit log kept in *database*.

    Appends wait for the database's lock and commit in batches of at most
    *batch_limit* entries. Call :meth:`append` outside any write transaction of
    the calling thread (it commits on its own).
    """

    def __init__(self, database: SqlDatabase, batch_limit: int = DEFAULT_BATCH_LIMIT) -> None:
        self.database = database
        self._batches: GroupCommit[_Request, AuditEntry] = GroupCommit(self._write, batch_limit)
        self._writer: WriterThread[_Request, AuditEntry] = WriterThread(
            self._write, batch_limit, "trackrecord-audit"
        )

    def append(self, actor: str, action: str, target: str, source: str, status: int) -> AuditEntry:
        """Chain one entry after the last (see :class:`~trackrecord.audit.AuditEntry`);
        it is committed when this returns."""
        return self._batches.submit(
            _Request(time.time_ns() // 1_000_000, _text(actor), _text(action), _text(target),
                     _text(source), status)
        )  # fmt: skip

    def append_later(
        self, actor: str, action: str, target: str, source: str, status: int
    ) -> Future[AuditEntry]:
        """Queue one entry for the log's writer thread, which chains and commits what is
        queued in batches; the future of the entry, done once it is committed (or with the
        :class:`StoreError` that kept it out). The entry's time is the time of this call.

        A server awaits the future before it answers, so that no request is answered
        unaudited, without holding a worker thread or a connection meanwhile.
        """
        return self._writer.submit(
            _Request(time.time_ns() // 1_000_000, _text(actor), _text(action), _text(target),
                     _text(source), status)
        )  # fmt: skip

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every entry queued by :meth:`append_later` is committed or failed;
        False if *timeout* seconds passed first."""
        return self._writer.flush(timeout)

    def close(self) -> None:
        """Commit what :meth:`append_later` queued, then stop its writer thread."""
        self._writer.close()

    def _write(self, requests: list[_Request]) -> list[AuditEntry]:
        """Chain *requests* after the last entry and insert them in one transaction."""
        try:
            with self.database.write() as cur:
                if self.database.lock_run:
                    cur.execute(self.database.lock_run, (_LOCK_NAME,))
                last = cur.execute(
                    "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
                ).fetchone()
                seq, prev = (last[0], last[1]) if last else (0, GENESIS)
                entries = []
                for request in requests:
                    seq += 1
                    entry = AuditEntry.build(seq, *request, prev)
                    entries.append(entry)
                    prev = entry.hash
                cur.executemany(
                    f"INSERT INTO audit_log ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(e.seq, e.time, e.actor, e.action, e.target, e.source, e.status,
                      e.prev_hash, e.hash) for e in entries],
                )  # fmt: skip
                if entries:
                    record_head(cur, "audit", AUDIT_CHAIN, entries[-1].seq, entries[-1].hash)
        except self.database.errors as exc:
            raise StoreError(
                f"cannot append to the audit log in {self.database.location}: {exc}"
            ) from exc
        return entries

    def entries(self, since: int = 0, limit: int | None = None) -> Iterator[AuditEntry]:
        """Entries after seq *since*, oldest first (at most *limit*)."""
        sql = f"SELECT {_COLUMNS} FROM audit_log WHERE seq > ? ORDER BY seq"
        args: tuple[int, ...] = (since,)
        if limit is not None:
            sql, args = sql + " LIMIT ?", (since, limit)
        for row in self.database.read().execute(sql, args).fetchall():
            yield AuditEntry(*row)

    def verify(self) -> list[str]:
        """Problems in the chain (empty: every entry is as it was appended)."""
        return verify_chain(self.entries())


def _text(value: str) -> str:
    """A field as stored: NUL bytes (refused by PostgreSQL) spelled out, at most 500 chars."""
    return value.replace("\x00", "\\x00")[:500]
