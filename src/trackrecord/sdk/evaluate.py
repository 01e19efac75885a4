"""Criteria first, then evaluation on declared reference data: ``trackrecord.criteria`` and
``trackrecord.evaluate``.

Criteria are recorded as a hash-chained event before any evaluation: in the
registered model's history for a model version (``models:/NAME/3``), or in the
run's own log for a run. They are never edited; recording new criteria makes a
new set that supersedes the last, and the history keeps both.

An evaluation computes every metric with a confidence interval, per group and
per intersection of groups, and a verdict per criterion (see
:mod:`trackrecord.evaluation`). It is recorded in a run as an ``evaluation``
event naming the model version, the reference dataset version (by content
digest), the criteria set and the seed, so the same inputs give the same
numbers; the full result is stored as the run's artifact
``evaluations/<id>.json``, whose digest the event's hash covers.

Example:
    >>> from trackrecord import Criterion  # doctest: +SKIP
    >>> trackrecord.criteria("models:/churn/3", [Criterion("recall", ">=", 0.8, group="sex")])
    ...                                                            # doctest: +SKIP
    >>> result = trackrecord.evaluate("models:/churn/3", reference=holdout, label="churned",
    ...                               groups=["sex", "age_band"])  # doctest: +SKIP
    >>> result.status  # doctest: +SKIP
    'pass'
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trackrecord.errors import InvalidValueError, StoreError
from trackrecord.record.events import canonical_json
from trackrecord.store.catalog import CriteriaSet, DatasetVersion, ModelVersion
from trackrecord.store.sql.evaluations import new_criteria_id, new_evaluation_id
from trackrecord.values import local_user

if TYPE_CHECKING:
    from trackrecord.evaluation import Criterion, EvaluationResult
    from trackrecord.sdk.run import Run
    from trackrecord.store.base import Store

__all__ = ["Evaluation", "criteria", "evaluate"]


@dataclass(frozen=True)
class Evaluation:
    """A recorded evaluation: its id, where it is recorded, the verdicts and the full result."""

    id: str
    run_id: str
    target: str | None
    criteria_id: str | None
    dataset: dict[str, Any] | None
    status: str
    result: EvaluationResult

    @property
    def metrics(self) -> dict[str, Any]:
        """Each metric's value and interval on the whole reference set."""
        return dict(self.result.metrics)

    @property
    def verdicts(self) -> list[dict[str, Any]]:
        """One verdict per criterion (and per group, for group criteria)."""
        return list(self.result.verdicts)


def _criteria_dicts(items: object) -> list[dict[str, Any]]:
    from trackrecord.evaluation import Criterion

    if isinstance(items, str) or not isinstance(items, Sequence) or not items:
        raise InvalidValueError("give a list of Criterion(metric, op, threshold, ...)")
    return [
        (item if isinstance(item, Criterion) else Criterion.from_dict(item)).to_dict()
        for item in items
    ]


def _model_target(store: Store, target: str | ModelVersion) -> ModelVersion:
    if isinstance(target, ModelVersion):
        return target
    name, sep, version = target.removeprefix("models:/").partition("/")
    if target.startswith("models:/") and sep:
        return store.catalog.model_version(name, version)
    name, sep, alias = target.removeprefix("models:/").partition("@")
    if target.startswith("models:/") and sep:
        return store.catalog.model_version(name, alias)
    raise InvalidValueError(
        f"criteria target {target!r} must be a run, or a model version: models:/NAME/3 or "
        f"models:/NAME@alias"
    )


def _active_or(run: Run | None) -> Run | None:
    from trackrecord.errors import ConfigurationError
    from trackrecord.sdk import active

    if run is not None:
        return run
    try:
        return active.current()
    except ConfigurationError:
        return None


