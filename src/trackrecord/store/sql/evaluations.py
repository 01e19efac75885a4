"""Criteria sets and evaluations: materialised from events, checked, and read back.

A ``criteria`` event in a run (or a ``criteria.set`` event in a registered
model's chain) records acceptance criteria before any evaluation. An
``evaluation`` event in a run records what was evaluated, on which dataset
version, against which criteria set, and the verdicts; its full result is an
artifact whose SHA-256 the event names.

The store refuses an evaluation that names a criteria set recorded after the
evaluation began, one for another target, or one that another set had already
superseded when it began: criteria are fixed first, and stay as they were.

``criteria`` body: ``id`` (``crit_`` and 16+ hex), ``criteria`` (a list of
objects with ``metric``, ``op``, ``threshold``), optional ``supersedes``, ``reason``.
``evaluation`` body: ``id`` (``eval_`` and 16+ hex), ``started_at``, ``task``, ``n``,
``status``, ``metrics``, ``verdicts``, ``limitations``, ``result`` (``{"path",
"sha256"}``), and optionally ``target``, ``dataset`` (``{"name", "digest"}``),
``criteria`` (``{"id"}``).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any, Final

from trackrecord.artifacts.base import check_artifact_path, check_digest
from trackrecord.errors import InvalidValueError, NotFoundError
from trackrecord.record.events import Event, canonical_json, decode_json
from trackrecord.store.catalog import CriteriaSet, EvaluationRecord
from trackrecord.store.sql.connection import Cursor, SqlDatabase

__all__ = [
    "EVALUATION_STATUSES",
    "SqlEvaluations",
    "apply_criteria",
    "apply_evaluation",
    "check_criteria_list",
    "check_evaluation_criteria",
    "new_criteria_id",
    "new_evaluation_id",
    "record_criteria",
]

EVALUATION_STATUSES: Final = ("pass", "fail", "inconclusive", "none")
OPERATORS: Final = (">=", ">", "<=", "<")
_ID: Final = re.compile(r"(crit|eval)_[0-9a-f]{16,64}")
_CRITERIA_COLUMNS: Final = "id, target, chain, seq, time, actor, reason, criteria, supersedes"
_EVALUATION_COLUMNS: Final = (
    "id, run_id, seq, time, started_at, target, dataset_name, dataset_digest, criteria_id, "
    "task, n, status, summary, result_sha256"
)


def new_criteria_id() -> str:
    """A fresh criteria set id: ``crit_`` and 20 random hex digits."""
    return f"crit_{secrets.token_hex(10)}"


def new_evaluation_id() -> str:
    """A fresh evaluation id: ``eval_`` and 20 random hex digits."""
    return f"eval_{secrets.token_hex(10)}"


def _check_id(value: object, prefix: str, where: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value) or not value.startswith(prefix):
        raise InvalidValueError(f"{where}: id {value!r} must be '{prefix}' and 16+ hex digits")
    return value


def check_criteria_list(criteria: object, where: str) -> list[dict[str, Any]]:
    """A list of criterion objects, each with a metric, an operator and a numeric threshold."""
    if not isinstance(criteria, list) or not criteria:
        raise InvalidValueError(f"{where}: give at least one criterion")
    for item in criteria:
        if not isinstance(item, Mapping):
            raise InvalidValueError(f"{where}: each criterion must be an object")
        threshold = item.get("threshold")
        if (
            not isinstance(item.get("metric"), str)
            or item.get("op") not in OPERATORS
            or isinstance(threshold, bool)
            or not isinstance(threshold, (int, float))
        ):
            raise InvalidValueError(
                f"{where}: a criterion needs a metric name, an op in {', '.join(OPERATORS)} and "
                f"a numeric threshold, not {dict(item)!r}"
            )
    return [dict(item) for item in criteria]


def record_criteria(
    cur: Cursor, target: str, chain: str, seq: int, time: int, body: Mapping[str, Any]
) -> None:
    """Insert a criteria set (the caller's transaction); the supersedes link is checked."""
    where = f"the criteria of {target}"
    criteria_id = _check_id(body.get("id"), "crit_", where)
    criteria = check_criteria_list(body.get("criteria"), where)
    supersedes = body.get("supersedes")
    latest = cur.execute(
        "SELECT id FROM criteria_sets WHERE target = ? ORDER BY time DESC, seq DESC LIMIT 1",
        (target,),
    ).fetchone()
    if supersedes != (latest[0] if latest else None):
        raise InvalidValueError(
            f"{where} must supersede the current set {latest[0] if latest else None!r}, "
            f"not {supersedes!r} (criteria are never edited: a new set replaces the last)"
        )
    actor, reason = body.get("actor"), body.get("reason")
    cur.execute(
        f"INSERT INTO criteria_sets ({_CRITERIA_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            criteria_id, target, chain, seq, time, actor if isinstance(actor, str) else None,
            reason if isinstance(reason, str) else None, canonical_json(criteria).decode(),
            supersedes,
        ),
    )  # fmt: skip


