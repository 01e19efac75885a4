"""h. Export every metric point of 10,000 of the 100,000 runs to one Parquet file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from harness.timing import timed
from trackers import TrackerSpec, load_adapter
from workloads import many_runs
from workloads.base import Metric

NAME = "export"
TITLE = "export every metric point of 10,000 runs (of 100,000) to Parquet, one row per point"
NOMINAL = 10_000
ITEM = "run"
PER_MODE = False
TRACKERS = many_runs.TRACKERS
METRICS = (
    Metric("export", "export", target=10.0, scaling="linear", per_item=True),
    Metric("file_bytes", "Parquet file", unit="B", scaling="linear"),
    Metric("open", "open store (not in export)", compare=False),
)
NOTES = (
    'TrackRecord: `trackrecord.exports.export_metrics(store, run_ids, path, format="parquet")`.'
    " MLflow: `get_run` (for the keys) and `get_metric_history` per run and key, written with"
    " pyarrow (`pq.write_table`). Runs 0..n-1 of the store, ~40 points each; rows and the sum"
    " of all values are checked against the data. Opening the store is timed apart.",
)


def store_runs(scale: float) -> int:
    """The runs in the shared store this workload reads (see workloads/many_runs.py)."""
    return many_runs.store_runs(scale)


def count(spec: TrackerSpec, mode: str, scale: float) -> int:
    """Runs exported: slow peers export fewer, and their time is scaled up linearly."""
    return max(1, min(int(NOMINAL * scale), many_runs.store_runs(scale)) // spec.runs_divisor)


def measure(spec: TrackerSpec, mode: str, workdir: Path, n: int, root: Path) -> dict[str, float]:
    store, data = many_runs.open_store(root)
    adapter = load_adapter(spec)
    run_ids = adapter.run_ids(data)[:n]
    path = workdir / "metrics.parquet"
    with timed() as opened:
        runs = adapter.open_runs(store)
    with timed() as took:
        rows = runs.export_metrics(run_ids, path)
    _check(path, rows, int(data.counts[:n].sum()), _value_sum(data.values[:n], data.counts[:n]))
    size = float(path.stat().st_size)
    return {"open": opened.seconds, "export": took.seconds, "rows": float(rows), "file_bytes": size}


def _value_sum(values: np.ndarray, counts: np.ndarray) -> float:
    logged = np.arange(values.shape[2])[None, None, :] < counts[:, :, None]
    return float(values[logged].sum())


def _check(path: Path, rows: int, points: int, value_sum: float) -> None:
    """A fast export that writes the wrong data must not count."""
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["value"])
    if rows != points or table.num_rows != points:
        raise AssertionError(f"exported {rows} rows ({table.num_rows} in the file), not {points}")
    written = float(np.sum(table.column("value").to_numpy()))
    if not np.isclose(written, value_sum, rtol=1e-9, atol=0):
        raise AssertionError(f"the exported values add up to {written}, not {value_sum}")