def _run_criteria(run: Run, items: list[dict[str, Any]], reason: str | None) -> CriteriaSet:
    """Criteria in a live run's own log, superseding its last set."""
    run._ensure_running("set_criteria")
    previous = getattr(run, "_criteria_id", None)
    criteria_id, actor = new_criteria_id(), local_user()
    body = {"id": criteria_id, "criteria": items, "supersedes": previous, "reason": reason,
            "actor": actor}  # fmt: skip
    run._submit("criteria", body)
    run._criteria_id = criteria_id  # type: ignore[attr-defined]
    now = time.time_ns() // 1_000_000
    return CriteriaSet(criteria_id, f"run:{run.id}", run.id, 0, now, actor, reason, items,
                       previous)  # fmt: skip


def criteria(
    target: str | ModelVersion | Run,
    items: Sequence[Criterion | Mapping[str, Any]],
    reason: str | None = None,
) -> CriteriaSet:
    """Record acceptance criteria for a model version or a run, before evaluating it.

    Args:
        target: ``"models:/NAME/3"`` (or ``@alias``, resolved to its version now), a
            :class:`~trackrecord.store.catalog.ModelVersion`, or a live run.
        items: the criteria, e.g. ``[Criterion("accuracy", ">=", 0.9, confidence=0.95)]``.
        reason: why these thresholds (kept in the history).

    Returns:
        The recorded set; pass it to :func:`evaluate`'s *criteria* (by default an
        evaluation uses its target's current set).

    Example:
        >>> trackrecord.criteria("models:/churn/3", [Criterion("accuracy", ">=", 0.9)])
        ...                                                         # doctest: +SKIP
    """
    from trackrecord.sdk.run import Run

    listed = _criteria_dicts(items)
    if isinstance(target, Run):
        return _run_criteria(target, listed, reason)
    run = _active_or(None)
    if run is not None:
        version = _model_target(run.workspace.store, target)
        return run.workspace.store.catalog.set_criteria(
            version.model, version.version, listed, local_user(), reason
        )
    from trackrecord.api import Api

    with Api() as api:
        version = _model_target(api.store, target)
        return api.store.catalog.set_criteria(
            version.model, version.version, listed, local_user(), reason
        )


def _arrays(
    reference: Any, label: str | None, features: Sequence[str] | None,
    groups: Sequence[str] | Mapping[str, Any], y_true: Any,
) -> tuple[Any, Any, dict[str, Any]]:  # fmt: skip
    """(X, y, groups) from a DataFrame with a label column, or from (X, y) and group arrays."""
    if hasattr(reference, "columns") and hasattr(reference, "drop"):
        if isinstance(groups, Mapping):
            group_columns = dict(groups)
        else:
            group_columns = {g: reference[g] for g in groups}
        if y_true is None:
            if label is None:
                raise InvalidValueError("evaluate: name the reference's label column: label=...")
            y_true = reference[label]
        drop = [c for c in [label, *group_columns] if c is not None and c in reference.columns]
        x = reference[list(features)] if features is not None else reference.drop(columns=drop)
        return x, y_true, group_columns
    if isinstance(reference, tuple) and len(reference) == 2:
        if not isinstance(groups, Mapping) and groups:
            raise InvalidValueError(
                "evaluate: with (X, y) as reference, give groups as a dict of arrays"
            )
        arrays = dict(groups) if isinstance(groups, Mapping) else {}
        return reference[0], reference[1] if y_true is None else y_true, arrays
    if y_true is None:
        raise InvalidValueError(
            "evaluate: give the reference as a DataFrame with label=..., as (X, y), or give "
            "y_true= with predictions="
        )
    return None, y_true, dict(groups) if isinstance(groups, Mapping) else {}


def _predict(model: Any, x: Any, task: str) -> tuple[Any, Any]:
    if x is None:
        raise InvalidValueError("evaluate: a model needs the reference's features to predict")
    predicted = model.predict(x)
    scores = None
    if task != "regression" and hasattr(model, "predict_proba"):
        scores = model.predict_proba(x)
        if task == "binary" and getattr(scores, "ndim", 1) == 2 and scores.shape[1] == 2:
            scores = scores[:, 1]
    return predicted, scores


