"""Sign-in attempts: failures counted per user name and per client address, atomically.

Each attempt is counted *before* its password is checked, by one ``INSERT … ON CONFLICT
DO UPDATE … RETURNING`` statement (atomic on SQLite ≥ 3.35 and on PostgreSQL), so guesses
sent at once cannot all slip past the count: of one user name, at most
:data:`MAX_FAILURES_PER_USER` passwords are checked before its sign-ins are refused for
:data:`LOCKOUT_MS`; from one address, at most :data:`MAX_FAILURES_PER_ADDRESS` (a spray
over many names). A sign-in that succeeds takes its attempt back: the user name's count
starts again, the address's goes down by one.

User names are counted whether or not such a user exists, so that a lockout tells
nothing about which names are real. Counts live in the database, so every replica of a
server sees the same ones.

Example:
    >>> attempts = SignInAttempts(store.database)  # doctest: +SKIP
    >>> attempts.begin("alice", "192.0.2.7", now=0)  # doctest: +SKIP
    True
"""

from __future__ import annotations

from typing import Final

from trackrecord.store.sql.connection import Cursor, SqlDatabase, locked_write

__all__ = ["LOCKOUT_MS", "MAX_FAILURES_PER_ADDRESS", "MAX_FAILURES_PER_USER", "SignInAttempts"]

MAX_FAILURES_PER_USER: Final = 5
"""Failed sign-ins of one user name before its sign-ins are refused for :data:`LOCKOUT_MS`."""
MAX_FAILURES_PER_ADDRESS: Final = 20
"""Failed sign-ins from one address (any names) before its sign-ins are refused for a while."""
LOCKOUT_MS: Final = 15 * 60_000
"""How long failures are remembered, and how long a lockout lasts (from the attempt that
reached the limit)."""

_COUNT: Final = (
    "INSERT INTO sign_in_failures (subject, failures, ends_at) VALUES (?, 1, ?) "
    "ON CONFLICT (subject) DO UPDATE SET "
    "failures = CASE WHEN sign_in_failures.ends_at <= ? THEN 1 "
    "ELSE sign_in_failures.failures + 1 END, "
    "ends_at = CASE WHEN sign_in_failures.ends_at <= ? THEN ? "
    "WHEN sign_in_failures.failures + 1 = ? THEN ? ELSE sign_in_failures.ends_at END "
    "RETURNING failures"
)
_SUBJECT_CHARS: Final = 100  # real user names are at most 64 characters
_LOCK: Final = "sign-in attempts"


def _user(name: str) -> str:
    return f"user:{name[:_SUBJECT_CHARS]}"


def _address(source: str) -> str:
    return f"address:{source[:_SUBJECT_CHARS]}"


class SignInAttempts:
    """Counts sign-in attempts in the ``sign_in_failures`` table of *database*.

    Each count is one short transaction under a named lock (an advisory lock on
    PostgreSQL), so replicas take turns and rows are never locked in two orders at
    once; no lock is held while a password is checked.
    """

    def __init__(self, database: SqlDatabase) -> None:
        self.database = database

    def begin(self, user: str, source: str, now: int) -> bool:
        """Count an attempt of *user* from *source*; whether its password may be checked.

        A count over the limit refuses the attempt unchecked (and counts it: a lockout
        does not end while guesses go on, but neither is it made longer by them).
        """
        with locked_write(self.database, _LOCK, "count sign-in attempts") as cur:
            cur.execute("DELETE FROM sign_in_failures WHERE ends_at <= ?", (now,))
            by_address = self._count(cur, _address(source), MAX_FAILURES_PER_ADDRESS, now)
            if by_address > MAX_FAILURES_PER_ADDRESS:
                return False
            return self._count(cur, _user(user), MAX_FAILURES_PER_USER, now) <= (
                MAX_FAILURES_PER_USER
            )

    def succeeded(self, user: str, source: str) -> None:
        """Take back the attempt of a sign-in that succeeded."""
        with locked_write(self.database, _LOCK, "count sign-in attempts") as cur:
            cur.execute(
                "UPDATE sign_in_failures SET failures = failures - 1 WHERE subject = ? "
                "AND failures > 0",
                (_address(source),),
            )
            cur.execute("DELETE FROM sign_in_failures WHERE subject = ?", (_user(user),))

    @staticmethod
    def _count(cur: Cursor, subject: str, limit: int, now: int) -> int:
        """Add one to *subject*'s failures; the new count. The window of a first failure
        ends :data:`LOCKOUT_MS` after it; reaching *limit* locks until that long after."""
        ends = now + LOCKOUT_MS
        row = cur.execute(_COUNT, (subject, ends, now, now, ends, limit, ends)).fetchone()
        return int(row[0])
