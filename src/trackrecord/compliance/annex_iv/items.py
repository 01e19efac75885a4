"""The automatic fields of Annex IV, each drawn from the facts of :mod:`.facts`.

Each builder takes the facts and returns the field's value, or None when the
records hold nothing for it (the field is then reported missing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Final

from trackrecord.compliance.annex_iv.facts import LOWER_IS_BETTER

__all__ = ["AUTOMATIC_FIELDS", "ITEM_TITLES", "AutomaticField", "headline_metrics", "iso",
           "weaker_groups"]  # fmt: skip

Facts = dict[str, Any]

ITEM_TITLES: Final = {
    1: "General description of the AI system",
    2: "Elements of the AI system and the process for its development",
    3: "Monitoring, functioning and control of the AI system",
    4: "Appropriateness of the performance metrics",
    5: "Risk management system",
    6: "Relevant changes through the lifecycle",
    7: "Harmonised standards applied",
    8: "EU declaration of conformity",
    9: "Post-market monitoring",
}


def iso(ms: int | None) -> str | None:
    """Milliseconds since the epoch as ISO 8601 UTC (``2026-01-31T12:00:00.000Z``)."""
    if ms is None:
        return None
    moment = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def headline_metrics(facts: Facts) -> list[str]:
    """The metrics the criteria name, then accuracy (or the first three metrics)."""
    names: list[str] = []
    for criteria in facts["criteria_sets"]:
        names += [c["metric"] for c in criteria["criteria"] if c["metric"] not in names]
    measured = sorted({m for e in facts["evaluations"] for m in e["metrics"]})
    extra = ["accuracy"] if "accuracy" in measured else measured[:3]
    return [m for m in names if m in measured] + [m for m in extra if m not in names]


def _interval(metric: dict[str, Any] | None) -> dict[str, Any] | None:
    if not metric:
        return None
    return {"value": metric.get("value"), "low": metric.get("low"), "high": metric.get("high")}


def _model_version(facts: Facts) -> Any:
    m = facts["model"]
    return {"name": m["name"], "version": m["version"], "uri": m["uri"], "digest": m["digest"],
            "flavor": m["flavor"], "format": m["format"], "model_class": m["model_class"],
            "status": m["status"], "status_reason": m["status_reason"],
            "description": m["description"], "aliases": m["aliases"],
            "created": iso(m["created_at"]), "created_by": m["created_by"], "files": m["files"],
            "training_run": m["run_id"]}  # fmt: skip


def _versions(facts: Facts) -> Any:
    reg = facts["registry"]
    return {"versions": [{**{k: v for k, v in ver.items() if k != "created_at"},
                          "created": iso(ver["created_at"])} for ver in reg["versions"]],
            "aliases": reg["aliases"],
            "history": [{"seq": e["seq"], "type": e["type"], "time": iso(e["time"]),
                         "actor": e["actor"], "version": e["version"], "alias": e["alias"],
                         "reason": e["reason"]} for e in reg["history"]]}  # fmt: skip


def _software(facts: Facts) -> Any:
    env = facts["environment"]
    python = env["python"] or {}
    if not facts["model"]["frameworks"] and not python:
        return None
    return {"frameworks": facts["model"]["frameworks"], "python": python.get("version"),
            "python_implementation": python.get("implementation"),
            "packages": env["packages"]}  # fmt: skip


def _hardware(facts: Facts) -> Any:
    return facts["environment"]["hardware"]


def _training(facts: Facts) -> Any:
    run = facts["training_run"]
    return {"run": run["id"], "name": run["name"], "project": run["project"],
            "status": run["status"], "started": iso(run["created_at"]),
            "finished": iso(run["finished_at"]), "git": run["git"],
            "model_class": facts["model"]["model_class"]}  # fmt: skip


def _hyperparameters(facts: Facts) -> Any:
    return facts["training_run"]["params"] or None


def _compute(facts: Facts) -> Any:
    runs = [{"run": r["id"], "name": r["name"], "duration_s": r["duration_s"],
             "gpu_count": r["gpu_count"], "gpu_hours": r["gpu_hours"],
             "hardware": r["hardware"]} for r in facts["runs"]]  # fmt: skip
    if not runs:
        return None
    return {"runs": runs,
            "total_duration_s": round(sum(r["duration_s"] or 0 for r in runs), 3),
            "total_gpu_hours": round(sum(r["gpu_hours"] or 0 for r in runs), 6)}  # fmt: skip


def _data(facts: Facts) -> Any:
    keep = ("name", "number", "digest", "kind", "label", "uri", "rows", "size", "description",
            "sources", "datasheet", "composition", "uses", "manifest_sha256")  # fmt: skip
    return [{k: d[k] for k in keep} for d in facts["datasets"]] or None


def _criteria(facts: Facts) -> Any:
    return [{"id": c["id"], "time": iso(c["time"]), "actor": c["actor"], "reason": c["reason"],
             "criteria": c["criteria"], "supersedes": c["supersedes"]}
            for c in facts["criteria_sets"]] or None  # fmt: skip


def _evaluations(facts: Facts) -> Any:
    return [{"id": e["id"], "time": iso(e["time"]), "dataset": e["dataset_name"],
             "dataset_digest": e["dataset_digest"], "n": e["n"], "task": e["task"],
             "status": e["status"], "criteria_id": e["criteria_id"],
             "confidence": e["confidence"], "resamples": e["n_resamples"],
             "metrics": e["metrics"], "verdicts": e["verdicts"],
             "result_sha256": e["result_sha256"]}
            for e in facts["evaluations"]] or None  # fmt: skip


def _cells(evaluation: Facts, metrics: list[str], levels: list[str] | None) -> list[Any]:
    rows = []
    for level, cells in sorted(evaluation["groups"].items()):
        if levels is not None and level not in levels:
            continue
        for cell in cells:
            rows.append({"level": level, "group": cell["group"], "n": cell["n"],
                         "small": cell.get("small", False),
                         "metrics": {m: _interval(cell["metrics"].get(m)) for m in metrics
                                     if m in cell["metrics"]}})  # fmt: skip
    return rows


def _group_results(facts: Facts, single: bool) -> Any:
    metrics = headline_metrics(facts)
    found = []
    for e in facts["evaluations"]:
        levels = [lv for lv in e["groups"] if " & " not in lv] if single else None
        cells = _cells(e, metrics if single else sorted(e["metrics"]), levels)
        if cells:
            found.append({"evaluation": e["id"], "dataset": e["dataset_name"], "cells": cells})
    return found or None


def _expected_accuracy(facts: Facts) -> Any:
    return [{"evaluation": e["id"], "dataset": e["dataset_name"], "n": e["n"],
             "confidence": e["confidence"],
             "metrics": {k: _interval(v) for k, v in sorted(e["metrics"].items())}}
            for e in facts["evaluations"]] or None  # fmt: skip


def weaker_groups(facts: Facts) -> list[dict[str, Any]]:
    """Groups (one attribute, not too small) whose interval lies wholly on the worse side of
    the overall value of a headline metric: conditions that lower performance."""
    found = []
    for e in facts["evaluations"]:
        for metric in headline_metrics(facts):
            overall = (e["metrics"].get(metric) or {}).get("value")
            for cell in _cells(e, [metric], [lv for lv in e["groups"] if " & " not in lv]):
                got = cell["metrics"].get(metric) or {}
                if overall is None or cell["small"] or got.get("value") is None:
                    continue
                bound = got["low"] if metric in LOWER_IS_BETTER else got["high"]
                worse = bound is not None and (bound > overall if metric in LOWER_IS_BETTER
                                               else bound < overall)  # fmt: skip
                if worse:
                    found.append({"evaluation": e["id"], "metric": metric, "group": cell["group"],
                                  "n": cell["n"], "overall": overall, **got})  # fmt: skip
    return found


def _limitations(facts: Facts) -> Any:
    texts = [{"evaluation": e["id"], "limitations": e["limitations"], "warnings": e["warnings"],
              "weaker_groups": [w for w in weaker_groups(facts) if w["evaluation"] == e["id"]]}
             for e in facts["evaluations"]]  # fmt: skip
    return texts or None


def _input_schema(facts: Facts) -> Any:
    return facts["model"]["signature"]


def _metrics_used(facts: Facts) -> Any:
    found: dict[str, dict[str, Any]] = {}
    for e in facts["evaluations"]:
        for metric in sorted(e["metrics"]):
            method = e["methods"].get(metric) or {}
            found.setdefault(metric, {"interval_method": method.get("method"),
                                      "confidence": method.get("level", e["confidence"]),
                                      "resamples": method.get("resamples"),
                                      "lower_is_better": metric in LOWER_IS_BETTER,
                                      "criteria": []})  # fmt: skip
    for c in facts["criteria_sets"]:
        for criterion in c["criteria"]:
            entry = found.get(criterion["metric"])
            if entry is not None:
                entry["criteria"].append({**criterion, "set": c["id"]})
    return [{"metric": k, **v} for k, v in sorted(found.items())] or None


def _signatures(facts: Facts) -> Any:
    return [{**s, "time": iso(s["time"])} for s in facts["signatures"]] or None


@dataclass(frozen=True)
class AutomaticField:
    """A field filled from the records: its key, item, label, where it draws from, builder."""

    key: str
    item: int
    label: str
    draws_from: str
    build: Callable[[Facts], Any]


def _a(
    key: str, item: int, label: str, draws: str, build: Callable[[Facts], Any]
) -> AutomaticField:
    return AutomaticField(key, item, label, draws, build)


AUTOMATIC_FIELDS: Final = (
    _a(
        "records.model_version",
        1,
        "Model version",
        "registry version, logged model",
        _model_version,
    ),
    _a(
        "records.version_history",
        1,
        "Relation to previous versions",
        "registry: versions, aliases, history chain",
        _versions,
    ),
    _a(
        "records.software",
        1,
        "Software and framework versions",
        "logged model meta.frameworks, training run environment",
        _software,
    ),
    _a(
        "records.training_hardware",
        1,
        "Hardware used for training",
        "training run environment: cpu, memory, GPUs",
        _hardware,
    ),
    _a("records.training_run", 2, "Training run", "training run record", _training),
    _a("records.hyperparameters", 2, "Hyperparameters", "training run params", _hyperparameters),
    _a(
        "records.compute",
        2,
        "Computational resources",
        "upstream and evaluation runs: durations, environment",
        _compute,
    ),
    _a(
        "records.data",
        2,
        "Data sets",
        "upstream lineage and evaluation datasets: digests, sources, datasheets, profiles",
        _data,
    ),
    _a("records.criteria", 2, "Acceptance criteria", "criteria sets of the version", _criteria),
    _a(
        "records.evaluations",
        2,
        "Evaluations and verdicts",
        "evaluations of the version",
        _evaluations,
    ),
    _a(
        "records.group_results",
        2,
        "Results per group",
        "evaluation results: groups",
        lambda f: _group_results(f, single=False),
    ),
    _a(
        "records.signatures",
        2,
        "Signed test reports",
        "signatures table: model and evaluations",
        _signatures,
    ),
    _a(
        "records.expected_accuracy",
        3,
        "Expected accuracy overall",
        "evaluations: metrics with intervals",
        _expected_accuracy,
    ),
    _a(
        "records.accuracy_per_group",
        3,
        "Accuracy per group of persons",
        "evaluation results: one-attribute groups",
        lambda f: _group_results(f, single=True),
    ),
    _a(
        "records.limitations",
        3,
        "Limitations found",
        "evaluations: limitations, warnings, weaker groups",
        _limitations,
    ),
    _a("records.input_schema", 3, "Input data schema", "logged model signature", _input_schema),
    _a(
        "records.lifecycle_changes",
        6,
        "Changes against the previous version",
        "previous registry version: datasets, params, code, metrics",
        lambda f: f["lifecycle"],
    ),
    _a(
        "records.metrics",
        4,
        "Metrics and how they were estimated",
        "evaluation results: methods; criteria",
        _metrics_used,
    ),
)
