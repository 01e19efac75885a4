"""f. Search 100,000 runs: filter on a metric and a param, sort by a metric, first page of 100."""

from __future__ import annotations

from pathlib import Path

from harness.timing import timed
from trackers import TrackerSpec, Unsupported, load_adapter
from workloads import many_runs
from workloads.base import Metric

NAME = "search"
TITLE = (
    "search 100,000 runs (20 params, 10 metrics each): filter on a metric and a param,"
    " sort by a metric, first page of 100"
)
NOMINAL = many_runs.STORE_RUNS
ITEM = "run"
PER_MODE = False
TRACKERS = many_runs.TRACKERS
ONCE_OVER_S = 30.0  # MLflow takes about a minute a query at 100,000 runs
METRICS = (
    Metric("query", "query", target=0.1),
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
    "p7 < 0.2 instead: `metrics.m3 > 0.5 and params.p7 < 0.2`, asked next in the same"
    " process; MLflow keeps params as strings and compares them with =, !=, LIKE, ILIKE and"
    " IS NULL only, so it cannot ask this (—).",
    f"A row whose first repetition takes over {ONCE_OVER_S:.0f} s is measured once.",
)


def store_runs(scale: float) -> int:
    """The runs in the shared store this workload reads (see workloads/many_runs.py)."""
    return many_runs.store_runs(scale)


def count(spec: TrackerSpec, mode: str, scale: float) -> int:
    return many_runs.store_runs(scale)


def measure(spec: TrackerSpec, mode: str, workdir: Path, n: int, root: Path) -> dict[str, float]:
    """Open the loaded store, ask QUERY, then RANGE_QUERY (both checked)."""
    store, data = many_runs.open_store(root)
    adapter = load_adapter(spec)
    ids = adapter.run_ids(data)
    with timed() as opened:
        runs = adapter.open_runs(store)
    with timed() as asked:
        got = runs.search(many_runs.QUERY)
    many_runs.check_page(got, ids, many_runs.expected_page(data, many_runs.QUERY), "search")
    figures = {"open": opened.seconds, "query": asked.seconds}
    try:
        with timed() as ranged:
            got = runs.search(many_runs.RANGE_QUERY)
    except Unsupported:
        return figures
    expected = many_runs.expected_page(data, many_runs.RANGE_QUERY)
    many_runs.check_page(got, ids, expected, "p7 < 0.2 search")
    return figures | {"range": ranged.seconds}
