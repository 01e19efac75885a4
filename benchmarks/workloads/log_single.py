"""a. 100,000 calls logging one key `loss` with an explicit step."""

from __future__ import annotations

from pathlib import Path

from harness.series import loss_curve
from trackers import TrackedRun, TrackerSpec
from workloads.base import Metric, time_write, write_count

NAME = "log_single"
TITLE = "100,000 calls logging one key `loss` with an explicit step"
NOMINAL = 100_000
ITEM = "call"
PER_MODE = True
METRICS = (
    Metric("loop", "loop", target=0.3, scaling="linear", per_item=True),
    Metric("finish", "finish→durable", target=1.0),
    Metric("total", "loop+finish", scaling="linear"),
)


def count(spec: TrackerSpec, mode: str, scale: float) -> int:
    return write_count(NOMINAL, spec, mode, scale)


def measure(spec: TrackerSpec, mode: str, workdir: Path, n: int) -> dict[str, float]:
    steps, values = loss_curve(n)

    def drive(run: TrackedRun) -> None:
        log = run.log_point
        for step, value in zip(steps, values, strict=True):
            log("loss", value, step)

    return time_write(spec, mode, workdir, drive)