def apply_criteria(cur: Cursor, event: Event) -> None:
    """A run's ``criteria`` event: criteria for the run's own evaluations."""
    run = f"run:{event.run_id}"
    record_criteria(cur, run, event.run_id, event.seq, event.time, event.body)


def _summary(body: Mapping[str, Any], path: str, where: str) -> str:
    metrics, verdicts, limitations = (
        body.get("metrics"), body.get("verdicts", []), body.get("limitations", [])
    )  # fmt: skip
    if not isinstance(metrics, Mapping) or not isinstance(verdicts, list):
        raise InvalidValueError(f"{where}: metrics must be an object and verdicts a list")
    if not isinstance(limitations, list) or not all(isinstance(t, str) for t in limitations):
        raise InvalidValueError(f"{where}: limitations must be a list of strings")
    summary = {"metrics": metrics, "verdicts": verdicts, "limitations": limitations,
               "result_path": path}  # fmt: skip
    return canonical_json(summary).decode()


def apply_evaluation(cur: Cursor, event: Event) -> None:
    """A run's ``evaluation`` event: its row (the writer checks the criteria it names
    first, with :func:`check_evaluation_criteria`)."""
    body = event.body
    where = f"the evaluation event {event.seq} of run {event.run_id}"
    evaluation_id = _check_id(body.get("id"), "eval_", where)
    started, n = body.get("started_at"), body.get("n")
    if isinstance(started, bool) or not isinstance(started, int) or started > event.time:
        raise InvalidValueError(f"{where}: started_at must be a time (ms) before the event")
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise InvalidValueError(f"{where}: n must be the number of predictions")
    status, task = body.get("status"), body.get("task")
    if status not in EVALUATION_STATUSES or not isinstance(task, str):
        raise InvalidValueError(f"{where}: status must be one of {', '.join(EVALUATION_STATUSES)}")
    target = body.get("target")
    if target is not None and not isinstance(target, str):
        raise InvalidValueError(f"{where}: target must be a lineage node such as model:NAME/3")
    result = body.get("result")
    if not isinstance(result, Mapping):
        raise InvalidValueError(f"{where}: result must name the result's artifact")
    path, sha = result.get("path"), result.get("sha256")
    if not isinstance(path, str) or not isinstance(sha, str):
        raise InvalidValueError(f"{where}: result must have a path and a sha256")
    check_artifact_path(path, f"{where}: result path")
    check_digest(sha)
    dataset = body.get("dataset") or {}
    if not isinstance(dataset, Mapping):
        raise InvalidValueError(f"{where}: dataset must be an object with a name and digest")
    criteria_id = _criteria_of(body, where)
    cur.execute(
        f"INSERT INTO evaluations ({_EVALUATION_COLUMNS}) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            evaluation_id, event.run_id, event.seq, event.time, started, target,
            dataset.get("name"), dataset.get("digest"), criteria_id, task, n, status,
            _summary(body, path, where), sha,
        ),
    )  # fmt: skip


def _criteria_of(body: Mapping[str, Any], where: str) -> str | None:
    reference = body.get("criteria")
    if reference is None:
        return None
    return _check_id(
        reference.get("id") if isinstance(reference, Mapping) else None, "crit_", where
    )


