"""Evaluate predictions against prior defined criteria (EU AI Act Annex IV(3), Art. 9(8)).

:func:`evaluate_predictions` computes every metric of the task with a confidence
interval, overall and per group (each group column and each intersection of up
to three), judges each :class:`~trackrecord.evaluation.criteria.Criterion`, and
summarises the weakest spots. Point values are exact; intervals are Wilson for
proportions and a stratified bootstrap for the rest (see
:mod:`trackrecord.evaluation.intervals` and :mod:`trackrecord.evaluation.binned`).

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 500)
    >>> score = np.clip(0.35 * y + 0.65 * rng.random(500), 0, 1)
    >>> r = evaluate_predictions(y, y_score=score, n_resamples=200,
    ...                          criteria=[Criterion("roc_auc", ">=", 0.7)])
    >>> r.verdicts[0]["outcome"], r.metrics["roc_auc"]["low"] > 0.7
    ('pass', True)
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from trackrecord.errors import InvalidValueError
from trackrecord.evaluation.binned_errors import EXACT_LIMIT
from trackrecord.evaluation.criteria import METRICS, SCORE_METRICS, Criterion, check_metric
from trackrecord.evaluation.curves import binary_curves, multiclass_curves
from trackrecord.evaluation.estimates import (
    BinarySorted,
    Cells,
    binary_score_estimates,
    binned_regression_estimates,
    count_estimates,
    level_confusion,
    multiclass_score_estimates,
    regression_estimates,
)
from trackrecord.evaluation.groups import Partition, is_wide, partition, worst_cells
from trackrecord.evaluation.inputs import Prepared, prepare
from trackrecord.evaluation.intervals import Estimate
from trackrecord.evaluation.limitations import limitations
from trackrecord.evaluation.result import EvaluationResult, json_ready
from trackrecord.evaluation.verdicts import combine, verdict
from trackrecord.values import check_int64

__all__ = ["evaluate_predictions"]


def evaluate_predictions(
    y_true: Any,
    *,
    y_pred: Any = None,
    y_score: Any = None,
    task: str = "binary",
    groups: Mapping[str, Any] | Any | None = None,
    criteria: Sequence[Criterion] = (),
    confidence: float = 0.95,
    n_resamples: int = 1000,
    seed: int = 0,
    min_group_size: int = 30,
    labels: Sequence[Any] | None = None,
    positive_label: Any = None,
) -> EvaluationResult:
    """Evaluate predictions: metrics with intervals, per group, verdicts, limitations.

    Args:
        y_true: the true labels (classification) or values (regression).
        y_pred: predicted labels or values; for classification derived from
            *y_score* when omitted (binary: positive when score >= 0.5; multiclass:
            the most probable label).
        y_score: binary: probability of the positive label, shape ``(n,)``, or two
            columns in *labels* order; multiclass: ``(n, k)`` probabilities in
            *labels* order. Enables ROC AUC, PR AUC, log loss, Brier score and ECE.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        groups: a dict of column -> values, or a pandas DataFrame of group columns.
        criteria: criteria judged on the intervals (dicts are accepted too).
        confidence: the level of the reported intervals, 0.5 < c < 1.
        n_resamples: bootstrap resamples.
        seed: seeds every bootstrap; the same seed gives the same numbers.
        min_group_size: group cells with fewer rows are marked ``small``.
        labels: the class labels in order (default: the sorted labels found in y_true
            and y_pred). Every value of y_true and y_pred must be one of them; in a
            multiclass task each must also occur in y_true.
        positive_label: the positive label of a binary task (default: the last label).

    Returns:
        An :class:`~trackrecord.evaluation.result.EvaluationResult`.

    Raises:
        InvalidValueError: on inconsistent inputs, an unknown metric for the task
            (the message lists the metrics), or a criterion group that is not a
            group column.
    """
    _check_settings(confidence, n_resamples, seed, min_group_size)
    prep = prepare(
        y_true,
        y_pred=y_pred,
        y_score=y_score,
        task=task,
        groups=groups,
        labels=labels,
        positive_label=positive_label,
    )
    crits = [c if isinstance(c, Criterion) else Criterion.from_dict(c) for c in criteria]
    part = partition(prep.groups, prep.n)
    _check_criteria(crits, prep, part)  # before the work, not after
    binary = None
    if prep.task == "binary" and prep.score is not None:
        binary = BinarySorted((prep.y == prep.positive).astype(np.int64), prep.score)
    levels, cms, info = _estimate(prep, part, n_resamples, seed, binary)
    build = _Builder(prep, part, levels, cms, confidence, min_group_size)
    verdicts = [row for c in crits for row in build.verdicts(c)]
    metrics = build.metrics(levels[0][0])
    cells = [c for rows in build.groups.values() for c in rows]
    return EvaluationResult(
        task=prep.task,
        n=prep.n,
        seed=int(seed),
        n_resamples=int(n_resamples),
        confidence=float(confidence),
        labels=json_ready(list(prep.labels)) if prep.task != "regression" else None,
        positive_label=json_ready(prep.labels[prep.positive]) if prep.positive >= 0 else None,
        metrics=metrics,
        methods=_methods(levels, confidence, n_resamples, seed, info),
        confusion_matrix=None if cms is None else cms[0][0].tolist(),
        groups=build.groups,
        worst=build.worst,
        verdicts=verdicts,
        curves=json_ready(_curves(prep, binary)),
        limitations=json_ready(limitations(metrics, build.worst, verdicts, cells)),
        warnings=prep.notes + build.warnings(),
    )


def _check_criteria(crits: list[Criterion], prep: Prepared, part: Partition) -> None:
    available = {m: None for m in METRICS[prep.task]}
    if prep.score is None and prep.task != "regression":
        available = {m: None for m in available if m not in SCORE_METRICS}
    names = [lv.name for lv in part.levels[1:]]
    for c in crits:
        check_metric(c.metric, prep.task, available)
        if c.group is not None and c.group not in names:
            raise InvalidValueError(
                f"criterion group {c.group!r} is not a group column; pass it in groups= or use "
                f"one of {names or '(no groups given)'} (intersections as 'a & b')"
            )


def _check_settings(confidence: Any, n_resamples: Any, seed: Any, min_group_size: Any) -> None:
    ok = isinstance(confidence, numbers.Real) and not isinstance(confidence, bool)
    if not ok or not 0.5 < float(confidence) < 1:
        raise InvalidValueError(f"confidence must be between 0.5 and 1, got {confidence!r}")
    for name, value, least in (
        ("n_resamples", n_resamples, 10),
        ("seed", seed, 0),
        ("min_group_size", min_group_size, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
            raise InvalidValueError(f"{name} must be an integer >= {least}, got {value!r}")
        check_int64(int(value), name)  # it is recorded with the evaluation


def _estimate(
    prep: Prepared, part: Partition, n_resamples: int, seed: int, binary: BinarySorted | None
) -> tuple[list[Cells], list[np.ndarray[Any, Any]] | None, dict[str, Any]]:
    if prep.task == "regression":
        if prep.n * n_resamples > EXACT_LIMIT:
            binned = binned_regression_estimates(prep.y, prep.pred, part, n_resamples, seed)
            return binned[0], None, binned[1]
        levels = [
            regression_estimates(prep.y, prep.pred, lv, j, n_resamples, seed)
            for j, lv in enumerate(part.levels)
        ]
        return levels, None, {}
    k = len(prep.labels)
    cms = [level_confusion(prep.y, prep.pred, k, lv) for lv in part.levels]
    levels = [count_estimates(cm, prep.positive, n_resamples, seed, j) for j, cm in enumerate(cms)]
    info: dict[str, Any] = {}
    if binary is not None:
        scored, info = binary_score_estimates(binary, part, n_resamples, seed)
    elif prep.score is not None:
        scored = [
            multiclass_score_estimates(prep.y, prep.score, lv, j, n_resamples, seed)
            for j, lv in enumerate(part.levels)
        ]
    else:
        scored = [[{} for _ in lv.values] for lv in part.levels]
    for level, extra in zip(levels, scored, strict=True):
        for cell, more in zip(level, extra, strict=True):
            cell.update(more)
    return levels, cms, info


def _methods(
    levels: list[Cells], level: float, n_resamples: int, seed: int, info: dict[str, Any]
) -> dict[str, Any]:
    def describe(est: Estimate, groups: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"method": est.method, "level": level}
        if est.method == "wilson":
            return out
        out |= {"resamples": n_resamples, "seed": seed}
        if est.method.startswith("bootstrap-stratified"):
            out["strata"] = "finest group cell x true class" if groups else "true class"
        if est.method.endswith("-binned"):
            key = "group_" if groups else ""
            out |= {"bins": info[key + "bins"], "resolution": info[key + "resolution"]}
            if key + "joint_bins" in info:
                out["joint_bins"] = info[key + "joint_bins"]
            out["centred"] = "shifted by exact - binned point value"
        return out

    methods: dict[str, Any] = {m: describe(e, False) for m, e in levels[0][0].items()}
    if len(levels) > 1:
        methods["groups"] = {m: describe(e, True) for m, e in levels[1][0].items()}
    return methods


def _curves(prep: Prepared, binary: BinarySorted | None) -> dict[str, Any]:
    if binary is not None:
        return binary_curves(binary.y01, binary.score, binary.ranked)
    if prep.score is None:
        return {}
    return multiclass_curves(prep.y, prep.score, list(prep.labels))


class _Builder:
    """Turns per-cell estimates into the JSON-ready parts of the result."""

    def __init__(
        self,
        prep: Prepared,
        part: Partition,
        levels: list[Cells],
        cms: list[np.ndarray[Any, Any]] | None,
        confidence: float,
        min_group_size: int,
    ) -> None:
        self.prep, self.part, self.levels, self.cms = prep, part, levels, cms
        self.confidence, self.min_group_size = confidence, min_group_size
        self.main = "mae" if prep.task == "regression" else "accuracy"
        self.groups = {lv.name: self._cells(j) for j, lv in enumerate(part.levels) if j}
        self.worst = self._worst()

    def metrics(self, cell: dict[str, Estimate]) -> dict[str, dict[str, float | None]]:
        out = {}
        for name, est in cell.items():
            low, high = est.interval(self.confidence)
            out[name] = json_ready({"value": est.value, "low": low, "high": high})
        return out

    def _cells(self, j: int) -> list[dict[str, Any]]:
        level = self.part.levels[j]
        sizes = np.bincount(level.cell_of_item, minlength=len(level.values))
        rows = []
        for i, (name, values) in enumerate(zip(level.cell_names(), level.values, strict=True)):
            metrics = self.metrics(self.levels[j][i])
            reasons = self._small_reasons(int(sizes[i]), metrics)
            row: dict[str, Any] = {
                "group": name,
                "level": level.name,
                "values": dict(zip(level.columns, values, strict=True)),
                "n": int(sizes[i]),
                "metrics": metrics,
                "small": bool(reasons),
                "small_reasons": reasons,
            }
            if self.cms is not None:
                row["confusion_matrix"] = self.cms[j][i].tolist()
            rows.append(row)
        return rows

    def _small_reasons(self, n: int, metrics: dict[str, dict[str, Any]]) -> list[str]:
        reasons = []
        if n < self.min_group_size:
            reasons.append(f"n={n} < min_group_size={self.min_group_size}")
        m = metrics.get(self.main)
        if m and m["value"] is not None and is_wide(self.main, m["value"], m["low"], m["high"]):
            width = m["high"] - m["low"]
            reasons.append(f"the {self.confidence:.0%} interval of {self.main} is {width:.3g} wide")
        return reasons

    def _worst(self) -> dict[str, list[dict[str, Any]]]:
        cells = [c for rows in self.groups.values() for c in rows]
        if not cells:
            return {}
        if self.prep.task == "regression":
            names = ["mae", "rmse"]
        else:
            names = ["accuracy", "recall", "f1"] + (
                ["roc_auc"] if self.prep.score is not None else []
            )
        return {m: worst_cells(cells, m) for m in names}

    def verdicts(self, c: Criterion) -> list[dict[str, Any]]:
        cd = c.to_dict()
        if c.group is None:
            est = self.levels[0][0][c.metric]
            return [
                verdict(cd, "overall", None, self.prep.n, est.value, est.interval(c.confidence))
            ]
        names = [lv.name for lv in self.part.levels[1:]]
        level_index = names.index(c.group) + 1  # checked by _check_criteria
        rows = []
        for cell, found in zip(self.groups[c.group], self.levels[level_index], strict=True):
            m = found[c.metric]
            rows.append(
                verdict(cd, "group", cell["group"], cell["n"], m.value, m.interval(c.confidence))
            )
        combined = {
            "criterion": cd,
            "scope": "combined",
            "group": None,
            "n": self.prep.n,
            "value": None,
            "low": None,
            "high": None,
            "level": c.confidence,
            "outcome": combine([r["outcome"] for r in rows]),
        }
        return json_ready([combined, *rows])  # type: ignore[no-any-return]

    def warnings(self) -> list[str]:
        out = []
        cells = [c for rows in self.groups.values() for c in rows]
        small = [c for c in cells if c["small"]]
        if small:
            out.append(
                f"{len(small)} of {len(cells)} group cells are too small or uncertain to judge "
                f"(fewer than {self.min_group_size} rows, or a wide {self.main} interval); "
                "they are marked small: true"
            )
        undefined = sorted(
            {m for c in cells for m, v in c["metrics"].items() if v["value"] is None}
        )
        for m in undefined:
            count = sum(1 for c in cells if c["metrics"][m]["value"] is None)
            out.append(f"{m} is undefined in {count} group cells (e.g. only one class present)")
        overall = self.levels[0][0]
        out += [f"{m} is undefined on the whole set" for m, e in overall.items() if e.value is None]
        if self.cms is not None:
            absent = [
                lab
                for lab, row in zip(self.prep.labels, self.cms[0][0], strict=True)
                if row.sum() == 0
            ]
            if absent:
                out.append(
                    f"labels {absent} do not occur in y_true; their recall is 0 by convention"
                )
        return out
