"""Rows of repeated measurements, figures at the nominal count, ratios, and the JSON record."""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from harness.timing import median
from workloads import WORKLOADS, Metric, Workload

BASELINE = "trackrecord"


@dataclass
class Row:
    """One tracker mode in one workload: its repetitions, or why it failed."""

    tracker: str
    mode: str
    label: str
    n: int
    samples: dict[str, list[float]] = field(default_factory=dict)
    error: str | None = None

    def add(self, figures: dict[str, float]) -> None:
        for key, value in figures.items():
            self.samples.setdefault(key, []).append(value)

    def median(self, key: str) -> float | None:
        values = self.samples.get(key)
        return median(values) if values else None

    def at_nominal(self, metric: Metric, nominal: int) -> float | None:
        """The figure at the workload's nominal count (scaled linearly where allowed)."""
        value = self.median(metric.key)
        if value is None or metric.scaling != "linear":
            return value
        return value * nominal / self.n

    def per_item(self, metric: Metric) -> float | None:
        value = self.median(metric.key)
        return None if value is None else value / self.n

    def scaled(self, metric: Metric, nominal: int) -> bool:
        return metric.scaling == "linear" and self.n != nominal


def ratio(row: Row, baseline: Row | None, metric: Metric, nominal: int) -> float | None:
    """This row's figure divided by TrackRecord's; above 1 means slower or larger.

    None where there is no baseline, or the figures were measured at different n
    and cannot be scaled to match.
    """
    if baseline is None or (metric.scaling == "at_n" and row.n != baseline.n):
        return None
    mine, theirs = row.at_nominal(metric, nominal), baseline.at_nominal(metric, nominal)
    if mine is None or not theirs:
        return None
    return mine / theirs


def baseline_of(rows: list[Row]) -> Row | None:
    return next((r for r in rows if r.tracker == BASELINE and r.error is None), None)


def workload_record(workload: Workload, rows: list[Row]) -> dict[str, Any]:
    base = baseline_of(rows)
    nominal = workload.NOMINAL
    return {
        "title": workload.TITLE,
        "nominal": nominal,
        "item": workload.ITEM,
        "targets": {m.key: m.target for m in workload.METRICS if m.target is not None},
        "notes": list(getattr(workload, "NOTES", ())),
        "rows": [
            {
                "tracker": r.tracker,
                "mode": r.mode,
                "label": r.label,
                "n": r.n,
                "error": r.error,
                "median": {k: r.median(k) for k in r.samples},
                "at_nominal": {m.key: r.at_nominal(m, nominal) for m in workload.METRICS},
                "extrapolated": {m.key: r.scaled(m, nominal) for m in workload.METRICS},
                f"per_{workload.ITEM}": {
                    m.key: r.per_item(m) for m in workload.METRICS if m.per_item
                },
                "ratio_vs_trackrecord": {
                    m.key: ratio(r, base, m, nominal) for m in workload.METRICS if m.compare
                },
                "samples": r.samples,
            }
            for r in rows
        ],
    }


def run_metadata(repeat: int, quick: bool, packages: list[str]) -> dict[str, Any]:
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "repeat": repeat,
        "quick": quick,
        "versions": {name: _version(name) for name in packages},
    }


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def write_json(path: Path, meta: dict[str, Any], workloads: dict[str, Any]) -> None:
    ordered = {name: workloads[name] for name in WORKLOADS if name in workloads}
    path.write_text(json.dumps({"meta": meta, "workloads": ordered}, indent=2) + "\n")


def earlier_records(path: Path, measuring: set[str]) -> dict[str, Any]:
    """The records of other workloads in an earlier results file, each with its run's meta.

    A record kept this way carries `meta` (date, versions, quick, ...) of the run that
    measured it, since the file's top-level meta then describes the latest run only.
    """
    try:
        earlier = json.loads(path.read_text())
        workloads, meta = earlier["workloads"], earlier["meta"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {
        name: {**record, "meta": record.get("meta", meta)}
        for name, record in workloads.items()
        if name not in measuring and name in WORKLOADS
    }
