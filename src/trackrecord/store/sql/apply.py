"""Materialising events into the SQL views (runs, params, tags, metrics, artifacts).

:func:`apply_events` is the one write path of the SQL store. Its events come
checked against the one schema (:mod:`trackrecord.event_schema`); here they are
checked against what is stored: that each continues the stored chain (``seq`` and
``prev``), that its hash matches its content, and that an ended run is sealed. It
skips events already stored (idempotent by ``(run, seq)``), and updates the views
in the same transaction as the event row.

How an event changes the views is :func:`derive_run_event` (and :func:`set_run_head`):
the one derivation that ``trackrecord verify`` replays to rebuild a run's views from its
events alone (see :mod:`~trackrecord.store.sql.rebuild`). What only the writer does
besides is kept apart: checks against other chains (the criteria an evaluation names)
and the ledger events a run's event leads to (the number of a dataset version).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import numpy as np

from trackrecord.artifacts.base import check_artifact_path, check_digest
from trackrecord.errors import ChainConflictError, InvalidValueError
from trackrecord.event_schema import check_sealed
from trackrecord.record.events import GENESIS, Event, Points, canonical_json
from trackrecord.store.sql.catalog_views import apply_dataset, apply_model, record_dataset_version
from trackrecord.store.sql.connection import Cursor, insert_rows
from trackrecord.store.sql.evaluations import (
    apply_criteria,
    apply_evaluation,
    check_evaluation_criteria,
)
from trackrecord.store.sql.metric_chunks import append_series
from trackrecord.store.sql.projects import ensure_project
from trackrecord.store.sql.transparency_log import record_head
from trackrecord.values import flatten_params

__all__ = ["RUN_EVENT_TYPES", "apply_events", "derive_run_event", "set_run_head"]


def apply_events(cur: Cursor, events: Sequence[Event], lock_run: str = "") -> int:
    """Apply events of one run in order inside the caller's transaction; return the head seq.

    *lock_run* is the database's statement that locks the run (by id) until
    commit, so concurrent appends to one run take turns — also when the run
    does not exist yet (none on SQLite, whose write transactions are serial).
    """
    if not events:
        return 0
    run_id = events[0].run_id
    if lock_run:
        cur.execute(lock_run, (run_id,))
    row = cur.execute(
        "SELECT head_seq, head_hash, status FROM runs WHERE id = ?", (run_id,)
    ).fetchone()
    head_seq, head_hash = (0, GENESIS) if row is None else (int(row[0]), str(row[1]))
    status = None if row is None else str(row[2])
    for event in events:
        if event.run_id != run_id:
            raise ChainConflictError(
                f"append_events got events of runs {run_id} and {event.run_id} in one call; "
                f"send each run's events separately"
            )
        if event.seq <= head_seq:
            _check_already_stored(cur, event)
            continue
        _check_continues(event, head_seq, head_hash)
        check_sealed(event, status)  # an ended run takes annotations and a resume only
        status = _status_after(event, status)
        derive_run_event(cur, event)
        if event.type in _WRITER_STEPS:
            _WRITER_STEPS[event.type](cur, event, lock_run)
        cur.execute(
            "INSERT INTO events (run_id, seq, type, time, body, points, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                event.seq,
                event.type,
                event.time,
                canonical_json(event.body).decode(),
                json.dumps({k: len(p) for k, p in event.points.items()}) if event.points else None,
                event.prev,
                event.hash,
            ),
        )
        head_seq, head_hash = event.seq, event.hash
    set_run_head(cur, run_id, head_seq, head_hash, events[-1].time)
    record_head(cur, "run", run_id, head_seq, head_hash)
    return head_seq


def derive_run_event(cur: Cursor, event: Event) -> None:
    """Change the run's views as *event* says (the caller's transaction): the derivation
    the writer and verification share. It reads only the run's own views.

    Raises:
        InvalidValueError: a body its type does not allow.
        KeyError: an unknown event type (the writer refuses those before).
    """
    _HANDLERS[event.type](cur, event)


def set_run_head(cur: Cursor, run_id: str, seq: int, digest: str, time: int) -> None:
    """Record the run's chain head (its last event *seq* and hash), and *time*, that
    event's time, as when the run was last updated."""
    cur.execute(
        "UPDATE runs SET head_seq = ?, head_hash = ?, updated_at = ? WHERE id = ?",
        (seq, digest, time, run_id),
    )


def _status_after(event: Event, status: str | None) -> str | None:
    """The run's status once *event* is applied."""
    if event.type == "run.end":
        return str(event.body["status"])
    return "running" if event.type in ("run.start", "run.resume") else status


