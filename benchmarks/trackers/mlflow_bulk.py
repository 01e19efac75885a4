"""Loading many runs into MLflow's own SQLite schema, fast, as MLflow itself would write them.

Creating 100,000 runs through MLflow's API takes hours (~5 ms a call, and ~30 calls a
run), so the many-runs workloads load MLflow like this instead:

1. MLflow creates the database (its alembic migrations) and the experiment, and logs
   run 0 of the data through its own API (`create_run`, `log_param` per param,
   `log_batch` of its metrics, `set_terminated`): the *template*.
2. In one transaction, every run (run 0 included) is inserted with `executemany` into
   `runs`, `tags`, `params`, `metrics` and `latest_metrics`, copying the template's
   conventions: its `runs` row (status, lifecycle_stage, source_type, user_id, …) with
   only the id, name, times and `artifact_uri` (`<experiment location>/<id>/artifacts`)
   changed; `mlflow.runName` as its only tag; params as `str(value)`; metric rows
   `(key, value, timestamp, run_uuid, step, is_nan=0)`; one `latest_metrics` row per
   key holding its last point.
3. Before committing, the rows written for run 0 are compared with the template's rows
   in all five tables (with the template's id put in their place); any difference
   aborts the load. The template is then deleted, so the store holds exactly the runs
   of the data.

No index is dropped or added and no `ANALYZE` is run: the schema and query plans are
MLflow's own. The load runs with `PRAGMA synchronous=OFF` (set-up only: the setting is
not stored in the file).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from mlflow import MlflowClient
from mlflow.entities import Metric

from harness.runs_data import METRIC_KEYS, RunsData

EXPERIMENT: Final = "search"
EXPERIMENT_ID: Final = "1"  # the first experiment made after MLflow's "Default" (0)
DATABASE: Final = "mlflow.db"
TABLES: Final = ("runs", "tags", "params", "metrics", "latest_metrics")
_RUNS_PER_BATCH: Final = 10_000


def tracking_uri(store: Path) -> str:
    return f"sqlite:///{store / DATABASE}"


def load(store: Path, data: RunsData) -> None:
    """Write every run of `data` into a new MLflow store in `store` (see the module docs)."""
    store.mkdir(parents=True, exist_ok=True)
    client = MlflowClient(tracking_uri(store))
    experiment_id = client.create_experiment(EXPERIMENT)
    if experiment_id != EXPERIMENT_ID:
        raise AssertionError(f"MLflow gave the experiment id {experiment_id}, not {EXPERIMENT_ID}")
    template = _log_template(client, experiment_id, data)
    conn = sqlite3.connect(store / DATABASE, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("BEGIN")
        try:
            reference = {table: _rows(conn, table, template) for table in TABLES}
            (run_row,) = _dicts(conn, "runs", template)
            _delete(conn, template)
            _insert(conn, data, run_row, template)
            _check_like_template(conn, reference, template, data.mlflow_ids[0])
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        conn.close()


def _log_template(client: MlflowClient, experiment_id: str, data: RunsData) -> str:
    """Run 0 of the data, logged through MLflow's API; returns its (random) id."""
    run = client.create_run(experiment_id, start_time=int(data.start_ms[0]), run_name=data.name(0))
    run_id: str = run.info.run_id
    for key, value in next(data.params()).items():
        client.log_param(run_id, key, value)
    metrics = [
        Metric(key, float(data.values[0, k, step]), data.metric_time(0, step), step)
        for k, key in enumerate(METRIC_KEYS)
        for step in range(int(data.counts[0, k]))
    ]
    client.log_batch(run_id, metrics=metrics, synchronous=True)
    client.set_terminated(run_id, end_time=data.end_ms(0))
    return run_id


def _dicts(conn: sqlite3.Connection, table: str, run_id: str) -> list[dict[str, Any]]:
    cursor = conn.execute(f"SELECT * FROM {table} WHERE run_uuid = ?", (run_id,))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _rows(conn: sqlite3.Connection, table: str, run_id: str) -> list[tuple[Any, ...]]:
    return sorted(tuple(row.items()) for row in _dicts(conn, table, run_id))


