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
from urllib.parse import urlsplit, urlunsplit

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
def fresh_database(ordinary_role: bool = False) -> Iterator[str]:
    """Create an empty database, yield its URL, drop it afterwards.

    With *ordinary_role*, the database belongs to a new role that is neither a superuser nor
    exempt from row-level security (as a server's role should be), and the URL connects as
    it; the role is dropped afterwards too.
    """
    require_postgres()
    name = f"trackrecord_test_{uuid.uuid4().hex[:12]}"
    url = f"{SERVER}/{name}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        if ordinary_role:
            admin.execute(f'CREATE ROLE "{name}" LOGIN NOSUPERUSER NOBYPASSRLS')
            parts = urlsplit(url)
            url = urlunsplit(parts._replace(netloc=f"{name}@{parts.hostname}:{parts.port or 5432}"))
        admin.execute(f'CREATE DATABASE "{name}"' + (f' OWNER "{name}"' if ordinary_role else ""))
    try:
        yield url
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if ordinary_role:
                admin.execute(f'DROP ROLE IF EXISTS "{name}"')
