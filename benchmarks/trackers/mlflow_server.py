"""MLflow's tracking server (`mlflow server`), as the server workloads use it.

`serve` starts `mlflow server` with its defaults (4 uvicorn worker processes) on a
backend store URI: a PostgreSQL database (through psycopg2, SQLAlchemy's default
driver) for ingestion, or the many-runs SQLite store for search. `Logger` is a
training process using `MlflowClient.log_batch` with 1,000 `Metric`s per call,
MLflow's own limit and its fastest way in; `search` asks
`POST /api/2.0/mlflow/runs/search` as MLflow's UI and client do.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from harness.servers import serving
from trackers import mlflow_bulk
from trackers.base import RunQuery

BATCH_SIZE = 1_000


@contextmanager
def serve(workdir: Path, store: str, workers: int | None = None) -> Iterator[str]:
    """`mlflow server --backend-store-uri STORE` (postgresql:// or sqlite:///); its base URL.

    *workers*: its uvicorn worker processes (`--workers`; default its own, 4)."""
    if store.startswith("postgresql://"):
        store = "postgresql+psycopg2://" + store.removeprefix("postgresql://")
    command = [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", store,
               "--default-artifact-root", str(workdir / "mlartifacts"),
               "--host", "127.0.0.1", "--port", "{port}"]  # fmt: skip
    if workers is not None:
        command += ["--workers", str(workers)]
    with serving(command, "/health", workdir / "mlflow-server.log") as url:
        yield url


class Logger:
    """One training process logging to the server at `uri` with `log_batch`."""

    def __init__(self, uri: str, workdir: Path) -> None:
        from mlflow import MlflowClient

        self._client = MlflowClient(uri)
        self.run_id: str = self._client.create_run("0").info.run_id  # the Default experiment

    def log(self, keys: Sequence[str], rows: Sequence[Sequence[float]]) -> None:
        """A `Metric` per key and step, sent 1,000 at a time."""
        from mlflow.entities import Metric
        from mlflow.utils.time import get_current_time_millis

        pending: list[Metric] = []
        for step, row in enumerate(rows):
            now = get_current_time_millis()
            pending.extend(
                Metric(key, value, now, step) for key, value in zip(keys, row, strict=True)
            )
            if len(pending) >= BATCH_SIZE:
                self._client.log_batch(self.run_id, metrics=pending[:BATCH_SIZE])
                pending = pending[BATCH_SIZE:]
        if pending:
            self._client.log_batch(self.run_id, metrics=pending)

    def finish(self) -> None:
        """`log_batch` is synchronous: only the run's end is left to send."""
        self._client.set_terminated(self.run_id)


def stored_points(uri: str, run_id: str) -> dict[str, int]:
    """Points the server holds per key of a run (`get_metric_history` of each key)."""
    from mlflow import MlflowClient

    client = MlflowClient(uri)
    keys = client.get_run(run_id).data.metrics
    return {key: len(client.get_metric_history(run_id, key)) for key in keys}


def search(client: httpx.Client, query: RunQuery) -> list[str]:
    """First page of `query` through `POST /api/2.0/mlflow/runs/search`."""
    from trackers.mlflow_adapter import render_query

    text, order_by = render_query(query)
    body = {"experiment_ids": [mlflow_bulk.EXPERIMENT_ID], "filter": text,
            "order_by": order_by, "max_results": query.limit}  # fmt: skip
    answer = client.post("/api/2.0/mlflow/runs/search", json=body)
    answer.raise_for_status()
    return [run["info"]["run_id"] for run in answer.json().get("runs", [])]
