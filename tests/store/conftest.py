"""The contract suite runs against every Store implementation listed here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.pg import fresh_database
from tests.server_thread import serving
from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.ids import new_run_id
from trackrecord.record.events import GENESIS, Event, Points
from trackrecord.store.base import Store
from trackrecord.store.remote import RemoteStore
from trackrecord.store.sql import SqlStore

STORES = ["sqlite", "postgres", "remote"]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty store of each implementation."""
    if request.param == "sqlite":
        opened = SqlStore.open(tmp_path / "store")
        yield opened
        opened.close()
        return
    if request.param == "remote":  # a real server over a SQLite store, over HTTP
        backend = SqlStore.open(tmp_path / "server")
        with serving(backend) as url:
            remote = RemoteStore(url)
            yield remote
            remote.close()
        backend.close()
        return
    with fresh_database() as url:
        opened = SqlStore.connect(url, LocalArtifactStore(tmp_path / "artifacts"))
        yield opened
        opened.close()


class Chain:
    """Builds a run's events the way a writer does: seq, prev and hash chained."""

    def __init__(self, project: str = "p", run_id: str | None = None, **start: object) -> None:
        self.run_id = run_id or new_run_id()
        self.events: list[Event] = []
        self.time = 1_700_000_000_000
        self.add("run.start", {"project": project, "name": f"run-{self.run_id[-4:]}", **start})

    def add(
        self,
        type: str,
        body: dict[str, object] | None = None,
        points: dict[str, Points] | None = None,
    ) -> Event:
        prev = self.events[-1].hash if self.events else GENESIS
        self.time += 1
        event = Event.build(
            self.run_id, len(self.events) + 1, type, self.time, prev, body or {}, points
        )
        self.events.append(event)
        return event

    def metrics(self, **series: tuple[list[int], list[float]]) -> Event:
        points = {k: pts(steps, values, self.time) for k, (steps, values) in series.items()}
        return self.add("metrics", {}, points)


def pts(
    steps: list[int] | np.ndarray, values: list[float] | np.ndarray, time0: int = 1_700_000_000_000
) -> Points:
    steps_a = np.asarray(steps, dtype=np.int64)
    return Points(
        steps_a,
        np.asarray(values, dtype=np.float64),
        time0 + np.arange(len(steps_a), dtype=np.int64),
    )
