"""Registry of the trackers measured side by side."""

from __future__ import annotations

import importlib
from typing import cast

from trackers.base import (
    Adapter,
    Condition,
    OpenedRuns,
    RunQuery,
    Series,
    TrackedRun,
    TrackerSpec,
    Unsupported,
)

__all__ = [
    "TRACKERS",
    "Adapter",
    "Condition",
    "OpenedRuns",
    "RunQuery",
    "Series",
    "TrackedRun",
    "TrackerSpec",
    "Unsupported",
    "load_adapter",
]

TRACKERS: dict[str, TrackerSpec] = {
    spec.name: spec
    for spec in (
        TrackerSpec(
            name="trackrecord",
            adapter_module="trackers.trackrecord_adapter",
            package="trackrecord",
            ready="import trackrecord; trackrecord.init; trackrecord.Api",
            modes=("log",),
            bulk_mode="log",
        ),
        TrackerSpec(
            name="mlflow",
            adapter_module="trackers.mlflow_adapter",
            package="mlflow",
            ready="import mlflow; mlflow.log_metric; mlflow.MlflowClient",
            modes=("sync", "async", "log_batch"),
            bulk_mode="log_batch",
            # ~2-5 ms per synchronous call, and the async queue drains at ~3 ms a point.
            write_divisor={"sync": 50, "async": 10},
            read_divisor=10,
            # Export: 11 calls a run, and get_metric_history takes ~25 ms at 100,000 runs.
            runs_divisor=200,
        ),
        TrackerSpec(
            name="aim",
            adapter_module="trackers.aim_adapter",
            package="aim",
            ready="from aim import Repo, Run",
            modes=("track",),
            bulk_mode="track",
            read_divisor=10,  # ~70-150 us per track() call: 1M points would take minutes
        ),
    )
}


def load_adapter(spec: TrackerSpec) -> Adapter:
    """Import the adapter module (and so the tracker itself) in this process."""
    return cast(Adapter, importlib.import_module(spec.adapter_module))
