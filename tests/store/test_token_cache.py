"""Tokens checked within the last second are believed without the database, and no longer:
a change in another process is honoured within a second, one through the same accounts at
once, and a token's own expiry at every use."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.pg import fresh_database
from trackrecord.errors import AuthenticationError
from trackrecord.identity import Identity
from trackrecord.store.sql.accounts import SqlAccounts
from trackrecord.store.sql.connection import SqlDatabase
from trackrecord.store.sql.database import SqliteDatabase
from trackrecord.store.sql.postgres import PostgresDatabase
from trackrecord.store.sql.token_cache import LIFETIME, TokenCache


@contextmanager
def _two_processes(kind: str, tmp_path: Path) -> Iterator[tuple[SqlDatabase, SqlDatabase]]:
    """Two connections to one database: a server's, and another process's (the CLI, a
    replica)."""
    if kind == "sqlite":
        lite = SqliteDatabase(tmp_path / "a.db"), SqliteDatabase(tmp_path / "a.db")
        yield lite
        for database in lite:
            database.close()
        return
    with fresh_database() as url:
        pg = PostgresDatabase(url, pool_size=2), PostgresDatabase(url, pool_size=2)
        yield pg
        for db in pg:
            db.close()


@pytest.fixture(params=["sqlite", "postgres"])
def accounts(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[SqlAccounts, SqlAccounts]]:
    """The server's accounts and another process's, on one database; alice edits vision."""
    with _two_processes(request.param, tmp_path) as (server, other):
        mine, theirs = SqlAccounts(server), SqlAccounts(other)
        mine.create_user("alice")
        mine.grant("alice", "vision", "editor")
        yield mine, theirs


def _refused_within(accounts: SqlAccounts, token: str) -> float:
    """Seconds until *accounts* refuses *token* (polling; fails after 3 s)."""
    start = time.monotonic()
    while time.monotonic() - start < 3:
        try:
            accounts.authenticate(token)
        except AuthenticationError:
            return time.monotonic() - start
        time.sleep(0.02)
    pytest.fail("the token is still believed after 3 s")


def test_a_token_revoked_by_another_process_is_refused_within_a_second(
    accounts: tuple[SqlAccounts, SqlAccounts],
) -> None:
    server, other = accounts
    record, text = other.create_token("alice")
    assert server.authenticate(text).can("vision", "editor")
    assert server.cached_identity(text) is not None  # believed for a while now
    other.revoke_token(record.id)
    assert _refused_within(server, text) <= LIFETIME + 0.2
    assert server.cached_identity(text) is None


def test_a_disabled_user_and_a_withdrawn_role_count_within_a_second(
    accounts: tuple[SqlAccounts, SqlAccounts],
) -> None:
    server, other = accounts
    _, text = other.create_token("alice")
    server.authenticate(text)
    other.revoke_role("alice", "vision")
    start = time.monotonic()
    while server.authenticate(text).can("vision", "editor"):
        assert time.monotonic() - start <= LIFETIME + 0.2
        time.sleep(0.02)
    other.disable_user("alice")
    assert _refused_within(server, text) <= LIFETIME + 0.2


def test_changes_through_the_same_accounts_count_at_once(
    accounts: tuple[SqlAccounts, SqlAccounts],
) -> None:
    server, _ = accounts
    record, text = server.create_token("alice")
    assert server.authenticate(text).can("vision", "editor")
    server.revoke_role("alice", "vision")
    assert not server.authenticate(text).can("vision", "viewer")
    server.revoke_token(record.id)
    with pytest.raises(AuthenticationError, match="revoked"):
        server.authenticate(text)


def test_a_wrong_secret_is_never_believed(accounts: tuple[SqlAccounts, SqlAccounts]) -> None:
    server, _ = accounts
    _, text = server.create_token("alice")
    server.authenticate(text)
    forged = text[:-4] + ("AAAA" if not text.endswith("AAAA") else "BBBB")
    with pytest.raises(AuthenticationError, match="not known"):
        server.authenticate(forged)
    assert server.cached_identity(forged) is None


def test_roles_come_with_the_token_in_one_lookup(accounts: tuple[SqlAccounts, SqlAccounts]) -> None:
    server, _ = accounts
    server.grant("alice", "nlp", "viewer")
    server.create_user("bob")  # no role anywhere
    _, alices = server.create_token("alice", project="nlp")
    _, bobs = server.create_token("bob")
    alice = server.authenticate(alices)
    assert dict(alice.roles) == {"vision": "editor", "nlp": "viewer"}
    assert alice.token_project == "nlp" and alice.role_in("vision") is None
    assert dict(server.authenticate(bobs).roles) == {}


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lives_its_lifetime_and_no_longer() -> None:
    clock = _Clock()
    cache = TokenCache(lifetime=1.0, clock=clock)
    cache.put("t", Identity("alice"), cache.generation)
    clock.now += 0.99
    assert cache.get("t") == Identity("alice")
    clock.now += 0.02
    assert cache.get("t") is None


def test_a_cached_token_that_expires_is_refused_at_once() -> None:
    cache = TokenCache(lifetime=60.0)
    soon = time.time_ns() // 1_000_000 + 50
    cache.put("t", Identity("alice", token_expires_at=soon), cache.generation)
    assert cache.get("t") is not None
    time.sleep(0.06)
    assert cache.get("t") is None


def test_a_lookup_from_before_a_change_is_not_cached_after_it() -> None:
    cache = TokenCache()
    generation = cache.generation  # a lookup begins
    cache.clear()  # meanwhile the token is revoked through the same accounts
    cache.put("t", Identity("alice"), generation)  # what the lookup read predates it
    assert cache.get("t") is None
