"""A fresh PostgreSQL database per test, in the server on 127.0.0.1:5432 (TRACKRECORD_TEST_PG).

Without a reachable PostgreSQL, tests that need one are skipped with a message
saying so, except under CI (``CI=true``), where that is an error: CI must run them.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

SERVER = os.environ.get("TRACKRECORD_TEST_PG", "postgresql://postgres@127.0.0.1:5432")


@functools.cache
def _unreachable() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can."""
    try:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=5):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL is not reachable at {SERVER} ({exc}); set TRACKRECORD_TEST_PG"


def require_postgres() -> None:
    """Skip the calling test without PostgreSQL (fail instead under CI)."""
    reason = _unreachable()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
    pytest.skip(reason)


@contextmanager
def fresh_database() -> Iterator[str]:
    """Create an empty database, yield its URL, drop it afterwards."""
    require_postgres()
    name = f"trackrecord_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{SERVER}/{name}"
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
