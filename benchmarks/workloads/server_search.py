"""j. Search 100,000 runs through a server's HTTP API: the first page, cold and warm.

The runs are the many-runs store's (see workloads/many_runs.py). TrackRecord serves
them from PostgreSQL: `trackrecord server` on a copy of its many-runs store (made
once, untimed: harness/pg_copy.py). MLflow serves its own many-runs store, the
SQLite database its bulk loader filled, with `mlflow server` (SQLite is the store
that loader writes; MLflow's search SQL is the same on either database). Each
measurement starts a fresh server process; each query's first answer is "cold"
(the server's first request of that query; the database's own caches are as the
copy or an earlier repetition left them) and the median of the next WARM answers
is "warm". Every page is checked against the ground truth, run for run and in order.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Final

import httpx

from harness.pg_copy import postgres_copy
from harness.timing import timed
from trackers import RunQuery, TrackerSpec, Unsupported, load_adapter
from workloads import many_runs
from workloads.base import Metric
from workloads.server_ingest import server_module

NAME = "server_search"
TITLE = "search 100,000 runs through the server's HTTP API: first page of 100, cold and warm"
NOMINAL = many_runs.STORE_RUNS
ITEM = "run"
PER_MODE = False
TRACKERS = many_runs.TRACKERS
ONCE_OVER_S = 180.0  # MLflow: minutes a query; TrackRecord: its first repetition makes the copy
WARM: Final = 5  # repeats after the cold answer: 1 where it took over 5 s, none over 60 s
# The newest-first listing's equivalent with a sort: every run, by a metric.
SORTED_QUERY: Final = RunQuery(where=(), sort_key="m5", limit=100)
QUERIES: Final = {
    "query": many_runs.QUERY,
    "range": many_runs.RANGE_QUERY,
    "sorted": SORTED_QUERY,
}
METRICS = (
    Metric("query_cold", "query, cold", target=0.2),
    Metric("query_warm", "query, warm", target=0.2),
    Metric("range_cold", "p7 < 0.2, cold", target=0.2, compare=False),
    Metric("range_warm", "p7 < 0.2, warm", target=0.2, compare=False),
    Metric("sorted_cold", "all runs by m5, cold", target=0.2),
    Metric("sorted_warm", "all runs by m5, warm", target=0.2),
    Metric("pg_copy", "copy to PostgreSQL (set-up)", compare=False),
)
NOTES = (
    'query: the search workload\'s `metrics.m3 > 0.5 and params.optimizer = "adam"` sorted by'
    " m5, descending; p7 < 0.2: its numeric-param variant (MLflow cannot ask it: —); all runs"
    " by m5: no filter, sorted by m5. TrackRecord: `GET /api/v1/runs?q=…&order=…&limit=100`"
    " on PostgreSQL; MLflow: `POST /api/2.0/mlflow/runs/search` on its SQLite store.",
    "cold: the first answer of a freshly started server; warm: median of the next 5 (1 when"
    " the cold answer took over 5 s, none over 60 s: —). Times are seen by an HTTP client on"
    " the same machine.",
)


def store_runs(scale: float) -> int:
    """The runs in the shared store this workload reads (see workloads/many_runs.py)."""
    return many_runs.store_runs(scale)


def count(spec: TrackerSpec, mode: str, scale: float) -> int:
    return many_runs.store_runs(scale)


def measure(spec: TrackerSpec, mode: str, workdir: Path, n: int, root: Path) -> dict[str, float]:
    """Serve the store (TrackRecord: its PostgreSQL copy), ask every query cold, then warm."""
    store, data = many_runs.open_store(root)
    ids = load_adapter(spec).run_ids(data)
    figures: dict[str, float] = {}
    if spec.name == "trackrecord":
        backend, figures = postgres_copy(root, store / "trackrecord.db")
    else:
        from trackers import mlflow_bulk

        backend = mlflow_bulk.tracking_uri(store)
    server = server_module(spec)
    with server.serve(workdir, backend) as url, httpx.Client(base_url=url, timeout=900) as client:
        for name, query in QUERIES.items():
            try:
                times = _ask(server, client, query, ids, many_runs.expected_page(data, query))
            except Unsupported:
                continue
            figures[f"{name}_cold"] = times[0]
            if len(times) > 1:
                figures[f"{name}_warm"] = statistics.median(times[1:])
    return figures


def _ask(
    server: object, client: httpx.Client, query: RunQuery, ids: list[str], expected: list[int]
) -> list[float]:
    """Seconds of the cold answer, then of each warm one; every page checked."""
    search = server.search  # type: ignore[attr-defined]
    times: list[float] = []
    while not times or len(times) < 1 + _warm_repeats(times[0]):
        with timed() as took:
            got = search(client, query)
        many_runs.check_page(got, ids, expected, f"{NAME} {_describe(query)}")
        times.append(took.seconds)
    return times


def _warm_repeats(cold: float) -> int:
    """Warm answers to time after a cold one of *cold* seconds (MLflow's take minutes)."""
    return WARM if cold < 5 else 1 if cold < 60 else 0


def _describe(query: RunQuery) -> str:
    where = " and ".join(f"{c.kind}.{c.key} {c.op} {c.value}" for c in query.where)
    return f"{where or 'every run'} by {query.sort_key}"
