"""What the many-runs workloads (search, runs_ls, export) share: the store, the queries.

Each tracker's store is loaded once per `run.py` invocation, in a worker process of
its own (`worker.py --load-runs`, untimed set-up), and every measurement opens it
afresh in a new process. A store directory holds `manifest.json` (what was loaded,
and how long it took) and `store/`, the tracker's own directory.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from harness.runs_data import VERSION, RunsData, generate
from harness.stores import read_manifest, write_manifest
from harness.timing import timed
from harness.workdir import disk_usage
from trackers import Condition, RunQuery, TrackerSpec, load_adapter

STORE_RUNS: Final = 100_000
TRACKERS: Final = ("trackrecord", "mlflow")  # those with run search, list and export adapters

# (1) and (2): a metric and a string param, sorted by a rising metric; both trackers agree.
QUERY: Final = RunQuery(
    where=(Condition("metrics", "m3", ">", 0.5), Condition("params", "optimizer", "=", "adam")),
    sort_key="m5",
    limit=100,
)
# A numeric range on a param: TrackRecord compares numbers; MLflow cannot ask it.
RANGE_QUERY: Final = RunQuery(
    where=(Condition("metrics", "m3", ">", 0.5), Condition("params", "p7", "<", 0.2)),
    sort_key="m5",
    limit=100,
)
# Checked right after loading: every match fits one page, so this compares the whole set.
CHECK_QUERY: Final = RunQuery(
    where=(Condition("metrics", "m3", ">", 0.9), Condition("params", "optimizer", "=", "sgd")),
    sort_key="m5",
    limit=5_000,
)

_OPS: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "=": operator.eq,
    "<": operator.lt,
    ">": operator.gt,
}


def store_runs(scale: float) -> int:
    """Runs in the store: 100,000, or 10,000 with --quick."""
    return max(1, int(STORE_RUNS * scale))


def matches(data: RunsData, query: RunQuery) -> npt.NDArray[np.bool_]:
    """Ground truth: which runs satisfy every condition (metrics by their last value)."""
    mask = np.ones(data.n, dtype=bool)
    for c in query.where:
        column = data.last(c.key) if c.kind == "metrics" else data.param(c.key)
        mask &= _OPS[c.op](column, c.value)
    return mask


def expected_page(data: RunsData, query: RunQuery) -> list[int]:
    """Ground truth: indexes of the first page, sorted by the sort metric's max, largest first."""
    return data.top(matches(data, query), data.maximum(query.sort_key), query.limit)


def check_page(got: list[str], ids: list[str], expected: list[int], what: str) -> None:
    """A fast search that returns the wrong runs must not count."""
    want = [ids[i] for i in expected]
    if got == want:
        return
    if set(got) == set(want):
        raise AssertionError(f"{what}: the right {len(got)} runs, in the wrong order")
    missing = len(set(want) - set(got))
    raise AssertionError(
        f"{what}: {len(got)} runs returned, {len(want)} expected; {missing} expected ones missing"
    )


def load_store(spec: TrackerSpec, runs: int, root: Path) -> dict[str, float]:
    """Set-up (worker.py --load-runs): generate the data, load it, check it, write the manifest."""
    adapter = load_adapter(spec)
    with timed() as generated:
        data = generate(runs)
        ids = adapter.run_ids(data)
    store = root / "store"
    with timed() as loaded:
        adapter.load_runs(store, data)
    with timed() as checked:
        got = adapter.open_runs(store).search(CHECK_QUERY)
    expected = expected_page(data, CHECK_QUERY)
    if len(expected) >= CHECK_QUERY.limit:
        raise AssertionError(f"the check query matches {len(expected)} runs: more than a page")
    check_page(got, ids, expected, f"{spec.name} store check, {len(expected)} matches")
    figures = {
        "generate": generated.seconds,
        "load": loaded.seconds,
        "check": checked.seconds,
        "check_matches": float(len(expected)),
        "store_bytes": float(disk_usage(store)),
        "points": float(data.points()),
    }
    write_manifest(root, spec.name, runs, figures)
    return figures


def open_store(root: Path) -> tuple[Path, RunsData]:
    """The tracker's directory inside a loaded store root, and the data it was loaded with."""
    manifest = read_manifest(root)
    if manifest is None:
        raise RuntimeError(f"{root} holds no complete store of data version {VERSION}")
    return root / "store", generate(int(manifest["runs"]))
