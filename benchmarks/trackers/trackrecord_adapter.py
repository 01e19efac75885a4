"""TrackRecord's embedded store, driven through its public API only."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import trackrecord

from trackers.base import Series


class TrackRecordRun:
    def __init__(self, workdir: Path) -> None:
        self._run: Any = trackrecord.init(project="bench", dir=workdir, capture=False)
        self.run_id: str = self._run.id
        self._log = self._run.log

    def log_point(self, key: str, value: float, step: int) -> None:
        self._log({key: value}, step=step)

    def log_dict(self, values: Mapping[str, float], step: int) -> None:
        self._log(values, step=step)

    def finish(self) -> None:
        self._run.finish()


def start(workdir: Path, mode: str) -> TrackRecordRun:
    if mode != "log":
        raise ValueError(f"unknown TrackRecord mode {mode!r}; the only mode is log")
    return TrackRecordRun(workdir)


def index(workdir: Path, run_id: str) -> None:
    """Nothing to do: `finish()` returns once the run is durable and readable."""


def read_series(workdir: Path, run_id: str, key: str) -> Series:
    history = trackrecord.Api(dir=workdir).metric_history(run_id, key)
    return Series(np.asarray(history.steps), np.asarray(history.values))


def read_buckets(workdir: Path, run_id: str, key: str, buckets: int) -> int:
    view = trackrecord.Api(dir=workdir).metric_buckets(run_id, key, buckets=buckets)
    return len(view.min)
