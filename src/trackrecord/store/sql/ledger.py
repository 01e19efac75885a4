"""The ledger: the store's hash-chained record of what belongs to no run and no model.

Runs and registered models have chains of their own. Everything else a reader relies on
is an event of one store-wide chain, the *ledger* (table ``ledger_events``, chain id
``ledger``, chained like a run's events): accounts, role grants and tokens, signing
keys and sign-offs, legal holds, store settings, artifact grants, the numbering of
dataset versions, and purges. Its tables (``users``, ``signatures`` ...) are views of
it, written in the same transaction by :func:`apply_ledger_event`, which
``trackrecord verify`` replays to rebuild them (see :mod:`~trackrecord.store.sql.rebuild`).

Event types and bodies (times are the event's own unless a body names one):

- ``user.create`` ``{name, admin}``, ``user.admin`` ``{name, admin}``,
  ``user.disable`` ``{name}``, ``user.password`` ``{name, password_sha256}``;
- ``role.grant`` ``{user, project, role}``, ``role.revoke`` ``{user, project}``;
- ``token.create`` ``{id, user, label, project, expires_at, secret_sha256}``,
  ``token.revoke`` ``{id}``;
- ``key.register`` ``{id, user, public_key}``, ``key.revoke`` ``{id}``;
- ``signature.add`` ``{id, target, record_hash, key_id, signer, meaning, signature, time}``;
- ``hold.create`` ``{id, target, reason, actor}``, ``hold.release`` ``{id, actor, reason}``;
- ``settings.set`` ``{set: {key: value}, unset: [key]}``;
- ``grant.add`` ``{project, digests}``;
- ``dataset.version`` (a dataset version numbered on first use: every column of
  ``dataset_versions``), ``dataset.update`` ``{project, name, digest}`` and what a later
  use added (``label``, ``uri``, ``datasheet``, ``description``);
- ``run.purge`` ``{run, project, created_at, head_seq, head_hash}``;
- ``project.create`` ``{name, created_at}`` (written only by migration 7, for a project
  whose runs were all purged before purges were recorded).

Secrets are never chained: a password's or token's stored hash is committed to by its
SHA-256 (``password_sha256``, ``secret_sha256``), so verification checks the stored
hash without the ledger holding it.

Example:
    >>> import tempfile
    >>> from trackrecord.store.sql import SqlStore
    >>> read_ledger(SqlStore.open(tempfile.mkdtemp()).database.read())
    []
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Collection, Mapping
from contextlib import AbstractContextManager
from typing import Any, Final

from trackrecord.record.events import GENESIS, Event, canonical_json, decode_json
from trackrecord.store.sql.connection import Connection, Cursor, SqlDatabase, locked_write
from trackrecord.store.sql.ledger_views import apply_ledger_event
from trackrecord.store.sql.transparency_log import record_head

__all__ = [
    "LEDGER_CHAIN",
    "LEDGER_LOCK",
    "append_ledger",
    "commitment",
    "ledger_write",
    "read_ledger",
]

LEDGER_CHAIN: Final = "ledger"
"""The ledger's chain id (in place of a run id in its events' hashes)."""
LEDGER_LOCK: Final = "trackrecord:ledger"
"""The lock appends take (with the run lock's statement; no run id looks like it)."""


def commitment(secret: str) -> str:
    """SHA-256 (hex) of a stored secret hash: what the ledger records in its place."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def ledger_write(database: SqlDatabase, doing: str) -> AbstractContextManager[Cursor]:
    """A write transaction holding the ledger's lock; a database error says *doing*."""
    return locked_write(database, LEDGER_LOCK, doing)


def append_ledger(
    cur: Cursor,
    type_: str,
    body: Mapping[str, Any],
    *,
    lock: str = "",
    at: int | None = None,
    secrets: Mapping[str, str] | None = None,
) -> Event:
    """Chain one event after the ledger's last and apply it to the views (the caller's
    transaction). *lock* is the database's lock statement, for a caller whose transaction
    does not hold the ledger's lock yet; *at* the event's time (default now); *secrets*
    the stored values of the commitments the body names (see :func:`commitment`)."""
    if lock:
        cur.execute(lock, (LEDGER_LOCK,))
    last = cur.execute("SELECT seq, hash FROM ledger_events ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (int(last[0]) + 1, str(last[1])) if last else (1, GENESIS)
    when = time.time_ns() // 1_000_000 if at is None else int(at)
    event = Event.build(LEDGER_CHAIN, seq, type_, when, prev, body)
    cur.execute(
        "INSERT INTO ledger_events (seq, type, time, body, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (seq, type_, when, canonical_json(body).decode(), prev, event.hash),
    )
    apply_ledger_event(cur, event, secrets)
    record_head(cur, "ledger", LEDGER_CHAIN, seq, event.hash)
    return event


def read_ledger(conn: Connection | Cursor, types: Collection[str] | None = None) -> list[Event]:
    """The ledger's events in order (only those of *types*, if given)."""
    rows = conn.execute(
        "SELECT seq, type, time, body, prev_hash, hash FROM ledger_events ORDER BY seq"
    ).fetchall()
    return [
        Event(LEDGER_CHAIN, int(seq), type_, int(at), prev, decode_json(body), digest)
        for seq, type_, at, body, prev, digest in rows
        if types is None or type_ in types
    ]
