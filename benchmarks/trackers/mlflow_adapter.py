"""MLflow on its default SQLite store, in three modes.

`sync`: `mlflow.log_metric` / `log_metrics` (one SQLite transaction per call).
`async`: the same with `synchronous=False`; `end_run` waits for the queue to drain.
`log_batch`: `MlflowClient.log_batch` with `Metric` objects, 1,000 per call
(MLflow's own limit per batch).

The many-runs workloads load their store with `trackers.mlflow_bulk` and search it
with `MlflowClient.search_runs`, MLflow's own query API.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import mlflow
import numpy as np
from mlflow import MlflowClient
from mlflow.entities import Metric
from mlflow.utils.time import get_current_time_millis

from harness.runs_data import RunsData
from trackers import mlflow_bulk
from trackers.base import Condition, RunQuery, Series, Unsupported

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


# ----------------------------------------------------------------------------- many runs


def load_runs(store: Path, data: RunsData) -> None:
    """Bulk SQL inserts into MLflow's own schema, checked against a run MLflow logged."""
    mlflow_bulk.load(store, data)


def run_ids(data: RunsData) -> list[str]:
    return data.mlflow_ids


def render_query(query: RunQuery) -> tuple[str, list[str]]:
    """The filter string and order_by of `MlflowClient.search_runs`.

    MLflow keeps params as strings and compares them only with =, !=, LIKE, ILIKE
    and IS NULL; it sorts metrics only by their latest value.
    """
    text = " and ".join(_condition(c) for c in query.where)
    return text, [f"metrics.{query.sort_key} DESC"]


def _condition(c: Condition) -> str:
    if c.kind == "params":
        if c.op != "=":
            raise Unsupported(
                f"MLflow compares params as strings, with =, !=, LIKE, ILIKE and IS NULL only: "
                f"params.{c.key} {c.op} {c.value!r} has no MLflow equivalent"
            )
        return f"params.{c.key} = '{c.value}'"
    return f"metrics.{c.key} {c.op} {c.value!r}"


class OpenedStore:
    def __init__(self, store: Path) -> None:
        self._client = MlflowClient(mlflow_bulk.tracking_uri(store))
        # The client makes its store (engine, schema check) on first use: open it now.
        self._client._tracking_client.store  # noqa: B018

    def search(self, query: RunQuery) -> list[str]:
        text, order_by = render_query(query)
        runs = self._client.search_runs(
            [mlflow_bulk.EXPERIMENT_ID], text, order_by=order_by, max_results=query.limit
        )
        return [run.info.run_id for run in runs]

    def export_metrics(self, run_ids: Sequence[str], path: Path) -> int:
        """`get_run` (for the keys) and `get_metric_history` per run and key, then pyarrow."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        names = ("run_id", "key", "step", "value", "time")
        columns: dict[str, list[object]] = {name: [] for name in names}
        for run_id in run_ids:
            for key in sorted(self._client.get_run(run_id).data.metrics):
                for point in self._client.get_metric_history(run_id, key):
                    columns["run_id"].append(run_id)
                    columns["key"].append(key)
                    columns["step"].append(point.step)
                    columns["value"].append(point.value)
                    columns["time"].append(point.timestamp)
        table = pa.table(columns)
        pq.write_table(table, path)
        return table.num_rows


def open_runs(store: Path) -> OpenedStore:
    return OpenedStore(store)


def list_runs_command(store: Path, query: RunQuery) -> list[str]:
    """`python trackers/mlflow_runs_list.py`: search_runs printed as `mlflow runs list` does.

    `mlflow runs list --experiment-id` itself has no filter, sort or limit (it prints
    the newest 1,000 runs), so it cannot ask this query.
    """
    text, order_by = render_query(query)
    script = Path(__file__).resolve().parent / "mlflow_runs_list.py"
    uri, experiment = mlflow_bulk.tracking_uri(store), mlflow_bulk.EXPERIMENT_ID
    return [sys.executable, str(script), uri, experiment, text, order_by[0], str(query.limit)]
