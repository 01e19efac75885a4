"""Materialising ``dataset`` and ``model`` events into the catalog's tables.

Bodies are checked here, where every writer's events arrive, so that a crafted
event cannot record a malformed digest, an escaping path or a non-JSON value.

``dataset`` body: ``name``, ``role``, ``direction`` (``input`` | ``output``),
``digest`` (64 hex digits, or ``ref:`` and 64 hex for a reference whose content
was not read), ``kind``, and optionally ``version`` (the user's label), ``uri``,
``size``, ``rows``, ``schema``, ``profile``, ``sources``, ``datasheet``,
``description`` and ``manifest`` (``{"sha256": ...}`` of the directory
manifest stored as an artifact).

``model`` body: ``name``, ``digest``, ``flavor``, ``format``, ``path`` (the
artifact folder holding the files), ``files`` (``[{"path", "sha256", "size"}]``
relative to ``path``) and ``meta`` (frameworks, class, signature, risks).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from trackrecord.artifacts.base import check_artifact_path, check_digest
from trackrecord.errors import InvalidValueError
from trackrecord.record.events import Event, canonical_json
from trackrecord.store.catalog import check_model_name
from trackrecord.store.sql.connection import Cursor
from trackrecord.store.sql.ledger import append_ledger
from trackrecord.store.sql.ledger_views import DATASET_LATER

__all__ = ["apply_dataset", "apply_model", "check_dataset_digest", "record_dataset_version"]

_DATASET_DIGEST: Final = re.compile(r"(ref:)?[0-9a-f]{64}")
_DATASET_LOCK: Final = "trackrecord:dataset:"


def check_dataset_digest(digest: object, where: str = "dataset digest") -> str:
    """64 lowercase hex digits, or ``ref:`` and 64 for a reference only."""
    if not isinstance(digest, str) or not _DATASET_DIGEST.fullmatch(digest):
        raise InvalidValueError(
            f"{where} {digest!r} must be a SHA-256 in lowercase hex (or 'ref:' and one)"
        )
    return digest


def _digest(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise InvalidValueError(f"{where}: sha256 must be a string, not {value!r}")
    return check_digest(value)


def _path(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise InvalidValueError(f"{where} must be a string, not {value!r}")
    return check_artifact_path(value, where)


def _text(body: Mapping[str, Any], key: str, where: str, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > 10_000:
        raise InvalidValueError(f"{where}: {key} must be a non-empty string, not {value!r}")
    return value


def _count(body: Mapping[str, Any], key: str, where: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValueError(f"{where}: {key} must be a whole number >= 0, not {value!r}")
    return value


def _json(body: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = body.get(key)
    if value is not None and not isinstance(value, kind):
        raise InvalidValueError(f"{where}: {key} must be a {kind.__name__}")
    return value


def _dataset_use(event: Event) -> tuple[str, str, str, str, dict[str, Any]]:
    """(name, digest, role, direction, the version's columns) of a checked ``dataset`` body."""
    body = event.body
    where = f"the dataset event {event.seq} of run {event.run_id}"
    name = check_model_name(body.get("name"), f"{where}: dataset name")
    digest = check_dataset_digest(body.get("digest"), f"{where}: digest")
    role = _text(body, "role", where, required=True)
    if role is None or len(role) > 64:
        raise InvalidValueError(f"{where}: role must be at most 64 characters")
    direction = body.get("direction", "input")
    if direction not in ("input", "output"):
        raise InvalidValueError(f"{where}: direction must be 'input' or 'output'")
    kind = _text(body, "kind", where, required=True)
    manifest = body.get("manifest")
    manifest_sha = None
    if manifest is not None:
        if not isinstance(manifest, Mapping):
            raise InvalidValueError(f"{where}: manifest must be an object with a sha256")
        manifest_sha = _digest(manifest.get("sha256"), where)
    sources = body.get("sources") or []
    if not isinstance(sources, list) or not all(isinstance(s, Mapping) for s in sources):
        raise InvalidValueError(f"{where}: sources must be a list of objects")
    columns = {
        "label": _text(body, "version", where), "kind": kind, "uri": _text(body, "uri", where),
        "size": _count(body, "size", where), "row_count": _count(body, "rows", where),
        "schema": _json(body, "schema", list, where),
        "profile": _json(body, "profile", dict, where), "sources": sources,
        "datasheet": _json(body, "datasheet", dict, where),
        "description": _text(body, "description", where), "manifest_sha256": manifest_sha,
    }  # fmt: skip
    return name, digest, role, direction, columns


def apply_dataset(cur: Cursor, event: Event) -> None:
    """Record a run's use of a dataset version (``run_datasets``), in the run's project.

    Dataset names are namespaced per project: the version belongs to the run's project, so
    a run names only its own project's datasets, and two projects may both have an "mnist".
    The version itself is numbered by the writer in the ledger
    (:func:`record_dataset_version`).
    """
    name, digest, role, direction, _ = _dataset_use(event)
    cur.execute(
        "INSERT INTO run_datasets (run_id, project, name, digest, role, direction, time) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (event.run_id, _project_of_run(cur, event.run_id), name, digest, role, direction,
         event.time),
    )  # fmt: skip


