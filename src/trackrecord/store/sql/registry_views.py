"""The registry's views: how each registry event changes the tables readers use.

:func:`apply_registry_event` is the one derivation of ``registered_models``,
``model_versions``, ``model_aliases``, ``signoff_policies``, ``market_placements`` and
the criteria sets of model versions: :class:`~trackrecord.store.sql.registry.SqlRegistry`
calls it as it appends each event, and verification replays a model's chain through it
to rebuild them (see :mod:`~trackrecord.store.sql.rebuild`). It reads nothing but the
event and the views of the same model, so a replay gives the same rows.

Bodies (each also names ``actor`` and ``reason``): ``model.create`` ``{project,
description, tags}``; ``model.update`` ``{description?, tags?}``; ``version.create``
``{version, run_id, run_model, digest, flavor, files, description, tags}``;
``version.update`` ``{version, description?, tags?, status?}``; ``alias.set`` ``{alias,
version, previous}``; ``alias.delete`` ``{alias, previous}``; ``criteria.set`` ``{version,
id, criteria, supersedes}``; ``policy.set`` ``{alias, required}``; ``version.market``
``{version, placed_at, years, until, retention_days}``; ``version.documents`` and
``version.data`` (files kept with a version, read from the chain itself).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from trackrecord.errors import StoreError
from trackrecord.record.events import Event, canonical_json
from trackrecord.store.sql.connection import Cursor
from trackrecord.store.sql.evaluations import record_criteria

__all__ = ["REGISTRY_TYPES", "apply_registry_event", "model_of_chain"]

_PREFIX: Final = "registry:"


def model_of_chain(chain: str) -> str:
    """The model a registry chain id (``registry:NAME``) belongs to."""
    return chain.removeprefix(_PREFIX)


def _json(value: object) -> str:
    return canonical_json(value).decode()


def _model_create(cur: Cursor, model: str, event: Event) -> None:
    body = event.body
    cur.execute(
        "INSERT INTO registered_models (name, project, description, tags, created_at, "
        "created_by, updated_at, head_seq, head_hash) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)",
        (model, body["project"], body.get("description"), _json(body.get("tags") or {}),
         event.time, body["actor"], event.time, event.prev),
    )  # fmt: skip


def _model_update(cur: Cursor, model: str, event: Event) -> None:
    body = event.body
    for column, value in (("description", body.get("description")), ("tags", body.get("tags"))):
        if column in body:
            stored = value if column == "description" else _json(value)
            cur.execute(
                f"UPDATE registered_models SET {column} = ? WHERE name = ?", (stored, model)
            )


def _version_create(cur: Cursor, model: str, event: Event) -> None:
    b = event.body
    cur.execute(
        "INSERT INTO model_versions (model, version, run_id, run_model, digest, flavor, files, "
        "description, tags, status, status_reason, created_at, created_by) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, 'ready', NULL, ?, ?)",
        (model, b["version"], b["run_id"], b["run_model"], b["digest"], b["flavor"],
         _json(b["files"]), b.get("description"), _json(b.get("tags") or {}), event.time,
         b["actor"]),
    )  # fmt: skip


def _version_update(cur: Cursor, model: str, event: Event) -> None:
    body, key = event.body, (model, event.body["version"])
    if "description" in body:
        cur.execute(
            "UPDATE model_versions SET description = ? WHERE model = ? AND version = ?",
            (body["description"], *key),
        )
    if "tags" in body:
        cur.execute(
            "UPDATE model_versions SET tags = ? WHERE model = ? AND version = ?",
            (_json(body["tags"]), *key),
        )
    if "status" in body:
        cur.execute(
            "UPDATE model_versions SET status = ?, status_reason = ? WHERE model = ? AND "
            "version = ?",
            (body["status"], body.get("reason"), *key),
        )


def _alias_set(cur: Cursor, model: str, event: Event) -> None:
    body = event.body
    cur.execute(
        "INSERT INTO model_aliases (model, alias, version, set_at, set_by, reason) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (model, alias) DO UPDATE SET "
        "version = excluded.version, set_at = excluded.set_at, set_by = excluded.set_by, "
        "reason = excluded.reason",
        (model, body["alias"], body["version"], event.time, body["actor"], body.get("reason")),
    )


def _alias_delete(cur: Cursor, model: str, event: Event) -> None:
    cur.execute(
        "DELETE FROM model_aliases WHERE model = ? AND alias = ?", (model, event.body["alias"])
    )


def _criteria_set(cur: Cursor, model: str, event: Event) -> None:
    target = f"model:{model}/{event.body['version']}"
    record_criteria(cur, target, event.run_id, event.seq, event.time, event.body)


def _policy_set(cur: Cursor, model: str, event: Event) -> None:
    cur.execute(
        "INSERT INTO signoff_policies (model, alias, required) VALUES (?, ?, ?) "
        "ON CONFLICT (model, alias) DO UPDATE SET required = excluded.required",
        (model, event.body["alias"], event.body["required"]),
    )


def _version_market(cur: Cursor, model: str, event: Event) -> None:
    body = event.body
    cur.execute(
        "INSERT INTO market_placements (model, version, placed_at, retention_days, actor) "
        "VALUES (?, ?, ?, ?, ?)",
        (model, body["version"], body["placed_at"], body["retention_days"], body["actor"]),
    )


def _kept(cur: Cursor, model: str, event: Event) -> None:
    """Files kept with a version are read from the chain (no view)."""


_HANDLERS: Final[dict[str, Callable[[Cursor, str, Event], None]]] = {
    "model.create": _model_create,
    "model.update": _model_update,
    "version.create": _version_create,
    "version.update": _version_update,
    "alias.set": _alias_set,
    "alias.delete": _alias_delete,
    "criteria.set": _criteria_set,
    "policy.set": _policy_set,
    "version.market": _version_market,
    "version.documents": _kept,
    "version.data": _kept,
}
REGISTRY_TYPES: Final = frozenset(_HANDLERS)
"""Every registry event type."""


def apply_registry_event(cur: Cursor, event: Event) -> None:
    """Change the views of the model whose chain *event* is in, as it says, and make it
    the chain's head (the caller's transaction).

    Raises:
        StoreError: an event type this TrackRecord does not know.
        KeyError: a body without the fields its type needs (a damaged chain).
    """
    handler = _HANDLERS.get(event.type)
    if handler is None:
        raise StoreError(
            f"registry event {event.seq} of {event.run_id} has the unknown type "
            f"{event.type!r}; known types: {', '.join(sorted(_HANDLERS))}"
        )
    model = model_of_chain(event.run_id)
    handler(cur, model, event)
    cur.execute(
        "UPDATE registered_models SET head_seq = ?, head_hash = ?, updated_at = ? WHERE name = ?",
        (event.seq, event.hash, event.time, model),
    )
