"""Aim 3.29 with its embedded RocksDB repo, `Run.track` per call.

System-metrics sampling, terminal-log capture and system params are switched off,
as TrackRecord's `capture=False` switches off its environment capture.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aim import Repo, Run
from aim.sdk.index_manager import RepoIndexManager
from aim.storage.context import Context

from trackers.base import Series


class AimRun:
    def __init__(self, workdir: Path) -> None:
        self._run = Run(
            repo=str(workdir),
            experiment="bench",
            system_tracking_interval=None,
            log_system_params=False,
            capture_terminal_logs=False,
        )
        self.run_id: str = self._run.hash
        self._track = self._run.track

    def log_point(self, key: str, value: float, step: int) -> None:
        self._track(value, name=key, step=step)

    def log_dict(self, values: Mapping[str, float], step: int) -> None:
        self._track(dict(values), step=step)

    def finish(self) -> None:
        self._run.close()


def start(workdir: Path, mode: str) -> AimRun:
    if mode != "track":
        raise ValueError(f"unknown Aim mode {mode!r}; the only mode is track")
    return AimRun(workdir)


def index(workdir: Path, run_id: str) -> None:
    """Merge the run's metadata chunk into the repo index.

    A closed run is durable but invisible to readers (`Run(hash, read_only=True)`
    finds no metrics) until indexed; `aim up` runs this same indexer in a thread.
    """
    RepoIndexManager.get_index_manager(Repo.from_path(str(workdir))).index(run_id)


def _metric(workdir: Path, run_id: str, key: str) -> Any:
    metric = Run(run_id, repo=str(workdir), read_only=True).get_metric(key, Context({}))
    if metric is None:
        raise LookupError(f"Aim found no metric {key!r} in run {run_id}; was it indexed?")
    return metric


def read_series(workdir: Path, run_id: str, key: str) -> Series:
    steps, (values,) = _metric(workdir, run_id, key).data.view("val").numpy()
    return Series(steps, values)


def read_buckets(workdir: Path, run_id: str, key: str, buckets: int) -> int:
    """Aim's UI view: `data.sample(k)`, which takes the first k points in storage order."""
    metric = _metric(workdir, run_id, key)
    steps, _ = metric.data.view("val").sample(buckets).numpy()
    return len(steps)