def _check_already_stored(cur: Cursor, event: Event) -> None:
    stored = cur.execute(
        "SELECT hash FROM events WHERE run_id = ? AND seq = ?", (event.run_id, event.seq)
    ).fetchone()
    if stored is None or stored[0] != event.hash:
        raise ChainConflictError(
            f"run {event.run_id} already has an event {event.seq} with other content; two "
            f"writers may be logging to the same run. Resume the run in one process only"
        )


def _check_continues(event: Event, head_seq: int, head_hash: str) -> None:
    if event.seq != head_seq + 1 or event.prev != head_hash:
        raise ChainConflictError(
            f"event {event.seq} of run {event.run_id} does not continue the stored chain "
            f"(stored head is event {head_seq}); send the missing events first"
        )
    if head_seq == 0 and event.type != "run.start":
        raise ChainConflictError(
            f"run {event.run_id} must begin with a run.start event, not {event.type}"
        )
    if event.type not in _HANDLERS:
        raise ChainConflictError(
            f"unknown event type {event.type!r} in run {event.run_id}; "
            f"known types: {', '.join(sorted(_HANDLERS))}"
        )
    if not event.verify():
        raise ChainConflictError(
            f"event {event.seq} of run {event.run_id} has a hash that does "
            f"not match its content; it was altered or built wrongly"
        )


def _start(cur: Cursor, event: Event) -> None:
    body = event.body
    project_id = ensure_project(cur, body["project"], event.time)
    cur.execute(
        "INSERT INTO runs (id, project_id, name, status, run_group, parent_id, notes, user_name, "
        "host, created_at, updated_at, head_seq, head_hash) VALUES (?, ?, ?, 'running', ?, ?, ?, "
        "?, ?, ?, ?, 0, ?)",
        (
            event.run_id,
            project_id,
            body["name"],
            body.get("group"),
            body.get("parent"),
            body.get("notes"),
            body.get("user"),
            body.get("host"),
            event.time,
            event.time,
            GENESIS,
        ),
    )
    _set_params(cur, event.run_id, body.get("config") or {})
    _set_tags(cur, event.run_id, body.get("tags") or {})


def _resume(cur: Cursor, event: Event) -> None:
    cur.execute(
        "UPDATE runs SET status = 'running', finished_at = NULL, error = NULL WHERE id = ?",
        (event.run_id,),
    )


def _end(cur: Cursor, event: Event) -> None:
    error = event.body.get("error")
    stored = canonical_json(error).decode() if error else None  # the same text on replay
    cur.execute(
        "UPDATE runs SET status = ?, finished_at = ?, error = ? WHERE id = ?",
        (event.body["status"], event.time, stored, event.run_id),
    )


def param_columns(value: Any) -> tuple[str, float | None, str | None]:
    """The typed columns queries compare: (kind, number, text) of a JSON value."""
    if isinstance(value, bool):
        return "bool", float(value), None
    if isinstance(value, (int, float)):
        return "number", None if math.isnan(value) else float(value), None
    if isinstance(value, str):
        return "string", None, value
    if value is None:
        return "null", None, None
    return ("list" if isinstance(value, list) else "dict"), None, canonical_json(value).decode()


def _set_params(cur: Cursor, run_id: str, params: Mapping[str, Any]) -> None:
    cur.executemany(
        "INSERT INTO params (run_id, key, value, kind, num, text) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, kind = excluded.kind, "
        "num = excluded.num, text = excluded.text",
        [
            (run_id, k, canonical_json(v).decode(), *param_columns(v))
            for k, v in flatten_params(params).items()
        ],
    )


def _set_tags(cur: Cursor, run_id: str, tags: Mapping[str, str]) -> None:
    cur.executemany(
        "INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) "
        "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value",
        [(run_id, k, v) for k, v in tags.items()],
    )


def _params(cur: Cursor, event: Event) -> None:
    _set_params(cur, event.run_id, event.body["params"])


def _tags(cur: Cursor, event: Event) -> None:
    _set_tags(cur, event.run_id, event.body["tags"])


def _notes(cur: Cursor, event: Event) -> None:
    cur.execute("UPDATE runs SET notes = ? WHERE id = ?", (event.body["text"], event.run_id))


def _check_files(event: Event) -> list[Mapping[str, Any]]:
    """The file records of an ``artifact`` event; InvalidValueError if any is malformed.

    Paths are checked here, where every writer's events arrive (the SDK checks them
    too), so a crafted event cannot record a path that escapes a download directory.
    """
    files = event.body.get("files")
    where = f"the artifact event {event.seq} of run {event.run_id}"
    if not isinstance(files, list):
        raise InvalidValueError(f"{where} must list its files: {{'files': [{{'path': ...}}]}}")
    for record in files:
        if not isinstance(record, Mapping):
            raise InvalidValueError(f"{where} has a file record that is not an object")
        path, digest = record.get("path"), record.get("sha256")
        size, kind = record.get("size"), record.get("media_type")
        if not isinstance(path, str) or not isinstance(digest, str):
            raise InvalidValueError(f"{where}: path and sha256 must be strings")
        try:
            check_artifact_path(path)
            check_digest(digest)
        except InvalidValueError as exc:
            raise InvalidValueError(f"{where}: {exc}") from None
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise InvalidValueError(f"{where}: size {size!r} must be a whole number of bytes")
        if not isinstance(kind, str):
            raise InvalidValueError(f"{where}: media_type {kind!r} must be a string")
    return files


