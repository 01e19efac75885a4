"""What a workload module declares, and the shared planning rule for counts.

A workload module provides NAME, TITLE, NOMINAL (the count TrackRecord's targets
refer to), ITEM (what one unit is: "call", "step", "point"), PER_MODE (one row per
tracker mode, or one per tracker), METRICS, and two functions:
`count(spec, mode, scale) -> int` and `measure(spec, mode, workdir, n) -> dict`.

Optional: `NOTES` (lines printed under its table and kept in the JSON), `TRACKERS`
(the trackers that can run it; default all) and `ONCE_OVER_S` (a row whose first
repetition takes longer than this many seconds is not repeated). A workload that
reads a shared store built once beforehand (the many-runs ones) declares
`store_runs(scale) -> int`, the runs that store holds, and its `measure` takes the
store's directory as a fifth argument (see `workloads/many_runs.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from harness.series import loss_curve
from harness.timing import timed
from trackers import TrackedRun, TrackerSpec, load_adapter


@dataclass(frozen=True)
class Metric:
    """One measured figure and how the report shows it.

    `target` is TrackRecord's target at the nominal count. `scaling` says how a figure
    measured on n items relates to the nominal count:
    "linear": it grows with n, so it is scaled linearly to nominal (and starred);
    "free": it does not depend on n (bytes per point, import time);
    "at_n": shown as measured, and compared with TrackRecord only at the same n.
    `unit` "/s" is a rate (items per second), shown as measured.
    `per_item` adds a per-call/per-point column; `compare` adds a ratio-to-TrackRecord column.
    """

    key: str
    label: str
    target: float | None = None
    unit: Literal["s", "B", "/s"] = "s"
    scaling: Literal["linear", "free", "at_n"] = "at_n"
    per_item: bool = False
    compare: bool = True


class Workload(Protocol):
    NAME: str
    TITLE: str
    NOMINAL: int
    ITEM: str
    PER_MODE: bool
    METRICS: tuple[Metric, ...]

    def count(self, spec: TrackerSpec, mode: str, scale: float) -> int: ...

    def measure(self, spec: TrackerSpec, mode: str, workdir: Path, n: int) -> dict[str, float]:
        """Run in a fresh worker process, with `workdir` empty and the current directory."""
        ...


def write_count(nominal: int, spec: TrackerSpec, mode: str, scale: float) -> int:
    """Items a write workload times: slow peer modes get a divided count."""
    return max(1, int(nominal * scale) // spec.write_divisor.get(mode, 1))


def read_count(nominal: int, spec: TrackerSpec, scale: float) -> int:
    """Points a read or disk workload ingests first (peers ingest a divided count)."""
    return max(1, int(nominal * scale) // spec.read_divisor)


def time_write(
    spec: TrackerSpec, mode: str, workdir: Path, drive: Callable[[TrackedRun], None]
) -> dict[str, float]:
    """Start a run, time `drive(run)` (the logging loop), then time `finish()`.

    Returns seconds for `start`, `loop`, `finish` (until durable) and `total` (loop+finish).
    """
    adapter = load_adapter(spec)
    with timed() as started:
        run = adapter.start(workdir, mode)
    with timed() as loop:
        drive(run)
    with timed() as finished:
        run.finish()
    return {
        "start": started.seconds,
        "loop": loop.seconds,
        "finish": finished.seconds,
        "total": loop.seconds + finished.seconds,
    }


def logging_loss(n: int) -> Callable[[TrackedRun], None]:
    """A loop logging an n-point `loss` curve, one call per step (data built now, untimed)."""
    steps, values = loss_curve(n)

    def drive(run: TrackedRun) -> None:
        log = run.log_point
        for step, value in zip(steps, values, strict=True):
            log("loss", value, step)

    return drive


def ingest_loss(spec: TrackerSpec, workdir: Path, n: int) -> tuple[str, dict[str, float]]:
    """Log an n-point `loss` curve in the tracker's fastest mode and finish the run.

    Returns the run id and the (untargeted) seconds this took, for the JSON record.
    """
    drive = logging_loss(n)
    adapter = load_adapter(spec)
    with timed() as took:
        run = adapter.start(workdir, spec.bulk_mode)
        drive(run)
        run.finish()
    return run.run_id, {"ingest": took.seconds}