def record_dataset_version(cur: Cursor, event: Event, lock: str) -> None:
    """The writer's step after a ``dataset`` event: a version first used is numbered
    (the next number of its name in the run's project) by a ``dataset.version`` ledger
    event; a later use that says more (a label, a URI, a datasheet, a description) than
    the version holds is recorded by a ``dataset.update`` ledger event."""
    name, digest, _, _, columns = _dataset_use(event)
    project = _project_of_run(cur, event.run_id)
    if lock:
        cur.execute(lock, (f"{_DATASET_LOCK}{project}/{name}",))
    known = cur.execute(
        f"SELECT {', '.join(DATASET_LATER)} FROM dataset_versions WHERE project = ? AND "
        f"name = ? AND digest = ?",
        (project, name, digest),
    ).fetchone()
    key = {"project": project, "name": name, "digest": digest}
    if known is None:
        (last,) = cur.execute(
            "SELECT COALESCE(MAX(number), 0) FROM dataset_versions WHERE project = ? AND name = ?",
            (project, name),
        ).fetchone()
        body = {**key, **columns, "number": int(last) + 1, "first_run": event.run_id,
                "created_at": event.time}  # fmt: skip
        append_ledger(cur, "dataset.version", body, lock=lock)
        return
    stored = dict(zip(DATASET_LATER, known, strict=True))
    said = {c: columns[c] for c in DATASET_LATER if columns[c] is not None}
    if any(_as_stored(c, v) != stored[c] for c, v in said.items()):
        append_ledger(cur, "dataset.update", {**key, **said}, lock=lock)


def _as_stored(column: str, value: Any) -> Any:
    return canonical_json(value).decode() if column == "datasheet" else value


def _project_of_run(cur: Cursor, run_id: str) -> str:
    """The project a run belongs to (its dataset names are that project's)."""
    (project,) = cur.execute(
        "SELECT p.name FROM runs r JOIN projects p ON p.id = r.project_id WHERE r.id = ?",
        (run_id,),
    ).fetchone()
    return str(project)


def _model_files(files: object, where: str) -> list[dict[str, Any]]:
    if not isinstance(files, list) or not files:
        raise InvalidValueError(f"{where}: files must list the model's files")
    checked = []
    for record in files:
        if not isinstance(record, Mapping):
            raise InvalidValueError(f"{where}: a file record is not an object")
        size = record.get("size")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise InvalidValueError(f"{where}: size {size!r} must be a whole number of bytes")
        checked.append(
            {
                "path": _path(record.get("path"), f"{where}: file path"),
                "sha256": _digest(record.get("sha256"), where),
                "size": size,
            }
        )
    return checked


def apply_model(cur: Cursor, event: Event) -> None:
    """Record a model the run logged (logging the same name again replaces it)."""
    body = event.body
    where = f"the model event {event.seq} of run {event.run_id}"
    name = check_model_name(body.get("name"), f"{where}: model name")
    digest = _digest(body.get("digest"), where)
    files = _model_files(body.get("files"), where)
    path = _path(body.get("path"), f"{where}: path")
    flavor = _text(body, "flavor", where, required=True)
    fmt = _text(body, "format", where, required=True)
    meta = canonical_json(_json(body, "meta", dict, where) or {}).decode()
    cur.execute(
        "INSERT INTO logged_models (run_id, name, digest, flavor, format, path, size, files, "
        "meta, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, name) DO "
        "UPDATE SET digest = excluded.digest, flavor = excluded.flavor, format = excluded.format, "
        "path = excluded.path, size = excluded.size, files = excluded.files, meta = excluded.meta, "
        "created_at = excluded.created_at",
        (
            event.run_id, name, digest, flavor, fmt, path, sum(f["size"] for f in files),
            canonical_json(files).decode(), meta, event.time,
        ),
    )  # fmt: skip
