"""The interface every tracker adapter module implements, and the tracker registry entry.

Workloads are written once against `Adapter`; each adapter module
(`trackrecord_adapter`, `mlflow_adapter`, `aim_adapter`) provides the module-level
functions below, and `TrackerSpec` says how the runner plans its rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np


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


class Adapter(Protocol):
    """What an adapter module provides (a module satisfies this protocol)."""

    def start(self, workdir: Path, mode: str) -> TrackedRun:
        """Start a run whose store lives entirely under `workdir`."""

    def index(self, workdir: Path, run_id: str) -> None:
        """Make a finished run visible to readers (only Aim needs a step here)."""

    def read_series(self, workdir: Path, run_id: str, key: str) -> Series:
        """Read the full series of `key`, as the tracker's own read API returns it."""

    def read_buckets(self, workdir: Path, run_id: str, key: str, buckets: int) -> int:
        """Fetch the tracker's own downsampled view; returns how many points came back."""


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

    def label(self, mode: str) -> str:
        return self.name if len(self.modes) == 1 else f"{self.name} {mode}"
