"""The ledger's views: how each ledger event changes the tables readers use.

:func:`apply_ledger_event` is the one derivation of ``users``, ``project_roles``,
``tokens``, ``signing_keys``, ``signatures``, ``legal_holds``, ``store_settings``,
``artifact_grants`` and ``dataset_versions`` (and ``projects`` for a purge): writers call
it as they append (see :func:`~trackrecord.store.sql.ledger.append_ledger`), and
verification calls it to rebuild them from the ledger alone. It reads nothing but the
event and the views it derives, so replaying the ledger gives the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from trackrecord.errors import StoreError
from trackrecord.record.events import Event, canonical_json
from trackrecord.store.sql.connection import Cursor
from trackrecord.store.sql.projects import ensure_project

__all__ = ["DATASET_COLUMNS", "LEDGER_TYPES", "PROJECT_TYPES", "apply_ledger_event"]

DATASET_COLUMNS: Final = (
    "project", "name", "digest", "number", "label", "kind", "uri", "size", "row_count", "schema",
    "profile", "sources", "datasheet", "description", "manifest_sha256", "first_run", "created_at",
)  # fmt: skip
"""The columns of ``dataset_versions``, as a ``dataset.version`` body names them."""
_JSON_COLUMNS: Final = frozenset({"schema", "profile", "sources", "datasheet"})
DATASET_LATER: Final = ("label", "uri", "datasheet", "description")
"""What a later use of a dataset version may add (``dataset.update``)."""

Secrets = Mapping[str, str]


def _json_text(value: Any) -> str | None:
    return None if value is None else canonical_json(value).decode()


def _user_create(cur: Cursor, event: Event, _: Secrets) -> None:
    cur.execute(
        "INSERT INTO users (name, is_admin, created_at) VALUES (?, ?, ?)",
        (event.body["name"], int(bool(event.body["admin"])), event.time),
    )


def _user_admin(cur: Cursor, event: Event, _: Secrets) -> None:
    cur.execute(
        "UPDATE users SET is_admin = ? WHERE name = ?",
        (int(bool(event.body["admin"])), event.body["name"]),
    )


def _user_disable(cur: Cursor, event: Event, _: Secrets) -> None:
    cur.execute("UPDATE users SET disabled_at = ? WHERE name = ?", (event.time, event.body["name"]))


def _user_password(cur: Cursor, event: Event, secrets: Secrets) -> None:
    committed = event.body["password_sha256"]
    cur.execute(
        "UPDATE users SET password_hash = ? WHERE name = ?",
        (secrets.get(committed, committed), event.body["name"]),
    )


def _role_grant(cur: Cursor, event: Event, _: Secrets) -> None:
    body = event.body
    cur.execute(
        "DELETE FROM project_roles WHERE user_name = ? AND project = ?",
        (body["user"], body["project"]),
    )
    cur.execute(
        "INSERT INTO project_roles (user_name, project, role) VALUES (?, ?, ?)",
        (body["user"], body["project"], body["role"]),
    )


def _role_revoke(cur: Cursor, event: Event, _: Secrets) -> None:
    cur.execute(
        "DELETE FROM project_roles WHERE user_name = ? AND project = ?",
        (event.body["user"], event.body["project"]),
    )


def _token_create(cur: Cursor, event: Event, secrets: Secrets) -> None:
    body = event.body
    committed = body["secret_sha256"]
    cur.execute(
        "INSERT INTO tokens (id, user_name, label, project, created_at, expires_at, revoked_at, "
        "secret_hash) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)",
        (body["id"], body["user"], body["label"], body["project"], event.time,
         body["expires_at"], secrets.get(committed, committed)),
    )  # fmt: skip


def _token_revoke(cur: Cursor, event: Event, _: Secrets) -> None:
    cur.execute(
        "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
        (event.time, event.body["id"]),
    )


def _key_register(cur: Cursor, event: Event, _: Secrets) -> None:
    body = event.body
    cur.execute(
        "INSERT INTO signing_keys (id, user_name, public_key, created_at, revoked_at) "
        "VALUES (?, ?, ?, ?, NULL)",
        (body["id"], body["user"], body["public_key"], event.time),
    )


def _key_revoke(cur: Cursor, event: Event, _: Secrets) -> None:
    cur.execute(
        "UPDATE signing_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
        (event.time, event.body["id"]),
    )


def _signature_add(cur: Cursor, event: Event, _: Secrets) -> None:
    b = event.body
    cur.execute(
        "INSERT INTO signatures (id, target, record_hash, key_id, signer, meaning, signature, "
        "time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (b["id"], b["target"], b["record_hash"], b["key_id"], b["signer"], b["meaning"],
         b["signature"], b["time"]),
    )  # fmt: skip


def _hold_create(cur: Cursor, event: Event, _: Secrets) -> None:
    body = event.body
    cur.execute(
        "INSERT INTO legal_holds (id, target, reason, actor, created_at) VALUES (?, ?, ?, ?, ?)",
        (body["id"], body["target"], body["reason"], body["actor"], event.time),
    )


def _hold_release(cur: Cursor, event: Event, _: Secrets) -> None:
    body = event.body
    cur.execute(
        "UPDATE legal_holds SET released_at = ?, released_by = ?, release_reason = ? "
        "WHERE id = ? AND released_at IS NULL",
        (event.time, body["actor"], body["reason"], body["id"]),
    )


def _settings_set(cur: Cursor, event: Event, _: Secrets) -> None:
    for key in event.body.get("unset", []):
        cur.execute("DELETE FROM store_settings WHERE key = ?", (key,))
    for key, value in sorted(event.body.get("set", {}).items()):
        cur.execute(
            "INSERT INTO store_settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


def _grant_add(cur: Cursor, event: Event, _: Secrets) -> None:
    cur.executemany(
        "INSERT INTO artifact_grants (sha256, project, granted_at) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        [(digest, event.body["project"], event.time) for digest in event.body["digests"]],
    )


def _dataset_version(cur: Cursor, event: Event, _: Secrets) -> None:
    body = event.body
    values = [
        _json_text(body.get(c)) if c in _JSON_COLUMNS else body.get(c) for c in DATASET_COLUMNS
    ]
    cur.execute(
        f"INSERT INTO dataset_versions ({', '.join(DATASET_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(DATASET_COLUMNS))})",
        values,
    )


def _dataset_update(cur: Cursor, event: Event, _: Secrets) -> None:
    body = event.body
    given = [c for c in DATASET_LATER if body.get(c) is not None]
    if given:
        values = [_json_text(body[c]) if c in _JSON_COLUMNS else body[c] for c in given]
        cur.execute(
            f"UPDATE dataset_versions SET {', '.join(f'{c} = ?' for c in given)} "
            f"WHERE project = ? AND name = ? AND digest = ?",
            (*values, body["project"], body["name"], body["digest"]),
        )


def _run_purge(cur: Cursor, event: Event, _: Secrets) -> None:
    ensure_project(cur, event.body["project"], int(event.body["created_at"]))


def _project_create(cur: Cursor, event: Event, _: Secrets) -> None:
    ensure_project(cur, event.body["name"], int(event.body["created_at"]))


_HANDLERS: Final[dict[str, Callable[[Cursor, Event, Secrets], None]]] = {
    "user.create": _user_create,
    "user.admin": _user_admin,
    "user.disable": _user_disable,
    "user.password": _user_password,
    "role.grant": _role_grant,
    "role.revoke": _role_revoke,
    "token.create": _token_create,
    "token.revoke": _token_revoke,
    "key.register": _key_register,
    "key.revoke": _key_revoke,
    "signature.add": _signature_add,
    "hold.create": _hold_create,
    "hold.release": _hold_release,
    "settings.set": _settings_set,
    "grant.add": _grant_add,
    "dataset.version": _dataset_version,
    "dataset.update": _dataset_update,
    "run.purge": _run_purge,
    "project.create": _project_create,
}
PROJECT_TYPES: Final = frozenset({"run.purge", "project.create"})
"""Ledger events that name a project (besides the runs that start in one)."""
LEDGER_TYPES: Final = frozenset(_HANDLERS)
"""Every ledger event type."""


def apply_ledger_event(cur: Cursor, event: Event, secrets: Secrets | None = None) -> None:
    """Change the ledger's views as *event* says (the caller's transaction).

    Raises:
        StoreError: an event type this TrackRecord does not know.
        KeyError, TypeError: a body without the fields its type needs (a damaged
            ledger; verification reports it).
    """
    handler = _HANDLERS.get(event.type)
    if handler is None:
        raise StoreError(
            f"ledger event {event.seq} has the unknown type {event.type!r}; known types: "
            f"{', '.join(sorted(_HANDLERS))} (a newer TrackRecord may have written it)"
        )
    handler(cur, event, secrets or {})
