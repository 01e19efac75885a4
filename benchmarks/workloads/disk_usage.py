"""d. Bytes on disk per point of a 1,000,000-point float64 loss curve."""

from __future__ import annotations

from pathlib import Path

from harness.workdir import disk_usage
from trackers import TrackerSpec
from workloads.base import Metric, ingest_loss, read_count

NAME = "disk_usage"
TITLE = "bytes on disk per point, 1,000,000-point float64 loss curve (raw int64+float64+int64: 24)"
NOMINAL = 1_000_000
ITEM = "point"
PER_MODE = False
METRICS = (Metric("bytes_per_point", "bytes/point", target=12, unit="B"),)


def count(spec: TrackerSpec, mode: str, scale: float) -> int:
    return read_count(NOMINAL, spec, scale)


def measure(spec: TrackerSpec, mode: str, workdir: Path, n: int) -> dict[str, float]:
    _, figures = ingest_loss(spec, workdir, n)
    total = disk_usage(workdir)  # every file the tracker left, after its run finished
    return figures | {"bytes": float(total), "bytes_per_point": total / n}
