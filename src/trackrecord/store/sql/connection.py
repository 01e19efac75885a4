"""What the SQL store needs of a database: the same few calls on SQLite and PostgreSQL.

SQL is written once with ``?`` placeholders and portable constructs; a
database adapts what differs: placeholders, column types in migrations, how
a run's row is locked while events are appended, and the glob of ``~``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, Final, Protocol

if TYPE_CHECKING:
    from trackrecord.errors import TrackRecordError

__all__ = [
    "Connection",
    "Cursor",
    "SqlDatabase",
    "glob_regex",
    "insert_rows",
    "locked_write",
    "refusal_of",
    "simple_glob",
]


class Cursor(Protocol):
    """A DB-API cursor, as both sqlite3 and psycopg provide it."""

    def execute(self, sql: str, args: Sequence[Any] = ...) -> Any:
        """Run one statement."""
        ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        """Run one statement per row of arguments."""
        ...

    def fetchone(self) -> Any:
        """The next row, or None."""
        ...

    def fetchall(self) -> list[Any]:
        """Every remaining row."""
        ...

    def __iter__(self) -> Iterator[Any]:
        """The rows, one at a time."""
        ...


class Connection(Protocol):
    """A connection for reads (each statement sees the latest committed data)."""

    def execute(self, sql: str, args: Sequence[Any] = ...) -> Cursor:
        """Run one statement and return its cursor."""
        ...


class SqlDatabase(Protocol):
    """A database shared by threads (and processes), as the SQL store uses it."""

    location: str
    """Where the data is, for messages (a file path or a URL without password)."""
    errors: tuple[type[Exception], ...]
    """The driver's exception classes."""
    lock_run: str
    """A statement taking a run id that locks the run until commit ("" if not needed)."""
    dialect: str
    """``sqlite`` or ``postgresql``: which catalog describes the live schema."""

    def read(self) -> Connection:
        """This thread's connection for reads."""
        ...

    def write(self) -> AbstractContextManager[Cursor]:
        """A transaction: commits on success, rolls back on any error."""
        ...

    def snapshot(self) -> AbstractContextManager[Connection]:
        """Reads that all see the database as it was at their first statement, whatever
        commits meanwhile (a read-only transaction), for checks that compare tables."""
        ...

    def glob(self, expression: str) -> tuple[str, bool]:
        """SQL testing *expression* against a ``?`` glob pattern; True if the pattern must
        be passed as a regular expression (see :func:`glob_regex`)."""
        ...

    def too_complex(self, error: Exception) -> bool:
        """Whether *error* says a query was too large or deep for the database."""
        ...

    def close(self) -> None:
        """Close every connection."""
        ...


_WILDCARDS = re.compile(r"[*?]{2,}")


def simple_glob(pattern: str) -> str:
    """*pattern* with each run of wildcards written the shortest way: ``?`` for each ``?``,
    then one ``*`` if the run held any (``*?**?`` is ``??*``). It matches the same text, and
    a pattern of thousands of stars stays one cheap ``*`` instead of a regular expression too
    complex for PostgreSQL.

    Example:
        >>> simple_glob("a***b*?*?c")
        'a*b??*c'
    """
    return _WILDCARDS.sub(
        lambda run: "?" * run.group().count("?") + ("*" if "*" in run.group() else ""), pattern
    )


def glob_regex(pattern: str) -> str:
    """The query language's glob as an anchored regular expression (``*``, ``?``)."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in simple_glob(pattern))
    return "^" + "".join(parts) + "$"


_PARAMETERS_PER_STATEMENT: Final = 50
"""Most parameters :func:`insert_rows` binds in one statement: psycopg parses a statement's
placeholders once and remembers it only up to 50 parameters; above that, parsing it again
each time costs more than the round trips saved."""


def insert_rows(cur: Cursor, insert: str, rows: Sequence[Sequence[Any]], then: str = "") -> None:
    """INSERT *rows* with multi-row statements: *insert* is ``INSERT INTO table (columns)``,
    *then* what follows the values (``ON CONFLICT ...``).

    A statement of several rows costs the database and the driver less than a statement
    per row (``executemany``), on SQLite and PostgreSQL alike.
    """
    if not rows:
        return
    per_statement = max(1, _PARAMETERS_PER_STATEMENT // len(rows[0]))
    for start in range(0, len(rows), per_statement):
        batch = rows[start : start + per_statement]
        marks = "(" + ", ".join("?" * len(batch[0])) + ")"
        cur.execute(
            f"{insert} VALUES {', '.join([marks] * len(batch))} {then}",
            [value for row in batch for value in row],
        )


@contextmanager
def locked_write(database: SqlDatabase, lock: str, doing: str) -> Iterator[Cursor]:
    """A write transaction that first takes the named *lock* (on PostgreSQL, an advisory lock,
    so replicas take turns; SQLite's write transactions are serial already). A database
    error becomes a :class:`StoreError` saying what was being done."""
    from trackrecord.errors import StoreError

    try:
        with database.write() as cur:
            if database.lock_run:
                cur.execute(database.lock_run, (lock,))
            yield cur
    except database.errors as exc:
        raise StoreError(f"cannot {doing} in {database.location}: {exc}") from exc


def refusal_of(error: Exception, doing: str) -> TrackRecordError:
    """The error to raise for a database *error* met while *doing* something.

    What the data caused is the client's to fix, and never a "store unavailable"
    that clients retry: a broken constraint (PEP 249's ``IntegrityError``) is a
    :class:`ChainConflictError`, a value the column cannot hold (``DataError``) an
    :class:`InvalidValueError`. Anything else is a failing store (:class:`StoreError`).
    The database's own text (SQL, names of tables) is left out of the first two.
    """
    from trackrecord.errors import ChainConflictError, InvalidValueError, StoreError

    kinds = {kind.__name__ for kind in type(error).__mro__}
    if "IntegrityError" in kinds:
        return ChainConflictError(
            f"cannot {doing}: it contradicts what the store holds (a record it would create "
            f"exists already, or one it names does not); read the stored state and resend"
        )
    if "DataError" in kinds:
        return InvalidValueError(
            f"cannot {doing}: a value does not fit the database (out of range, too long, or "
            f"a character it cannot hold); fix the value and resend"
        )
    return StoreError(f"cannot {doing}: {error}")
