"""MLflow on its default SQLite store, in three modes.

`sync`: `mlflow.log_metric` / `log_metrics` (one SQLite transaction per call).
`async`: the same with `synchronous=False`; `end_run` waits for the queue to drain.
`log_batch`: `MlflowClient.log_batch` with `Metric` objects, 1,000 per call
(MLflow's own limit per batch).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import mlflow
import numpy as np
from mlflow import MlflowClient
from mlflow.entities import Metric
from mlflow.utils.time import get_current_time_millis

from trackers.base import Series

BATCH_SIZE = 1_000


def _connect(workdir: Path) -> None:
    mlflow.set_tracking_uri(f"sqlite:///{workdir / 'mlflow.db'}")


class FluentRun:
    """`sync` and `async` modes: the fluent API most MLflow users call."""

    def __init__(self, synchronous: bool) -> None:
        mlflow.set_experiment("bench")
        self.run_id: str = mlflow.start_run().info.run_id
        self._synchronous = synchronous

    def log_point(self, key: str, value: float, step: int) -> None:
        mlflow.log_metric(key, value, step=step, synchronous=self._synchronous)

    def log_dict(self, values: Mapping[str, float], step: int) -> None:
        mlflow.log_metrics(dict(values), step=step, synchronous=self._synchronous)

    def finish(self) -> None:
        mlflow.end_run()  # in async mode this blocks until the queue is flushed


class BatchRun:
    """`log_batch` mode: points buffered and sent 1,000 at a time."""

    def __init__(self) -> None:
        self._client = MlflowClient()
        experiment_id = self._client.create_experiment("bench")
        self.run_id: str = self._client.create_run(experiment_id).info.run_id
        self._pending: list[Metric] = []

    def log_point(self, key: str, value: float, step: int) -> None:
        self._pending.append(Metric(key, value, get_current_time_millis(), step))
        if len(self._pending) >= BATCH_SIZE:
            self._flush()

    def log_dict(self, values: Mapping[str, float], step: int) -> None:
        now = get_current_time_millis()
        self._pending.extend(Metric(key, value, now, step) for key, value in values.items())
        if len(self._pending) >= BATCH_SIZE:
            self._flush()

    def _flush(self) -> None:
        for start in range(0, len(self._pending), BATCH_SIZE):
            batch = self._pending[start : start + BATCH_SIZE]
            self._client.log_batch(self.run_id, metrics=batch, synchronous=True)
        self._pending = []

    def finish(self) -> None:
        self._flush()
        self._client.set_terminated(self.run_id)


def start(workdir: Path, mode: str) -> FluentRun | BatchRun:
    _connect(workdir)
    if mode == "log_batch":
        return BatchRun()
    if mode in ("sync", "async"):
        return FluentRun(synchronous=mode == "sync")
    raise ValueError(f"unknown MLflow mode {mode!r}; choose sync, async or log_batch")


def index(workdir: Path, run_id: str) -> None:
    """Nothing to do: SQLite rows are readable once committed."""


def read_series(workdir: Path, run_id: str, key: str) -> Series:
    _connect(workdir)
    history = MlflowClient().get_metric_history(run_id, key)
    steps = np.fromiter((m.step for m in history), np.int64, len(history))
    values = np.fromiter((m.value for m in history), np.float64, len(history))
    order = np.argsort(steps, kind="stable")  # MLflow orders by timestamp, then step
    return Series(steps[order], values[order])


def read_buckets(workdir: Path, run_id: str, key: str, buckets: int) -> int:
    """MLflow's UI view: the store's sampled history (what get-history-bulk-interval serves).

    The store method is reached through the client's private `_tracking_client`:
    MLflow offers this view over REST only, not in the Python client.
    """
    _connect(workdir)
    store = MlflowClient()._tracking_client.store
    sampled = store.get_metric_history_bulk_interval([run_id], key, buckets, None, None)
    return len(sampled)
