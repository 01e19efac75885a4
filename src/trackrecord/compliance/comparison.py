"""Comparing two evaluations metric by metric, with their intervals.

A difference counts as *larger than the intervals* when the two confidence
intervals do not overlap: a conservative reading (non-overlap implies a
difference at about the level used; overlap does not prove there is none), and
one an auditor can check by eye on the chart.

Example:
    >>> a = {"accuracy": {"value": 0.91, "low": 0.89, "high": 0.93}}
    >>> b = {"accuracy": {"value": 0.86, "low": 0.84, "high": 0.88}}
    >>> compare_metrics(a, b)[0]["clear"]
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trackrecord.store.catalog import EvaluationRecord

__all__ = ["compare_evaluations", "compare_metrics"]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def compare_metrics(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per metric the two share: both values and intervals, the difference (b - a),
    and ``clear``: whether the intervals are apart."""
    rows = []
    for name in sorted(set(a) & set(b)):
        left, right = a[name], b[name]
        if not isinstance(left, Mapping) or not isinstance(right, Mapping):
            continue
        va, vb = _number(left.get("value")), _number(right.get("value"))
        la, ha = _number(left.get("low")), _number(left.get("high"))
        lb, hb = _number(right.get("low")), _number(right.get("high"))
        bounds = None not in (la, ha, lb, hb)
        clear = bounds and (ha < lb or hb < la)  # type: ignore[operator]
        rows.append({
            "metric": name, "a": dict(left), "b": dict(right),
            "difference": None if va is None or vb is None else vb - va,
            "clear": bool(clear),
        })  # fmt: skip
    return rows


def compare_evaluations(a: EvaluationRecord, b: EvaluationRecord) -> dict[str, Any]:
    """Two evaluations side by side: what each evaluated, on which data, and each metric.

    A note says when the two used different reference data or tasks, which makes
    the comparison weaker.
    """
    notes = []
    if a.task != b.task:
        notes.append(f"different tasks: {a.task} and {b.task}")
    if a.dataset_digest != b.dataset_digest:
        notes.append("different reference data: the difference may come from the data")
    return {
        "a": {"id": a.id, "target": a.target, "run_id": a.run_id, "status": a.status,
              "dataset": a.dataset_name, "digest": a.dataset_digest, "n": a.n},
        "b": {"id": b.id, "target": b.target, "run_id": b.run_id, "status": b.status,
              "dataset": b.dataset_name, "digest": b.dataset_digest, "n": b.n},
        "metrics": compare_metrics(a.metrics, b.metrics),
        "notes": notes,
    }  # fmt: skip