def _dataset_use(run: Run, reference: Any, name: str) -> dict[str, Any]:
    """Record the reference data in the run (role ``reference``); return its name and digest."""
    from trackrecord.sdk.datasets import LoggedDataset

    if isinstance(reference, (LoggedDataset, DatasetVersion)):
        body = {"name": reference.name, "digest": reference.digest, "role": "reference",
                "direction": "input", "kind": reference.kind}  # fmt: skip
        run._submit("dataset", body)
        return {"name": reference.name, "digest": reference.digest}
    logged = run.log_dataset(reference, name, role="reference")
    return {"name": logged.name, "digest": logged.digest}


def _status(verdicts: Sequence[Mapping[str, Any]]) -> str:
    """One word for all criteria: from the overall and combined (all groups) verdicts."""
    overall = [v for v in verdicts if v.get("scope") in ("overall", "combined")]
    states = {str(v.get("outcome")) for v in overall}
    if not states:
        return "none"
    if "fail" in states:
        return "fail"
    return "inconclusive" if "inconclusive" in states else "pass"


def evaluate(
    model: Any = None,
    *,
    reference: Any,
    label: str | None = None,
    features: Sequence[str] | None = None,
    predictions: Any = None,
    scores: Any = None,
    y_true: Any = None,
    task: str = "binary",
    groups: Sequence[str] | Mapping[str, Any] = (),
    criteria: CriteriaSet | Sequence[Criterion] | None = None,
    model_version: str | None = None,
    dataset_name: str = "reference",
    confidence: float = 0.95,
    n_resamples: int = 1000,
    seed: int = 0,
    min_group_size: int = 30,
    run: Run | None = None,
    project: str | None = None,
) -> Evaluation:
    """Evaluate a model (or its predictions) on declared reference data, and record it.

    Args:
        model: a model with ``predict`` (and ``predict_proba``), or a URI
            (``models:/NAME/3``, ``models:/NAME@champion``) to load and evaluate; None
            when *predictions* are given.
        reference: the reference data: a DataFrame holding the features, the *label*
            column and the group columns; or ``(X, y)``; or, with *predictions*, a
            logged dataset version. It is recorded with role ``reference`` by its
            content digest.
        label: the label column of a DataFrame reference.
        features: the feature columns (default: those the model was fitted on, when it
            says (``feature_names_in_``); else every column but the label and groups).
        predictions, scores: predicted labels / values and class scores, instead of a model.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        groups: group columns of the reference (or a dict of arrays), for per-group
            and per-intersection results.
        criteria: a recorded :class:`CriteriaSet`, or criteria to record first (they are
            time-stamped before the evaluation starts); default: the target's current set.
        model_version: the registered version evaluated, when *model* is an object.
        run: the run to record in (default: the active run, else a new run, finished after).
        project: the new run's project (default: the registered model's).

    Returns:
        The :class:`Evaluation`: ``status`` is ``pass``, ``fail``, ``inconclusive`` or
        ``none`` (no criteria); ``result`` holds every metric, interval and group.
    """
    from trackrecord.evaluation import Criterion as CriterionType
    from trackrecord.evaluation import evaluate_predictions

    if isinstance(model, str):
        model_version = model_version or model
    own = _active_or(run)
    if own is not None:
        own._ensure_running("evaluate")
    started_here = own is None
    if own is None:
        own = _start_run(model_version, project)
    try:
        store = own.workspace.store
        version = _model_target(store, model_version) if model_version else None
        target = f"model:{version.model}/{version.version}" if version else f"run:{own.id}"
        chosen = _criteria_for(own, store, version, target, criteria)
        started_at = time.time_ns() // 1_000_000
        if chosen is not None:
            started_at = max(started_at, chosen.time)
        loaded = model
        if isinstance(model, str) and predictions is None:
            from trackrecord.sdk.models import load_model_from

            loaded = load_model_from(store, f"models:/{version.model}/{version.version}", None)  # type: ignore[union-attr]
        if features is None and hasattr(loaded, "feature_names_in_"):
            features = [str(f) for f in loaded.feature_names_in_]  # what the model was fit on
        x, truth, group_arrays = _arrays(reference, label, features, groups, y_true)
        if predictions is None and scores is None:
            if loaded is None:
                raise InvalidValueError("evaluate: give a model, or predictions= / scores=")
            predictions, found_scores = _predict(loaded, x, task)
            scores = found_scores if scores is None else scores
        dataset = _dataset_use(own, reference, dataset_name)
        items = [CriterionType.from_dict(c) for c in chosen.criteria] if chosen else []
        result = evaluate_predictions(
            truth, y_pred=predictions, y_score=scores, task=task, groups=group_arrays or None,
            criteria=items, confidence=confidence, n_resamples=n_resamples, seed=seed,
            min_group_size=min_group_size,
        )  # fmt: skip
        evaluation = _record(own, result, target, version, chosen, dataset, started_at)
    except BaseException as error:
        if started_here:
            own.finish("failed", error)
        raise
    if started_here:
        own.finish()
    return evaluation


