"""c. Read back a 1,000,000-point series in full, and as a 1,000-bucket view."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from harness.series import loss_curve
from harness.timing import timed
from trackers import TrackerSpec, load_adapter
from workloads.base import Metric, ingest_loss, read_count

NAME = "read_series"
TITLE = "read a 1,000,000-point series: full, and a 1,000-bucket view"
NOMINAL = 1_000_000
ITEM = "point"
PER_MODE = False
BUCKETS = 1_000
METRICS = (
    Metric("read", "full read", target=0.1, scaling="linear", per_item=True),
    Metric("buckets", "1,000-bucket view", target=0.02),
    Metric("index", "make readable", compare=False),
)


def count(spec: TrackerSpec, mode: str, scale: float) -> int:
    return read_count(NOMINAL, spec, scale)


def measure(spec: TrackerSpec, mode: str, workdir: Path, n: int) -> dict[str, float]:
    run_id, figures = ingest_loss(spec, workdir, n)
    adapter = load_adapter(spec)
    with timed() as indexed:
        adapter.index(workdir, run_id)
    # The downsampled view first: it is what a chart asks for, cold.
    with timed() as bucketed:
        returned = adapter.read_buckets(workdir, run_id, "loss", BUCKETS)
    with timed() as read:
        series = adapter.read_series(workdir, run_id, "loss")
    _check(series.steps, series.values, n)
    return figures | {
        "index": indexed.seconds,
        "buckets": bucketed.seconds,
        "bucket_points": float(returned),
        "read": read.seconds,
    }


def _check(steps: np.ndarray, values: np.ndarray, n: int) -> None:
    """A fast read that returns the wrong data must not count."""
    expected_steps, expected_values = loss_curve(n)
    if len(steps) != n or not np.array_equal(steps, expected_steps):
        raise AssertionError(f"read back {len(steps)} steps, expected 0..{n - 1}")
    if not np.allclose(values, expected_values, rtol=0, atol=1e-12):
        raise AssertionError("values read back differ from those logged")
