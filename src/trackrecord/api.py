"""Reading runs back: ``trackrecord.Api``.

Example:
    >>> import trackrecord, tempfile
    >>> where = tempfile.mkdtemp()
    >>> with trackrecord.init("demo", dir=where, capture=False) as run:
    ...     run.log({"loss": 0.5}, step=0)
    >>> api = trackrecord.Api(dir=where)
    >>> api.metric_history(run.id, "loss").values.tolist()
    [0.5]
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, BinaryIO

from trackrecord.compliance.verify import VerifyResult, verify_run
from trackrecord.errors import NotFoundError, missing
from trackrecord.events import Event
from trackrecord.ids import is_run_id
from trackrecord.store.base import ArtifactRecord, MetricSummary, ProjectRecord, RunRecord
from trackrecord.store.series import Buckets, Series
from trackrecord.workspace import Workspace

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Api"]


class Api:
    """Read access to a store: projects, runs, metrics, artifacts, verification.

    Args:
        dir: the store directory (default: found as :func:`trackrecord.init`
            finds it). Opening recovers data left by crashed writers.
    """

    def __init__(self, dir: str | os.PathLike[str] | None = None) -> None:
        self._workspace = Workspace.open(dir, create=False)
        self.store = self._workspace.store
        self.root = self._workspace.root

    def projects(self) -> list[ProjectRecord]:
        """Every project with its run count."""
        return self.store.list_projects()

    def runs(self, project: str | None = None, limit: int = 1000) -> list[RunRecord]:
        """Runs of *project* (or all), newest first."""
        runs: list[RunRecord] = []
        cursor = None
        while len(runs) < limit:
            page = self.store.search_runs(
                None, project, limit=min(limit - len(runs), 1000), cursor=cursor
            )
            runs += page.runs
            if (cursor := page.next_cursor) is None:
                break
        return runs

    def run(self, run_id: str) -> RunRecord:
        """One run, by id or by a unique prefix of its id."""
        if is_run_id(run_id):
            return self.store.get_run(run_id)
        prefix = run_id.replace("*", "").replace("?", "")
        matches = self.store.search_runs(f'id ~ "{prefix}*"', limit=2).runs
        if len(matches) != 1:
            found = "no run" if not matches else f"{len(matches)} runs"
            raise NotFoundError(
                f"{found} with an id starting with {run_id!r} in {self.root}; "
                f"give more characters of the id"
            )
        return matches[0]

    def params(self, run_id: str) -> dict[str, Any]:
        """A run's params, flattened (``optimizer.lr``), with their JSON types."""
        return self.run(run_id).params

    def tags(self, run_id: str) -> dict[str, str]:
        """A run's tags."""
        return self.run(run_id).tags

    def summaries(self, run_id: str) -> dict[str, MetricSummary]:
        """Per-metric summaries: last, min, max, count, last step."""
        return self.run(run_id).summaries

    def metric_history(
        self, run_id: str, key: str, start: int | None = None, end: int | None = None
    ) -> Series:
        """Every point of a metric (optionally ``start <= step <= end``) as numpy arrays."""
        return self.store.metric_series(self.run(run_id).id, key, start, end)

    def metric_buckets(
        self,
        run_id: str,
        key: str,
        buckets: int = 1000,
        start: int | None = None,
        end: int | None = None,
    ) -> Buckets:
        """A metric downsampled to *buckets* step buckets, each keeping first/last/min/max."""
        return self.store.metric_buckets(self.run(run_id).id, key, buckets, start, end)

    def events(self, run_id: str, since_seq: int = 0) -> Iterator[Event]:
        """The run's raw events (its hash-chained record)."""
        return self.store.read_events(self.run(run_id).id, since_seq)

    def environment(self, run_id: str) -> dict[str, Any]:
        """The environment captured at start (empty if capture was off)."""
        found: dict[str, Any] = {}
        for event in self.events(run_id):
            if event.type == "environment":
                found = dict(event.body)
        return found

    def artifacts(self, run_id: str) -> list[ArtifactRecord]:
        """The files a run recorded."""
        return self.store.list_artifacts(self.run(run_id).id)

    def open_artifact(self, run_id: str, path: str) -> BinaryIO:
        """Open one artifact of a run for reading."""
        for record in self.artifacts(run_id):
            if record.path == path:
                return self.store.open_artifact(record.sha256)
        raise NotFoundError(f"run {run_id} has no artifact {path!r}; see Api.artifacts()")

    def download_artifacts(
        self, run_id: str, destination: str | os.PathLike[str], prefix: str = ""
    ) -> list[Path]:
        """Copy a run's artifacts (those under *prefix*) into *destination*."""
        written = []
        for record in self.artifacts(run_id):
            if not record.path.startswith(prefix):
                continue
            target = Path(destination, *record.path.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            with self.store.open_artifact(record.sha256) as source, target.open("wb") as out:
                shutil.copyfileobj(source, out)
            written.append(target)
        return written

    def verify(self, run_id: str, artifacts: bool = True) -> VerifyResult:
        """Recompute the run's hash chain and check its tables; see :mod:`.compliance.verify`."""
        return verify_run(self.store, self.run(run_id).id, artifacts)

    def runs_dataframe(self, project: str | None = None, limit: int = 100_000) -> pd.DataFrame:
        """One row per run: attributes, ``params.*``, ``tags.*`` and ``metrics.<key>`` (last)."""
        try:
            import pandas as pd
        except ImportError:
            raise missing("pandas", "tables", "Api.runs_dataframe()") from None
        rows = []
        for run in self.runs(project, limit):
            row: dict[str, Any] = {
                "id": run.id,
                "project": run.project,
                "name": run.name,
                "status": run.status,
                "group": run.group,
                "parent": run.parent,
                "created": pd.to_datetime(run.created_at, unit="ms", utc=True),
                "finished": pd.to_datetime(run.finished_at, unit="ms", utc=True)
                if run.finished_at
                else None,
            }
            row.update({f"params.{k}": v for k, v in run.params.items()})
            row.update({f"tags.{k}": v for k, v in run.tags.items()})
            for key, summary in run.summaries.items():
                row[f"metrics.{key}"] = summary.last
                row[f"metrics.{key}.min"] = summary.min
                row[f"metrics.{key}.max"] = summary.max
            rows.append(row)
        frame: pd.DataFrame = pd.DataFrame(rows)
        return frame

    def close(self) -> None:
        """Close the store."""
        self._workspace.close()

    def __enter__(self) -> Api:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
