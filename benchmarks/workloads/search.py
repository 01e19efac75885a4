"""f. Search 100,000 runs: filter on a metric and a param, sort by a metric, first page of 100."""

from __future__ import annotations

from pathlib import Path

from harness.timing import timed
from trackers import TrackerSpec, Unsupported, load_adapter
from workloads import many_runs
from workloads.base import Metric
from workloads.many_runs import (
    QUERY,
    RANGE_QUERY,
    STORE_RUNS,
    check_page,
    expected_page,
    open_store,
)

NAME = "search"
TITLE = (
    "search 100,000 runs (20 params, 10 metrics): a metric and a param filter,"
    " sorted by a metric, first page of 100"
)
NOMINAL = STORE_RUNS
ITEM = "run"
PER_MODE = False
TRACKERS = many_runs.TRACKERS  # those with adapters for run search, list and export
METRICS = (
    Metric("query", "first query", target=0.1),
    Metric("again", "same query again"),
    Metric("open", "open store"),
    Metric("range", "p7 < 0.2 instead", target=0.1, compare=False),
    Metric("load", "store load (set-up)", compare=False),
)
NOTES = (
    'query: TrackRecord `metrics.m3 > 0.5 and params.optimizer = "adam"`, order_by'
    " `-metrics.m5.max`; MLflow `metrics.m3 > 0.5 and params.optimizer = 'adam'`, order_by"
    " `metrics.m5 DESC` (MLflow sorts metrics by their latest value only; m5 rises in every"
    " run, so its max is its latest value and both orders agree). Both pages are checked"
    " against the ground truth, run for run and in order.",
    "p7 < 0.2 instead: `metrics.m3 > 0.5 and params.p7 < 0.2`, asked second in the same"
    " process; MLflow keeps params as strings and compares them with =, !=, LIKE only,"
    " so it has no such query (—).",
)


def store_runs(scale: float) -> int:
    """This workload reads the shared store of this many runs (see workloads/many_runs.py)."""
    return many_runs.store_runs(scale)


def count(spec: TrackerSpec, mode: str, scale: float) -> int:
    return many_runs.store_runs(scale)


def measure(spec: TrackerSpec, mode: str, workdir: Path, n: int, root: Path) -> dict[str, float]:
    """Open the loaded store, ask QUERY (checked), ask it again, then RANGE_QUERY."""
    store, data = open_store(root)
    adapter = load_adapter(spec)
    ids = adapter.run_ids(data)
    with timed() as opened:
        searcher = adapter.open_runs(store)
    with timed() as first:
        got = searcher.search(QUERY)
    check_page(got, ids, expected_page(data, QUERY), "search")
    with timed() as again:
        searcher.search(QUERY)
    figures = {"open": opened.seconds, "query": first.seconds, "again": again.seconds}
    try:
        with timed() as ranged:
            got = searcher.search(RANGE_QUERY)
    except Unsupported:
        return figures
    check_page(got, ids, expected_page(data, RANGE_QUERY), "p7 < 0.2 search")
    return figures | {"range": ranged.seconds}