def _start_run(model_version: str | None, project: str | None) -> Run:
    from trackrecord.sdk.init import init

    name = "evaluate"
    if model_version:
        name = "evaluate " + model_version.removeprefix("models:/").replace("/", " v")
    if project is None and model_version:
        from trackrecord.api import Api

        with Api() as api:
            project = api.store.catalog.registered_model(
                _model_target(api.store, model_version).model
            ).project
    return init(project or "evaluations", name=name)


def _criteria_for(
    run: Run, store: Store, version: ModelVersion | None, target: str,
    criteria_given: CriteriaSet | Sequence[Criterion] | None,
) -> CriteriaSet | None:  # fmt: skip
    if isinstance(criteria_given, CriteriaSet):
        if criteria_given.target != target:
            raise InvalidValueError(
                f"evaluate: criteria {criteria_given.id} are for {criteria_given.target}, not "
                f"{target}; record criteria for this target first"
            )
        return criteria_given
    if criteria_given is not None:
        listed = _criteria_dicts(criteria_given)
        if version is None:
            return _run_criteria(run, listed, None)
        return store.catalog.set_criteria(version.model, version.version, listed, local_user())
    if version is not None:
        found = store.catalog.criteria_sets(target)
        return found[0] if found else None
    previous = getattr(run, "_criteria_id", None)
    return None if previous is None else _pending_run_criteria(run, previous)


def _pending_run_criteria(run: Run, criteria_id: str) -> CriteriaSet:
    if not run.flush():
        raise StoreError("evaluate: the run's criteria could not be stored; try again")
    return run.workspace.store.catalog.criteria_set(criteria_id)


def _record(
    run: Run, result: EvaluationResult, target: str, version: ModelVersion | None,
    chosen: CriteriaSet | None, dataset: dict[str, Any], started_at: int,
) -> Evaluation:  # fmt: skip
    from trackrecord.sdk.files import store_bytes

    evaluation_id = new_evaluation_id()
    full = result.to_dict()
    path = f"evaluations/{evaluation_id}.json"
    record = store_bytes(run.workspace, path, canonical_json(full), "application/json")
    run._record_files([record])
    verdicts = list(full.get("verdicts") or [])
    status = _status(verdicts) if chosen is not None else "none"
    limitations = [str(item.get("text", item)) if isinstance(item, Mapping) else str(item)
                   for item in full.get("limitations") or []]  # fmt: skip
    shown_target = target if version else None
    body = {
        "id": evaluation_id, "started_at": started_at, "target": shown_target,
        "dataset": dataset, "criteria": {"id": chosen.id} if chosen else None,
        "task": full.get("task"), "n": full.get("n"), "status": status,
        "metrics": full.get("metrics") or {}, "verdicts": verdicts, "limitations": limitations,
        "seed": full.get("seed"), "n_resamples": full.get("n_resamples"),
        "confidence": full.get("confidence"), "result": {"path": path, "sha256": record["sha256"]},
    }  # fmt: skip
    run._submit("evaluation", {k: v for k, v in body.items() if v is not None})
    return Evaluation(evaluation_id, run.id, shown_target, chosen.id if chosen else None,
                      dataset, status, result)  # fmt: skip