def check_evaluation_criteria(cur: Cursor, event: Event, lock: str = "") -> None:
    """The writer's check of an ``evaluation`` event against the criteria set it names,
    which may be in another chain (a model's): recorded for the same target before the
    evaluation began, and not superseded by then. Verification does not repeat it (it
    rebuilds each chain's views from that chain alone); the criteria stay as recorded."""
    body = event.body
    where = f"the evaluation event {event.seq} of run {event.run_id}"
    criteria_id = _criteria_of(body, where)
    if criteria_id is not None:
        target = body.get("target") or f"run:{event.run_id}"
        _check_preregistered(cur, criteria_id, target, int(body["started_at"]), where)


def _check_preregistered(
    cur: Cursor, criteria_id: str, target: str, started: int, where: str
) -> None:
    row = cur.execute(
        "SELECT target, time FROM criteria_sets WHERE id = ?", (criteria_id,)
    ).fetchone()
    if row is None:
        raise InvalidValueError(f"{where}: criteria {criteria_id} are not recorded")
    if row[0] != target:
        raise InvalidValueError(f"{where}: criteria {criteria_id} are for {row[0]}, not {target}")
    if row[1] > started:
        raise InvalidValueError(
            f"{where}: criteria {criteria_id} were recorded after the evaluation began; "
            f"criteria must be fixed before evaluating"
        )
    newer = cur.execute(
        "SELECT id FROM criteria_sets WHERE target = ? AND supersedes = ? AND time <= ?",
        (target, criteria_id, started),
    ).fetchone()
    if newer is not None:
        raise InvalidValueError(
            f"{where}: criteria {criteria_id} had been superseded by {newer[0]} when the "
            f"evaluation began; evaluate against the current criteria"
        )


class SqlEvaluations:
    """Reads of criteria sets and evaluations kept in *database*."""

    database: SqlDatabase

    def criteria_sets(self, target: str) -> list[CriteriaSet]:
        """See :meth:`Catalog.criteria_sets`."""
        return self._criteria("WHERE target = ? ORDER BY time DESC, seq DESC", (target,))

    def criteria_set(self, criteria_id: str) -> CriteriaSet:
        """See :meth:`Catalog.criteria_set`."""
        found = self._criteria("WHERE id = ?", (criteria_id,))
        if not found:
            raise NotFoundError(f"no criteria set {criteria_id!r}")
        return found[0]

    def _criteria(self, where: str, args: tuple[Any, ...]) -> list[CriteriaSet]:
        rows = (
            self.database.read()
            .execute(f"SELECT {_CRITERIA_COLUMNS} FROM criteria_sets {where}", args)
            .fetchall()
        )
        return [
            CriteriaSet(r[0], r[1], r[2], int(r[3]), r[4], r[5], r[6], decode_json(r[7]), r[8])
            for r in rows
        ]

    def evaluations(
        self, target: str | None = None, run_id: str | None = None
    ) -> list[EvaluationRecord]:
        """See :meth:`Catalog.evaluations`."""
        terms, args = [], []
        if target is not None:
            terms, args = ["target = ?"], [target]
        if run_id is not None:
            terms.append("run_id = ?")
            args.append(run_id)
        where = f"WHERE {' AND '.join(terms)} " if terms else ""
        return self._evaluations(f"{where}ORDER BY time DESC", tuple(args))

    def evaluation(self, evaluation_id: str) -> EvaluationRecord:
        """See :meth:`Catalog.evaluation`."""
        found = self._evaluations("WHERE id = ?", (evaluation_id,))
        if not found:
            raise NotFoundError(f"no evaluation {evaluation_id!r}")
        return found[0]

    def _evaluations(self, where: str, args: tuple[Any, ...]) -> list[EvaluationRecord]:
        rows = (
            self.database.read()
            .execute(f"SELECT {_EVALUATION_COLUMNS} FROM evaluations {where}", args)
            .fetchall()
        )
        found = []
        for r in rows:
            summary = decode_json(r[12])
            found.append(
                EvaluationRecord(
                    id=r[0],
                    run_id=r[1],
                    seq=int(r[2]),
                    time=r[3],
                    started_at=r[4],
                    target=r[5],
                    dataset_name=r[6],
                    dataset_digest=r[7],
                    criteria_id=r[8],
                    task=r[9],
                    n=int(r[10]),
                    status=r[11],
                    metrics=summary["metrics"],
                    verdicts=summary["verdicts"],
                    limitations=summary["limitations"],
                    result_path=summary["result_path"],
                    result_sha256=r[13],
                )
            )
        return found
