"""a. 100,000 calls logging one key `loss` with an explicit step."""

from __future__ import annotations

from pathlib import Path

from trackers import TrackerSpec
from workloads.base import Metric, logging_loss, time_write, write_count

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
    return time_write(spec, mode, workdir, logging_loss(n))
