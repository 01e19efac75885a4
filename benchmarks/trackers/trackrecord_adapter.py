"""TrackRecord's embedded store, driven through its public API only.

The one exception is `load_runs`, the set-up of the many-runs workloads: it builds
each run's events with `Event.build` and applies them with `apply_events`, the
SDK's own write path, but 1,000 runs per transaction instead of one.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import trackrecord
from trackrecord.record.events import GENESIS, Event, Points
from trackrecord.store.sql.apply import apply_events
from trackrecord.store.sql.store import SqlStore

from harness.runs_data import MAX_POINTS, METRIC_KEYS, POINT_MS, PROJECT, RunsData
from trackers.base import Condition, RunQuery, Series

RUNS_PER_TRANSACTION = 1_000


class TrackRecordRun:
    def __init__(self, workdir: Path) -> None:
        self._run: Any = trackrecord.init(project="bench", dir=workdir, capture=False)
        self.run_id: str = self._run.id
        self._log = self._run.log

    def log_point(self, key: str, value: float, step: int) -> None:
        self._log({key: value}, step=step)

    def log_dict(self, values: Mapping[str, float], step: int) -> None:
        self._log(values, step=step)

    def finish(self) -> None:
        self._run.finish()


def start(workdir: Path, mode: str) -> TrackRecordRun:
    if mode != "log":
        raise ValueError(f"unknown TrackRecord mode {mode!r}; the only mode is log")
    return TrackRecordRun(workdir)


def index(workdir: Path, run_id: str) -> None:
    """Nothing to do: `finish()` returns once the run is durable and readable."""


def read_series(workdir: Path, run_id: str, key: str) -> Series:
    history = trackrecord.Api(dir=workdir).metric_history(run_id, key)
    return Series(np.asarray(history.steps), np.asarray(history.values))


def read_buckets(workdir: Path, run_id: str, key: str, buckets: int) -> int:
    view = trackrecord.Api(dir=workdir).metric_buckets(run_id, key, buckets=buckets)
    return len(view.min)


# ----------------------------------------------------------------------------- many runs


def load_runs(store: Path, data: RunsData) -> None:
    """Per run: run.start (params as its config), one metrics event, run.end."""
    ids = data.trackrecord_ids
    params = data.params()
    sql = SqlStore.open(store)
    try:
        for first in range(0, data.n, RUNS_PER_TRANSACTION):
            last = min(data.n, first + RUNS_PER_TRANSACTION)
            runs = [_run_events(data, i, ids[i], next(params)) for i in range(first, last)]
            with sql.database.write() as cur:
                for events in runs:
                    apply_events(cur, events)
    finally:
        sql.close()


def _run_events(data: RunsData, i: int, run_id: str, config: dict[str, Any]) -> list[Event]:
    start = int(data.start_ms[i])
    body = {
        "project": PROJECT,
        "name": data.name(i),
        "group": None,
        "parent": None,
        "notes": None,
        "tags": {},
        "config": config,
        "user": "bench",
        "host": "bench",
    }
    began = Event.build(run_id, 1, "run.start", start, GENESIS, body)
    points = {}
    for k, key in enumerate(METRIC_KEYS):
        count = int(data.counts[i, k])
        steps = np.arange(count, dtype=np.int64)
        times = data.metric_time(i, 0) + POINT_MS * steps
        points[key] = Points(steps, data.values[i, k, :count].copy(), times)
    logged = Event.build(
        run_id, 2, "metrics", data.metric_time(i, MAX_POINTS - 1), began.hash, {}, points
    )
    ended = {"status": "finished", "error": None}
    return [began, logged, Event.build(run_id, 3, "run.end", data.end_ms(i), logged.hash, ended)]


def run_ids(data: RunsData) -> list[str]:
    return data.trackrecord_ids


def render_query(query: RunQuery) -> tuple[str, list[str]]:
    """The query text and sort keys, e.g. `metrics.m3 > 0.5 and params.optimizer = "adam"`."""
    text = " and ".join(_condition(c) for c in query.where)
    return text, [f"-metrics.{query.sort_key}.max"]


def _condition(c: Condition) -> str:
    value = f'"{c.value}"' if isinstance(c.value, str) else repr(c.value)
    return f"{c.kind}.{c.key} {c.op} {value}"


class OpenedStore:
    def __init__(self, store: Path) -> None:
        self._api = trackrecord.Api(dir=store)

    def search(self, query: RunQuery) -> list[str]:
        text, order_by = render_query(query)
        table = self._api.search_runs(text, order_by=order_by, limit=query.limit)
        return [run.id for run in table.runs]

    def export_metrics(self, run_ids: Sequence[str], path: Path) -> int:
        """`trackrecord.exports.export_metrics` to Parquet: one row per point."""
        try:
            from trackrecord.exports import export_metrics
        except ImportError as exc:
            raise RuntimeError(f"trackrecord.exports.export_metrics is missing: {exc}") from exc
        return export_metrics(self._api.store, run_ids, path, format="parquet").rows


def open_runs(store: Path) -> OpenedStore:
    return OpenedStore(store)


def list_runs_command(store: Path, query: RunQuery) -> list[str]:
    """`trackrecord runs ls`, the console script installed beside this interpreter."""
    text, order_by = render_query(query)
    script = str(Path(sys.executable).parent / "trackrecord")
    command = [script, "runs", "ls", "--dir", str(store), "--where", text]
    return [*command, "--sort", order_by[0], "--limit", str(query.limit)]
