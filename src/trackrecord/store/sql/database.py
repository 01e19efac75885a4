"""SQLite done right for many processes: WAL, one short write transaction at a time.

Every thread gets its own connection. Writes run in ``BEGIN IMMEDIATE``
transactions, so a writer waits for the write lock up front (SQLite's busy
handler, up to ``busy_timeout`` seconds) instead of failing half-way with
"database is locked" when it upgrades a read lock. Schema migrations run at
open, once, under the same write lock.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from trackrecord.errors import StoreError
from trackrecord.store.sql.connection import simple_glob
from trackrecord.store.sql.migrations import apply_migrations
from trackrecord.store.sql.search import sqlite_glob

__all__ = ["SqliteDatabase", "glob_match"]


_FLAGS: Final = re.IGNORECASE | re.DOTALL


@functools.lru_cache(maxsize=256)
def _glob_parts(pattern: str) -> tuple[tuple[re.Pattern[str], int], ...]:
    """The pieces of *pattern* between its stars: each as a regular expression without
    repetition (``?`` any one character), and its length in characters."""
    return tuple(
        (re.compile("".join("." if c == "?" else re.escape(c) for c in part), _FLAGS), len(part))
        for part in simple_glob(pattern).split("*")
    )


def glob_match(value: object, pattern: object) -> int:
    """The query language's ``~``: ``*`` any text, ``?`` one character, any case (Unicode).

    No backtracking: the first piece must match at the start and the last at the end, and
    each piece between takes its earliest place after the one before (which leaves the most
    room for the rest). A regular expression of many ``.*`` would take exponential time on
    a hostile pattern such as ``*a*a*a*a*a*a*c``.

    Example:
        >>> glob_match("Bert-Base", "bert-*"), glob_match("aaaa", "*a*a*a*a*a*")
        (1, 0)
    """
    if not isinstance(value, str) or not isinstance(pattern, str):
        return 0
    (first, _), *rest = _glob_parts(pattern)
    if not rest:
        return 1 if first.fullmatch(value) else 0
    head = first.match(value)
    if head is None:
        return 0
    position = head.end()
    *middle, (last, width) = rest
    for piece, _ in middle:
        found = piece.search(value, position)
        if found is None:
            return 0
        position = found.end()
    start = len(value) - width
    return 1 if start >= position and last.fullmatch(value, start) else 0


_PRAGMAS: Final = (
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-32000",
)


class SqliteDatabase:
    """A SQLite database file shared by threads and processes.

    Example:
        >>> import tempfile, os
        >>> db = SqliteDatabase(os.path.join(tempfile.mkdtemp(), "t.db"))
        >>> with db.write() as cur:
        ...     _ = cur.execute("INSERT INTO projects (name, created_at) VALUES ('p', 0)")
        >>> db.read().execute("SELECT name FROM projects").fetchall()
        [('p',)]
    """

    def __init__(self, path: str | Path, busy_timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self.errors: tuple[type[Exception], ...] = (sqlite3.Error,)
        self.lock_run = ""  # BEGIN IMMEDIATE already holds the database's write lock
        self.dialect = "sqlite"
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._migrate()

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
            )
            self._set_wal(conn)
            for pragma in _PRAGMAS:
                conn.execute(pragma)
            conn.create_function("trackrecord_glob", 2, glob_match, deterministic=True)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the database {self.path}: {exc}") from exc
        with self._lock:
            self._connections.append(conn)
        return conn

    def _set_wal(self, conn: sqlite3.Connection) -> None:
        deadline = time.monotonic() + self.busy_timeout
        while True:  # switching to WAL needs a moment of exclusive access on a new file
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                busy = "locked" in str(exc) or "busy" in str(exc)
                if not busy or time.monotonic() > deadline:  # e.g. read-only: waiting is no use
                    raise
                time.sleep(0.05)

    def read(self) -> sqlite3.Connection:
        """This thread's connection, for reads (autocommit: each query sees fresh data)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Cursor]:
        """A write transaction: commits on success, rolls back on any error."""
        conn = self.read()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot write to {self.path}: {exc}. Another process may hold a long write "
                f"transaction; it was waited for {self.busy_timeout:.0f} s"
            ) from exc
        cur = conn.cursor()
        try:
            yield cur
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            raise StoreError(f"cannot commit to {self.path}: {exc}") from exc

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """Reads in one transaction: in WAL mode they all see the database as of the first
        one, while other connections go on writing."""
        conn = self.read()
        if conn.in_transaction:  # already inside one: its view it is
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("ROLLBACK")  # it wrote nothing

    def _migrate(self) -> None:
        with self.write() as cur:
            apply_migrations(cur, str(self.path), lambda m: m.statements)

    def glob(self, expression: str) -> tuple[str, bool]:
        """A registered Python function: Unicode case folding, unlike SQLite's LIKE."""
        return sqlite_glob(expression)

    def too_complex(self, error: Exception) -> bool:
        """SQLite's limits on expression depth and parser stack."""
        return "too large" in str(error) or "stack overflow" in str(error)

    def close(self) -> None:
        """Close every connection this object opened."""
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()
