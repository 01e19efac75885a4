"""Migration 7's data step: the tables that were no chain's view become the ledger's.

A store written before the ledger holds accounts, keys, signatures, holds, settings,
artifact grants and dataset versions as plain rows (and projects whose runs were all
purged, with nothing naming them). This step records, for each row, the
ledger event that derives it (at the row's own time where it has one), in time order,
so that replaying the ledger gives back exactly the rows there are: nothing in the
views is changed, only the chain that vouches for them is written.

Two registry views are aligned with their chains as well: a sign-off policy written
without a registry event gets its ``policy.set`` event (actor ``trackrecord migration``),
and a registered model's ``created_at`` becomes the time of its ``model.create`` event
(the old writer read the clock twice, a millisecond apart).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, Final

from trackrecord.record.events import GENESIS, Event, canonical_json, decode_json
from trackrecord.store.catalog import chain_id
from trackrecord.store.sql.connection import Cursor
from trackrecord.store.sql.ledger import LEDGER_CHAIN, commitment
from trackrecord.store.sql.ledger_views import DATASET_COLUMNS

__all__ = ["record_ledger"]

MIGRATION_ACTOR: Final = "trackrecord migration"
_JSON: Final = frozenset({"schema", "profile", "sources", "datasheet"})
Pending = tuple[int, int, str, dict[str, Any]]  # (time, order, type, body)


def _accounts(cur: Cursor) -> Iterator[Pending]:
    users = cur.execute(
        "SELECT name, is_admin, created_at, disabled_at, password_hash FROM users"
    ).fetchall()
    created = {}
    for name, admin, at, disabled, password in users:
        created[name] = int(at)
        yield int(at), 0, "user.create", {"name": name, "admin": bool(admin)}
        if password is not None:
            body = {"name": name, "password_sha256": commitment(password)}
            yield int(at), 1, "user.password", body
        if disabled is not None:
            yield int(disabled), 2, "user.disable", {"name": name}
    for user, project, role in cur.execute("SELECT user_name, project, role FROM project_roles"):
        body = {"user": user, "project": project, "role": role}
        yield created.get(user, 0), 1, "role.grant", body
    for row in cur.execute(
        "SELECT id, user_name, label, project, created_at, expires_at, revoked_at, secret_hash "
        "FROM tokens"
    ).fetchall():
        token, user, label, project, at, expires, revoked, secret = row
        yield int(at), 1, "token.create", {
            "id": token, "user": user, "label": label, "project": project,
            "expires_at": expires, "secret_sha256": commitment(secret),
        }  # fmt: skip
        if revoked is not None:
            yield int(revoked), 2, "token.revoke", {"id": token}


def _signoffs(cur: Cursor) -> Iterator[Pending]:
    for key, user, public, at, revoked in cur.execute(
        "SELECT id, user_name, public_key, created_at, revoked_at FROM signing_keys"
    ).fetchall():
        yield int(at), 0, "key.register", {"id": key, "user": user, "public_key": public}
        if revoked is not None:
            yield int(revoked), 2, "key.revoke", {"id": key}
    columns = ("id", "target", "record_hash", "key_id", "signer", "meaning", "signature", "time")
    for row in cur.execute(f"SELECT {', '.join(columns)} FROM signatures").fetchall():
        body = dict(zip(columns, row, strict=True))
        yield int(body["time"]), 1, "signature.add", body


def _holds_and_settings(cur: Cursor, now: int) -> Iterator[Pending]:
    for row in cur.execute(
        "SELECT id, target, reason, actor, created_at, released_at, released_by, release_reason "
        "FROM legal_holds"
    ).fetchall():
        hold, target, reason, actor, at, released, by, why = row
        body = {"id": hold, "target": target, "reason": reason, "actor": actor}
        yield int(at), 1, "hold.create", body
        if released is not None:
            yield int(released), 2, "hold.release", {"id": hold, "actor": by, "reason": why}
    settings = dict(cur.execute("SELECT key, value FROM store_settings").fetchall())
    if settings:
        yield now, 3, "settings.set", {"set": settings, "unset": []}


def _grants_and_datasets(cur: Cursor) -> Iterator[Pending]:
    grants: dict[tuple[str, int], list[str]] = {}
    for sha, project, at in cur.execute("SELECT sha256, project, granted_at FROM artifact_grants"):
        grants.setdefault((project, int(at)), []).append(sha)
    for (project, at), digests in grants.items():
        yield at, 1, "grant.add", {"project": project, "digests": sorted(digests)}
    for row in cur.execute(f"SELECT {', '.join(DATASET_COLUMNS)} FROM dataset_versions").fetchall():
        body: dict[str, Any] = {
            c: (None if v is None else decode_json(v)) if c in _JSON else v
            for c, v in zip(DATASET_COLUMNS, row, strict=True)
        }
        yield int(body["created_at"]), 1, "dataset.version", body


def _projects(cur: Cursor) -> Iterator[Pending]:
    """Projects no run names any more (their runs were purged before purges were chained)."""
    for name, at in cur.execute(
        "SELECT p.name, p.created_at FROM projects p WHERE NOT EXISTS "
        "(SELECT 1 FROM runs r WHERE r.project_id = p.id)"
    ).fetchall():
        yield int(at), 0, "project.create", {"name": name, "created_at": int(at)}


def _policies(cur: Cursor, now: int) -> None:
    """A registry event for each sign-off policy its model's chain does not record."""
    recorded: dict[tuple[str, str], int] = {}
    for model, body in cur.execute(
        "SELECT model, body FROM registry_events WHERE type = 'policy.set' ORDER BY model, seq"
    ).fetchall():
        found = decode_json(body)
        recorded[(model, found["alias"])] = int(found["required"])
    for model, alias, required in cur.execute(
        "SELECT model, alias, required FROM signoff_policies ORDER BY model, alias"
    ).fetchall():
        head = cur.execute(
            "SELECT head_seq, head_hash FROM registered_models WHERE name = ?", (model,)
        ).fetchone()
        if head is None or recorded.get((model, alias)) == int(required):
            continue  # no chain to record it in: verification reports the row
        body = {"alias": alias, "required": int(required), "actor": MIGRATION_ACTOR,
                "reason": "recorded from the signoff_policies table by migration 7"}  # fmt: skip
        event = Event.build(chain_id(model), int(head[0]) + 1, "policy.set", now, head[1], body)
        cur.execute(
            "INSERT INTO registry_events (model, seq, type, time, body, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (model, event.seq, event.type, now, canonical_json(body).decode(), event.prev,
             event.hash),
        )  # fmt: skip
        cur.execute(
            "UPDATE registered_models SET head_seq = ?, head_hash = ?, updated_at = ? "
            "WHERE name = ?",
            (event.seq, event.hash, now, model),
        )


def record_ledger(cur: Cursor) -> None:
    """Write the ledger events that derive the rows already stored (see the module)."""
    now = time.time_ns() // 1_000_000
    pending = sorted(
        [*_accounts(cur), *_signoffs(cur), *_holds_and_settings(cur, now),
         *_grants_and_datasets(cur), *_projects(cur)],
        key=lambda item: (item[0], item[1], item[2], canonical_json(item[3])),
    )  # fmt: skip
    prev = GENESIS
    for seq, (at, _, type_, body) in enumerate(pending, start=1):
        event = Event.build(LEDGER_CHAIN, seq, type_, at, prev, body)
        cur.execute(
            "INSERT INTO ledger_events (seq, type, time, body, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (seq, type_, at, canonical_json(body).decode(), prev, event.hash),
        )
        prev = event.hash
    _policies(cur, now)
    cur.execute(
        "UPDATE registered_models SET created_at = (SELECT e.time FROM registry_events e "
        "WHERE e.model = registered_models.name AND e.seq = 1) WHERE EXISTS (SELECT 1 FROM "
        "registry_events e WHERE e.model = registered_models.name AND e.seq = 1)"
    )
