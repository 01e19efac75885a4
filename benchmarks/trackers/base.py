"""The interface every tracker adapter module implements, and the tracker registry entry.

Workloads are written once against `Adapter`; each adapter module
(`trackrecord_adapter`, `mlflow_adapter`, `aim_adapter`) provides the module-level
functions below, and `TrackerSpec` says how the runner plans its rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from harness.runs_data import RunsData


@dataclass(frozen=True)
class Series:
    """A metric series read back: steps and values in step order."""

    steps: np.ndarray
    values: np.ndarray


class TrackedRun(Protocol):
    """One open run, as a workload drives it."""

    run_id: str

    def log_point(self, key: str, value: float, step: int) -> None:
        """Log one value of one key at `step`."""

    def log_dict(self, values: Mapping[str, float], step: int) -> None:
        """Log several keys at `step` in one call."""

    def finish(self) -> None:
        """End the run; returns when everything logged is durable on disk."""


class Unsupported(Exception):
    """The tracker has no way to do what a workload asks (the figure is left out)."""


@dataclass(frozen=True)
class Condition:
    """One comparison of a run search: `metrics.<key>` (latest value) or `params.<key>`."""

    kind: Literal["metrics", "params"]
    key: str
    op: Literal["=", "<", ">"]
    value: float | str


@dataclass(frozen=True)
class RunQuery:
    """A run search, written once; each adapter renders it in its tracker's own syntax.

    All conditions must hold; rows come sorted by metric `sort_key` descending
    (TrackRecord by the metric's max, MLflow by its latest value: the only metric
    sort it has), `limit` rows at most.
    """

    where: tuple[Condition, ...]
    sort_key: str
    limit: int


class OpenedRuns(Protocol):
    """A many-runs store opened as a user script opens it, ready for searches and exports."""

    def search(self, query: RunQuery) -> list[str]:
        """Run ids of the first page, in order; `Unsupported` if the tracker cannot ask it."""

    def export_metrics(self, run_ids: Sequence[str], path: Path) -> int:
        """Write every metric point of `run_ids` to the Parquet file `path`; return the rows."""


class Adapter(Protocol):
    """What an adapter module provides (a module satisfies this protocol).

    The first four serve the single-run workloads; `load_runs`, `run_ids`, `open_runs`
    and `list_runs_command` the many-runs ones (search, runs_ls, export), which only
    the trackers listed in those workloads' `TRACKERS` implement.
    """

    def start(self, workdir: Path, mode: str) -> TrackedRun:
        """Start a run whose store lives entirely under `workdir`."""

    def index(self, workdir: Path, run_id: str) -> None:
        """Make a finished run visible to readers (only Aim needs a step here)."""

    def read_series(self, workdir: Path, run_id: str, key: str) -> Series:
        """Read the full series of `key`, as the tracker's own read API returns it."""

    def read_buckets(self, workdir: Path, run_id: str, key: str, buckets: int) -> int:
        """Fetch the tracker's own downsampled view; returns how many points came back."""

    def load_runs(self, store: Path, data: RunsData) -> None:
        """Set-up, untimed: write every run of `data` into a new store in `store`."""

    def run_ids(self, data: RunsData) -> list[str]:
        """The ids `load_runs` gave the runs, in run order."""

    def open_runs(self, store: Path) -> OpenedRuns:
        """Open the store `load_runs` wrote, as a user script would."""

    def list_runs_command(self, store: Path, query: RunQuery) -> list[str]:
        """The command line a user types to list the first page of `query` as a table."""


@dataclass(frozen=True)
class TrackerSpec:
    """How to plan and label a tracker's rows, readable without importing the tracker."""

    name: str
    adapter_module: str
    package: str  # distribution and import name
    ready: str  # Python that imports what logging and reading need (lazy attributes included)
    modes: tuple[str, ...]
    bulk_mode: str
    # Write workloads time nominal/divisor calls in these modes and scale up linearly.
    write_divisor: Mapping[str, int] = field(default_factory=dict)
    # Read and disk workloads ingest nominal/read_divisor points for this tracker.
    read_divisor: int = 1
    # The export workload exports nominal/runs_divisor runs for this tracker.
    runs_divisor: int = 1

    def label(self, mode: str) -> str:
        return self.name if len(self.modes) == 1 else f"{self.name} {mode}"
