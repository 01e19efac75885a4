"""TrackRecord's team server (`trackrecord server` on PostgreSQL), as the server workloads use it.

`serve` runs the console script installed beside this interpreter; `Logger` is what a
training process does (`TRACKRECORD_URI` and `trackrecord.init`, then `run.log` of a
dict per step); `search` asks `GET /api/v1/runs` as the UI and `Api(uri=...)` do.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from harness.servers import serving
from trackers.base import RunQuery
from trackers.trackrecord_adapter import render_query


@contextmanager
def serve(workdir: Path, store: str) -> Iterator[str]:
    """`trackrecord server --store STORE` (a postgresql:// URL); yields its base URL."""
    script = str(Path(sys.executable).parent / "trackrecord")
    command = [script, "server", "--store", store, "--artifacts", str(workdir / "artifacts"),
               "--port", "{port}"]  # fmt: skip
    with serving(command, "/readyz", workdir / "trackrecord-server.log") as url:
        yield url


class Logger:
    """One training process logging to the server at `uri` (set up before the timer)."""

    def __init__(self, uri: str, workdir: Path) -> None:
        os.environ["TRACKRECORD_URI"] = uri
        os.environ["TRACKRECORD_DIR"] = str(workdir)  # the SDK's local spool
        import trackrecord

        self._run: Any = trackrecord.init(project="ingest", capture=False)
        self.run_id: str = self._run.id

    def log(self, keys: Sequence[str], rows: Sequence[Sequence[float]]) -> None:
        """One `run.log({key: value, ...}, step=i)` call per row."""
        log = self._run.log
        for step, row in enumerate(rows):
            log(dict(zip(keys, row, strict=True)), step=step)

    def finish(self) -> None:
        """Returns once everything logged is stored by the server."""
        self._run.finish()


def stored_points(uri: str, run_id: str) -> dict[str, int]:
    """Points the server holds per key of a run (its metric summaries)."""
    import trackrecord

    with trackrecord.Api(uri=uri) as api:
        return {key: s.count for key, s in api.run(run_id).summaries.items()}


def search(client: httpx.Client, query: RunQuery) -> list[str]:
    """First page of `query` through `GET /api/v1/runs?q=...&order=...&limit=...`."""
    text, order_by = render_query(query)
    params = [("q", text), *(("order", o) for o in order_by), ("limit", str(query.limit))]
    answer = client.get("/api/v1/runs", params=params)
    answer.raise_for_status()
    return [run["id"] for run in answer.json()["runs"]]