def _artifact(cur: Cursor, event: Event) -> None:
    files = _check_files(event)
    cur.executemany(
        "INSERT INTO artifacts (run_id, path, sha256, size, media_type, created_at) VALUES "
        "(?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, path) DO UPDATE SET sha256 = excluded.sha256, "
        "size = excluded.size, media_type = excluded.media_type, created_at = excluded.created_at",
        [
            (event.run_id, f["path"], f["sha256"], f["size"], f["media_type"], event.time)
            for f in files
        ],
    )


_SUMMARY_INSERT: Final = """
INSERT INTO metric_summaries AS s
    (run_id, key, count, last, last_step, last_time, max_step, min, max)"""
_SUMMARY_UPDATE: Final = """
ON CONFLICT (run_id, key) DO UPDATE SET
    count = s.count + excluded.count, last = excluded.last, last_step = excluded.last_step,
    last_time = excluded.last_time,
    max_step = CASE WHEN excluded.max_step > s.max_step THEN excluded.max_step
                    ELSE s.max_step END,
    min = CASE WHEN s.min IS NULL OR excluded.min < s.min THEN excluded.min
               WHEN excluded.min IS NULL THEN s.min ELSE s.min END,
    max = CASE WHEN s.max IS NULL OR excluded.max > s.max THEN excluded.max
               WHEN excluded.max IS NULL THEN s.max ELSE s.max END
"""


def _nan_to_none(value: float) -> float | None:
    return None if np.isnan(value) else value


def _metrics(cur: Cursor, event: Event) -> None:
    """Every key's points, chunked and summarised in a few statements for all keys."""
    series = {key: points for key, points in event.points.items() if len(points)}
    if series:
        append_series(cur, event.run_id, series)
        rows = [_summary_row(event.run_id, key, points) for key, points in series.items()]
        insert_rows(cur, _SUMMARY_INSERT, rows, _SUMMARY_UPDATE)


def _summary_row(run_id: str, key: str, points: Points) -> tuple[object, ...]:
    finite = points.values[~np.isnan(points.values)]
    low = float(finite.min()) if len(finite) else None
    high = float(finite.max()) if len(finite) else None
    return (
        run_id,
        key,
        len(points),
        _nan_to_none(float(points.values[-1])),
        int(points.steps[-1]),
        int(points.times[-1]),
        int(points.steps.max()),
        low,
        high,
    )


def _environment(cur: Cursor, event: Event) -> None:
    """The environment lives in its event; the git commit and branch are queryable."""
    git = event.body.get("git")
    if isinstance(git, Mapping):
        cur.execute(
            "UPDATE runs SET git_commit = ?, git_branch = ? WHERE id = ?",
            (git.get("commit"), git.get("branch"), event.run_id),
        )


def _console(cur: Cursor, event: Event) -> None:
    """A ``console`` event's lines (checked by the schema) live in its event row only."""


def _rename(cur: Cursor, event: Event) -> None:
    cur.execute("UPDATE runs SET name = ? WHERE id = ?", (event.body["name"], event.run_id))


def _delete(cur: Cursor, event: Event) -> None:
    cur.execute("UPDATE runs SET deleted_at = ? WHERE id = ?", (event.time, event.run_id))


def _restore(cur: Cursor, event: Event) -> None:
    cur.execute("UPDATE runs SET deleted_at = NULL WHERE id = ?", (event.run_id,))


_HANDLERS: Final[dict[str, Callable[[Cursor, Event], None]]] = {
    "run.start": _start,
    "run.resume": _resume,
    "run.end": _end,
    "params": _params,
    "tags": _tags,
    "notes": _notes,
    "artifact": _artifact,
    "model": apply_model,
    "dataset": apply_dataset,
    "criteria": apply_criteria,
    "evaluation": apply_evaluation,
    "metrics": _metrics,
    "environment": _environment,
    "console": _console,
    "run.rename": _rename,
    "run.delete": _delete,
    "run.restore": _restore,
}

RUN_EVENT_TYPES: Final = frozenset(_HANDLERS)
"""Every type of run event the store materialises."""

_WRITER_STEPS: Final[dict[str, Callable[[Cursor, Event, str], None]]] = {
    # what the writer does besides deriving the views (taking the database's lock
    # statement, to lock a name it numbers under): checks against other chains, and the
    # ledger events an event leads to
    "dataset": record_dataset_version,
    "evaluation": check_evaluation_criteria,
}