def _delete(conn: sqlite3.Connection, run_id: str) -> None:
    for table in TABLES[1:]:
        conn.execute(f"DELETE FROM {table} WHERE run_uuid = ?", (run_id,))
    conn.execute("DELETE FROM runs WHERE run_uuid = ?", (run_id,))


def _insert(conn: sqlite3.Connection, data: RunsData, template: dict[str, Any], tid: str) -> None:
    if tid not in template["artifact_uri"]:
        raise AssertionError(f"MLflow's artifact_uri {template['artifact_uri']} lacks the run id")
    ids = data.mlflow_ids
    columns = list(template)
    marks = ", ".join("?" * len(columns))
    conn.executemany(
        f"INSERT INTO runs ({', '.join(columns)}) VALUES ({marks})",
        (tuple(_run_row(data, i, template, tid).values()) for i in range(data.n)),
    )
    conn.executemany(
        "INSERT INTO tags (key, value, run_uuid) VALUES ('mlflow.runName', ?, ?)",
        ((data.name(i), ids[i]) for i in range(data.n)),
    )
    conn.executemany(
        "INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)",
        (
            (key, str(value), ids[i])
            for i, params in enumerate(data.params())
            for key, value in params.items()
        ),
    )
    for first in range(0, data.n, _RUNS_PER_BATCH):
        runs = range(first, min(data.n, first + _RUNS_PER_BATCH))
        conn.executemany(
            "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) "
            "VALUES (?, ?, ?, ?, ?, 0)",
            _metric_rows(data, runs),
        )
        conn.executemany(
            "INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) "
            "VALUES (?, ?, ?, ?, 0, ?)",
            _latest_rows(data, runs),
        )


def _run_row(data: RunsData, i: int, template: dict[str, Any], tid: str) -> dict[str, Any]:
    """The template's `runs` row with run i's id, name, times and artifact location."""
    run_id = data.mlflow_ids[i]
    return template | {
        "run_uuid": run_id,
        "name": data.name(i),
        "start_time": int(data.start_ms[i]),
        "end_time": data.end_ms(i),
        "artifact_uri": template["artifact_uri"].replace(tid, run_id),
    }


def _batch(data: RunsData, runs: range) -> Iterator[tuple[str, str, list[float], list[int]]]:
    """Per run of `runs` and per key: the run id, the key, its values and their times."""
    values = data.values[runs.start : runs.stop].tolist()
    counts = data.counts[runs.start : runs.stop].tolist()
    for row, i in enumerate(runs):
        run_id = data.mlflow_ids[i]
        times = [data.metric_time(i, step) for step in range(max(counts[row]))]
        for k, key in enumerate(METRIC_KEYS):
            yield run_id, key, values[row][k][: counts[row][k]], times


def _metric_rows(data: RunsData, runs: range) -> Iterator[tuple[Any, ...]]:
    for run_id, key, values, times in _batch(data, runs):
        for step, value in enumerate(values):
            yield key, value, times[step], run_id, step


def _latest_rows(data: RunsData, runs: range) -> Iterator[tuple[Any, ...]]:
    for run_id, key, values, times in _batch(data, runs):
        step = len(values) - 1
        yield key, values[step], times[step], step, run_id


def _check_like_template(
    conn: sqlite3.Connection,
    reference: dict[str, list[tuple[Any, ...]]],
    template: str,
    first: str,
) -> None:
    """Run 0 as loaded must equal run 0 as MLflow logged it, row for row, in every table."""
    for table, expected in reference.items():
        expected = sorted(
            tuple((k, v.replace(template, first) if isinstance(v, str) else v) for k, v in row)
            for row in expected
        )
        loaded = _rows(conn, table, first)
        if loaded != expected:
            diff = set(loaded) ^ set(expected)
            raise AssertionError(
                f"the bulk-loaded run 0 differs from the one MLflow logged in table {table}: "
                f"{sorted(diff)[:4]}"
            )
