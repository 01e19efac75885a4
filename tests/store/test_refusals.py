"""Database errors the data caused are the client's to fix (409, 400), never "unavailable"."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from trackrecord.errors import ChainConflictError, InvalidValueError, StoreError
from trackrecord.record import wire
from trackrecord.store.sql.connection import refusal_of


def sqlite_error(statement: str) -> sqlite3.Error:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER NOT NULL)")
    conn.execute("INSERT INTO t VALUES ('a', 1)")
    with pytest.raises(sqlite3.Error) as raised:
        conn.execute(statement)
    return raised.value


@pytest.mark.parametrize(
    ("error", "kind", "status"),
    [
        (sqlite_error("INSERT INTO t VALUES ('a', 2)"), ChainConflictError, 409),
        (psycopg.errors.UniqueViolation("duplicate key"), ChainConflictError, 409),
        (psycopg.errors.CharacterNotInRepertoire("NUL"), InvalidValueError, 400),
        (psycopg.errors.NumericValueOutOfRange("bigint"), InvalidValueError, 400),
        (sqlite_error("SELECT * FROM missing"), StoreError, 503),
        (psycopg.OperationalError("connection refused"), StoreError, 503),
    ],
    ids=["sqlite-unique", "pg-unique", "pg-nul", "pg-range", "sqlite-other", "pg-down"],
)
def test_a_database_error_is_classified_by_whose_fault_it_is(
    error: Exception, kind: type[Exception], status: int
) -> None:
    refusal = refusal_of(error, "store events")
    assert type(refusal) is kind
    assert wire.status_of(refusal)[1] == status
    if status != 503:  # the client is told what to do, not the database's words
        assert str(error) not in str(refusal) and "resend" in str(refusal)
