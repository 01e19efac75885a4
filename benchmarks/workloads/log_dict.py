"""b. 10,000 steps, each logging a dict of 10 metrics in one call."""

from __future__ import annotations

from pathlib import Path

from harness.series import metric_dicts
from trackers import TrackedRun, TrackerSpec
from workloads.base import Metric, time_write, write_count

NAME = "log_dict"
TITLE = "10,000 steps × one dict of 10 metrics per call"
NOMINAL = 10_000
ITEM = "step"
PER_MODE = True
METRICS = (
    Metric("loop", "loop", target=0.2, scaling="linear", per_item=True),
    Metric("finish", "finish→durable"),
    Metric("total", "loop+finish", scaling="linear"),
)


def count(spec: TrackerSpec, mode: str, scale: float) -> int:
    return write_count(NOMINAL, spec, mode, scale)


def measure(spec: TrackerSpec, mode: str, workdir: Path, n: int) -> dict[str, float]:
    dicts = metric_dicts(n)

    def drive(run: TrackedRun) -> None:
        log = run.log_dict
        for step, values in enumerate(dicts):
            log(values, step)

    return time_write(spec, mode, workdir, drive)
