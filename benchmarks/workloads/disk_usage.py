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
METRICS = (
    Metric("bytes_per_point", "bytes/point", target=12, unit="B", scaling="free"),
    Metric("marginal_per_point", "above a 1-point run", unit="B", scaling="free"),
    Metric("fixed_bytes", "1-point run", unit="B", compare=False),
)


def count(spec: TrackerSpec, mode: str, scale: float) -> int:
    return read_count(NOMINAL, spec, scale)


def measure(spec: TrackerSpec, mode: str, workdir: Path, n: int) -> dict[str, float]:
    """Every file each store left after its run finished, for n points and for 1 point.

    The 1-point store shows the fixed cost (schema, logs, preallocation), which
    dominates bytes/point at small n.
    """
    full, single = workdir / "full", workdir / "single"
    full.mkdir()
    single.mkdir()
    _, figures = ingest_loss(spec, full, n)
    ingest_loss(spec, single, 1)
    total, fixed = disk_usage(full), disk_usage(single)
    return figures | {
        "bytes": float(total),
        "bytes_per_point": total / n,
        "fixed_bytes": float(fixed),
        "marginal_per_point": (total - fixed) / max(1, n - 1),
    }
