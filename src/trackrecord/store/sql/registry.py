"""The model registry in the SQL database: hash-chained registry events and their views.

Each registered model has its own chain of events in ``registry_events``
(chained like a run's events, under the id ``registry:NAME``); the tables
``registered_models``, ``model_versions``, ``model_aliases`` (and the model's
policies, placements and criteria) are views of them, updated in the same
transaction by the one derivation that verification replays
(:mod:`~trackrecord.store.sql.registry_views`). Every event body names the ``actor``
and the ``reason`` given, so an alias's whole history (who moved it, when,
why) can be read back and verified.

Example:
    >>> import tempfile
    >>> from trackrecord.store.sql import SqlStore
    >>> SqlStore.open(tempfile.mkdtemp()).catalog.registered_models()
    []
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any, Final

from trackrecord.errors import (
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
)
from trackrecord.record.events import GENESIS, Event, canonical_json, decode_json
from trackrecord.store.catalog import (
    VERSION_STATUSES,
    CriteriaSet,
    LoggedModel,
    ModelVersion,
    RegisteredModel,
    chain_id,
    check_alias,
    check_model_name,
    name_taken,
)
from trackrecord.store.sql.connection import Cursor, SqlDatabase, locked_write
from trackrecord.store.sql.evaluations import SqlEvaluations, check_criteria_list, new_criteria_id
from trackrecord.store.sql.registry_views import apply_registry_event
from trackrecord.store.sql.transparency_log import record_head
from trackrecord.values import normalise_tags

__all__ = ["SqlRegistry"]

_LOCK: Final = "trackrecord:registry:"
_MODEL_COLUMNS: Final = (
    "name, project, description, tags, created_at, created_by, updated_at, head_seq, head_hash"
)
_VERSION_COLUMNS: Final = (
    "model, version, run_id, run_model, digest, flavor, files, description, tags, status, "
    "status_reason, created_at, created_by"
)


def _now() -> int:
    return time.time_ns() // 1_000_000


def _optional_text(value: object, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 10_000:
        raise InvalidValueError(f"{what} must be a string of at most 10,000 characters")
    return value


def _actor(actor: object) -> str:
    if not isinstance(actor, str) or not actor.strip():
        raise InvalidValueError("a registry change needs the name of who makes it (actor)")
    return actor[:200]


class SqlRegistry(SqlEvaluations):
    """Registered models, versions and aliases kept in *database*."""

    def __init__(self, database: SqlDatabase) -> None:
        self.database = database

    # -- reads ---------------------------------------------------------------------------

    def registered_models(self) -> list[RegisteredModel]:
        """See :meth:`Catalog.registered_models`."""
        rows = (
            self.database.read()
            .execute(f"SELECT {_MODEL_COLUMNS} FROM registered_models ORDER BY name")
            .fetchall()
        )
        return self._models(rows)

    def registered_model(self, name: str) -> RegisteredModel:
        """See :meth:`Catalog.registered_model`."""
        rows = (
            self.database.read()
            .execute(f"SELECT {_MODEL_COLUMNS} FROM registered_models WHERE name = ?", (name,))
            .fetchall()
        )
        if not rows:
            raise NotFoundError(
                f"no registered model {name!r}; register one with "
                f"trackrecord models register RUN_ID MODEL_NAME --name {name}"
            )
        return self._models(rows)[0]

    def _models(self, rows: list[Any]) -> list[RegisteredModel]:
        conn = self.database.read()
        aliases: dict[str, dict[str, int]] = {}
        for model, alias, version in conn.execute(
            "SELECT model, alias, version FROM model_aliases ORDER BY alias"
        ):
            aliases.setdefault(model, {})[alias] = int(version)
        latest = dict(
            conn.execute("SELECT model, MAX(version) FROM model_versions GROUP BY model").fetchall()
        )
        return [
            RegisteredModel(
                name=row[0],
                project=row[1],
                description=row[2],
                tags=decode_json(row[3]),
                created_at=row[4],
                created_by=row[5],
                updated_at=row[6],
                latest_version=latest.get(row[0]),
                aliases=aliases.get(row[0], {}),
                head_seq=row[7],
                head_hash=row[8],
            )
            for row in rows
        ]

    def model_versions(self, name: str) -> list[ModelVersion]:
        """See :meth:`Catalog.model_versions`."""
        self.registered_model(name)
        return self._versions("WHERE model = ? ORDER BY version DESC", (name,))

    def model_version(self, name: str, version: int | str) -> ModelVersion:
        """See :meth:`Catalog.model_version`."""
        self.registered_model(name)
        number = _version_number(version)
        if number is None:
            row = (
                self.database.read()
                .execute(
                    "SELECT version FROM model_aliases WHERE model = ? AND alias = ?",
                    (name, version),
                )
                .fetchone()
            )
            if row is None:
                raise NotFoundError(f"model {name!r} has no alias {version!r}")
            number = int(row[0])
        found = self._versions("WHERE model = ? AND version = ?", (name, number))
        if not found:
            raise NotFoundError(f"model {name!r} has no version {number}")
        return found[0]

    def versions_of_run(self, run_id: str) -> list[ModelVersion]:
        """The registered versions made from a run's logged models."""
        return self._versions("WHERE run_id = ? ORDER BY model, version", (run_id,))

    def _versions(self, where: str, args: tuple[Any, ...]) -> list[ModelVersion]:
        conn = self.database.read()
        rows = conn.execute(f"SELECT {_VERSION_COLUMNS} FROM model_versions {where}", args)
        found = rows.fetchall()
        aliases: dict[tuple[str, int], list[str]] = {}
        for model in {row[0] for row in found}:
            for alias, version in conn.execute(
                "SELECT alias, version FROM model_aliases WHERE model = ? ORDER BY alias", (model,)
            ):
                aliases.setdefault((model, int(version)), []).append(alias)
        return [
            ModelVersion(
                model=row[0],
                version=int(row[1]),
                run_id=row[2],
                run_model=row[3],
                digest=row[4],
                flavor=row[5],
                files=decode_json(row[6]),
                description=row[7],
                tags=decode_json(row[8]),
                status=row[9],
                status_reason=row[10],
                created_at=row[11],
                created_by=row[12],
                aliases=aliases.get((row[0], int(row[1])), []),
            )
            for row in found
        ]

    def registry_history(self, name: str) -> list[Event]:
        """See :meth:`Catalog.registry_history`."""
        self.registered_model(name)
        return self.registry_chain(name)

    def registry_chain(self, name: str) -> list[Event]:
        """A model's registry events as stored, whether or not its row in
        ``registered_models`` is there (what verification reads)."""
        rows = (
            self.database.read()
            .execute(
                "SELECT seq, type, time, body, prev_hash, hash FROM registry_events "
                "WHERE model = ? "
                "ORDER BY seq",
                (name,),
            )
            .fetchall()
        )
        return [
            Event(chain_id(name), seq, type_, at, prev, decode_json(body), digest)
            for seq, type_, at, body, prev, digest in rows
        ]

    def logged_model(self, run_id: str, name: str) -> LoggedModel:
        """See :meth:`Catalog.logged_model`."""
        found = self._logged("WHERE run_id = ? AND name = ?", (run_id, name))
        if not found:
            raise NotFoundError(
                f"run {run_id} logged no model named {name!r}; log it with "
                f"run.log_model(model, {name!r})"
            )
        return found[0]

    def logged_models(self, run_id: str) -> list[LoggedModel]:
        """See :meth:`Catalog.logged_models`."""
        return self._logged("WHERE run_id = ? ORDER BY name", (run_id,))

    def _logged(self, where: str, args: tuple[Any, ...]) -> list[LoggedModel]:
        rows = (
            self.database.read()
            .execute(
                "SELECT run_id, name, digest, flavor, format, path, size, files, meta, created_at "
                f"FROM logged_models {where}",
                args,
            )
            .fetchall()
        )
        return [
            LoggedModel(
                r[0], r[1], r[2], r[3], r[4], r[5], r[6], decode_json(r[7]), decode_json(r[8]), r[9]
            )
            for r in rows
        ]

    # -- changes -------------------------------------------------------------------------

    def _append(
        self, cur: Cursor, model: str, type_: str, body: Mapping[str, Any], actor: str,
        reason: str | None,
    ) -> Event:  # fmt: skip
        row = cur.execute(
            "SELECT head_seq, head_hash FROM registered_models WHERE name = ?", (model,)
        ).fetchone()
        seq, prev = (int(row[0]) + 1, str(row[1])) if row else (1, GENESIS)
        full = {**body, "actor": actor, "reason": _optional_text(reason, "reason")}
        event = Event.build(chain_id(model), seq, type_, _now(), prev, full)
        cur.execute(
            "INSERT INTO registry_events (model, seq, type, time, body, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (model, seq, type_, event.time, canonical_json(full).decode(), prev, event.hash),
        )
        apply_registry_event(cur, event)
        record_head(cur, "registry", event.run_id, seq, event.hash)
        return event

    def _write(self, model: str) -> AbstractContextManager[Cursor]:
        """A write transaction holding the model's lock (replicas take turns)."""
        return locked_write(self.database, _LOCK + model, "change the registry")

    def _create(
        self, cur: Cursor, name: str, project: str, actor: str,
        description: str | None, tags: dict[str, str],
    ) -> None:  # fmt: skip
        body = {"project": project, "description": description, "tags": tags}
        self._append(cur, name, "model.create", body, actor, None)

    def create_model(
        self,
        name: str,
        project: str,
        actor: str,
        description: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> RegisteredModel:
        """See :meth:`Catalog.create_model`."""
        check_model_name(name)
        actor = _actor(actor)
        if not isinstance(project, str) or not project:
            raise InvalidValueError("a registered model needs the project it belongs to")
        description = _optional_text(description, "description")
        with self._write(name) as cur:
            if cur.execute("SELECT 1 FROM registered_models WHERE name = ?", (name,)).fetchone():
                raise name_taken(name)
            self._create(cur, name, project, actor, description, normalise_tags(tags or {}))
        return self.registered_model(name)

    def create_version(
        self,
        name: str,
        run_id: str,
        run_model: str,
        actor: str,
        description: str | None = None,
        tags: dict[str, str] | None = None,
        project: str | None = None,
    ) -> ModelVersion:
        """See :meth:`Catalog.create_version`."""
        check_model_name(name)
        actor = _actor(actor)
        logged = self.logged_model(run_id, run_model)
        project_row = (
            self.database.read()
            .execute(
                "SELECT p.name FROM runs r JOIN projects p ON p.id = r.project_id WHERE r.id = ?",
                (run_id,),
            )
            .fetchone()
        )
        description = _optional_text(description, "description")
        tags = normalise_tags(tags or {})
        with self._write(name) as cur:
            row = cur.execute(
                "SELECT project FROM registered_models WHERE name = ?", (name,)
            ).fetchone()
            if row is None:
                self._create(cur, name, project or project_row[0], actor, None, {})
            elif project is not None and row[0] != project:
                raise name_taken(name)
            (last,) = cur.execute(
                "SELECT COALESCE(MAX(version), 0) FROM model_versions WHERE model = ?", (name,)
            ).fetchone()
            version = int(last) + 1
            body = {
                "version": version, "run_id": run_id, "run_model": run_model,
                "digest": logged.digest, "flavor": logged.flavor, "files": logged.files,
                "description": description, "tags": tags,
            }  # fmt: skip
            self._append(cur, name, "version.create", body, actor, None)
        return self.model_version(name, version)

    def update_model(
        self,
        name: str,
        actor: str,
        description: str | None = None,
        tags: dict[str, str] | None = None,
        reason: str | None = None,
    ) -> RegisteredModel:
        """See :meth:`Catalog.update_model`."""
        actor = _actor(actor)
        current = self.registered_model(name)
        body: dict[str, Any] = {}
        if description is not None:
            body["description"] = _optional_text(description, "description")
        if tags is not None:
            body["tags"] = {**current.tags, **normalise_tags(tags)}
        if not body:
            raise InvalidValueError("nothing to change: give a description or tags")
        with self._write(name) as cur:
            self._append(cur, name, "model.update", body, actor, reason)
        return self.registered_model(name)

    def update_version(
        self,
        name: str,
        version: int,
        actor: str,
        description: str | None = None,
        tags: dict[str, str] | None = None,
        status: str | None = None,
        reason: str | None = None,
    ) -> ModelVersion:
        """See :meth:`Catalog.update_version`."""
        actor = _actor(actor)
        current = self.model_version(name, _checked_version(version))
        body: dict[str, Any] = {"version": current.version}
        if description is not None:
            body["description"] = _optional_text(description, "description")
        if tags is not None:
            body["tags"] = {**current.tags, **normalise_tags(tags)}
        if status is not None:
            if status not in VERSION_STATUSES:
                raise InvalidValueError(
                    f"status {status!r} must be one of {', '.join(VERSION_STATUSES)}"
                )
            body["status"] = status
        if len(body) == 1:
            raise InvalidValueError("nothing to change: give a description, tags or a status")
        with self._write(name) as cur:
            self._append(cur, name, "version.update", body, actor, reason)
        return self.model_version(name, current.version)

    def set_alias(
        self, name: str, alias: str, version: int, actor: str, reason: str | None = None
    ) -> ModelVersion:
        """See :meth:`Catalog.set_alias`."""
        check_alias(alias)
        actor = _actor(actor)
        target = self.model_version(name, _checked_version(version))
        if target.status == "deprecated":
            raise InvalidValueError(
                f"version {target.version} of {name!r} is deprecated; pick another version, or "
                f"mark it ready again first"
            )
        self._check_signoffs(name, alias, target.version)
        with self._write(name) as cur:
            row = cur.execute(
                "SELECT version FROM model_aliases WHERE model = ? AND alias = ?", (name, alias)
            ).fetchone()
            body = {"alias": alias, "version": target.version,
                    "previous": None if row is None else int(row[0])}  # fmt: skip
            self._append(cur, name, "alias.set", body, actor, reason)
        return self.model_version(name, target.version)

    def set_criteria(
        self,
        name: str,
        version: int,
        criteria: list[dict[str, Any]],
        actor: str,
        reason: str | None = None,
    ) -> CriteriaSet:
        """See :meth:`Catalog.set_criteria`."""
        actor = _actor(actor)
        target = self.model_version(name, _checked_version(version))
        node = f"model:{name}/{target.version}"
        criteria = check_criteria_list(criteria, f"the criteria of {node}")
        with self._write(name) as cur:
            latest = cur.execute(
                "SELECT id FROM criteria_sets WHERE target = ? ORDER BY time DESC, seq DESC "
                "LIMIT 1",
                (node,),
            ).fetchone()
            criteria_id = new_criteria_id()
            body = {"version": target.version, "id": criteria_id, "criteria": criteria,
                    "supersedes": latest[0] if latest else None}  # fmt: skip
            self._append(cur, name, "criteria.set", body, actor, reason)
        return self.criteria_set(criteria_id)

    def version_hash(self, name: str, version: int) -> str:
        """The hash of the registry event that created a version: what a sign-off covers."""
        for event in self.registry_history(name):
            if event.type == "version.create" and event.body.get("version") == version:
                return event.hash
        raise NotFoundError(f"model {name!r} has no version {version}")

    def _check_signoffs(self, name: str, alias: str, version: int) -> None:
        """Refuse to move *alias* to *version* without the sign-offs its policy requires."""
        row = (
            self.database.read()
            .execute(
                "SELECT required FROM signoff_policies WHERE model = ? AND alias = ?", (name, alias)
            )
            .fetchone()
        )
        required = 0 if row is None else int(row[0])
        if required <= 0:
            return
        from trackrecord.store.sql.signoffs import SqlSignoffs  # verifying needs cryptography

        target = f"model:{name}/{version}"
        valid = SqlSignoffs(self.database).valid_signoffs(target, self.version_hash(name, version))
        if len(valid) < required:
            signers = ", ".join(sorted(s.signer for s in valid)) or "nobody"
            raise PermissionDeniedError(
                f"{name}@{alias} needs {required} approving sign-offs of version {version} "
                f"from different people before it may move; it has {len(valid)} ({signers}). "
                f"Sign with: trackrecord sign model models:/{name}/{version}"
            )

    def set_signoff_policy(
        self, name: str, alias: str, required: int, actor: str, reason: str | None = None
    ) -> None:
        """Require *required* approving sign-offs of a version before *alias* may point to it
        (0: none). The change is a registry event."""
        check_alias(alias)
        actor = _actor(actor)
        self.registered_model(name)
        if isinstance(required, bool) or not isinstance(required, int) or not 0 <= required <= 20:
            raise InvalidValueError(f"required sign-offs {required!r} must be from 0 to 20")
        with self._write(name) as cur:
            self._append(cur, name, "policy.set", {"alias": alias, "required": required},
                         actor, reason)  # fmt: skip

    def delete_alias(self, name: str, alias: str, actor: str, reason: str | None = None) -> None:
        """See :meth:`Catalog.delete_alias`."""
        actor = _actor(actor)
        current = self.model_version(name, check_alias(alias))
        with self._write(name) as cur:
            body = {"alias": alias, "previous": current.version}
            self._append(cur, name, "alias.delete", body, actor, reason)


def _version_number(version: int | str) -> int | None:
    if isinstance(version, bool):
        raise InvalidValueError(f"version {version!r} must be a number or an alias")
    if isinstance(version, int):
        return version
    if isinstance(version, str) and version.isdigit():
        return int(version)
    return None


def _checked_version(version: object) -> int:
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidValueError(f"version {version!r} must be a whole number from 1")
    return version
