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

import itertools
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, BinaryIO

from trackrecord.api_catalog import CatalogApi
from trackrecord.artifacts.base import check_artifact_path
from trackrecord.compliance.verify import VerifyResult, verify_run
from trackrecord.errors import InvalidValueError, NotFoundError
from trackrecord.ids import is_run_id
from trackrecord.local_audit import LocalAudit
from trackrecord.record.events import Event
from trackrecord.runs_table import RunTable, parse_columns, rows_dataframe, run_row
from trackrecord.sdk.console import ConsoleLine
from trackrecord.spool import Spool
from trackrecord.store.base import ArtifactRecord, MetricSummary, ProjectRecord, RunRecord, Store
from trackrecord.store.series import Buckets, Series
from trackrecord.values import check_key, normalise_tags
from trackrecord.workspace import Workspace

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Api", "load_model"]


class Api(CatalogApi):
    """Read access to a store: projects, runs, metrics, artifacts, verification.

    Every change made through it (a run's tags, name, notes, deletion; the registry) is
    appended to the embedded store's audit log as done by ``local:<login name>`` (see
    :mod:`trackrecord.local_audit`), refused attempts included; through a server, the
    server audits it.

    Args:
        dir: the store directory (default: found as :func:`trackrecord.init`
            finds it). Opening recovers data left by crashed writers.
        uri: a TrackRecord server to read from instead, ``http://host:port``
            (default: ``TRACKRECORD_URI``, if set).
        token: the API token for the server (default: ``TRACKRECORD_TOKEN``).
    """

    def __init__(
        self,
        dir: str | os.PathLike[str] | None = None,
        uri: str | None = None,
        token: str | None = None,
    ) -> None:
        self._workspace = Workspace.open(dir, create=uri is not None, uri=uri, token=token)
        self.store = self._workspace.store
        self.root = self._workspace.root
        self.audit = LocalAudit.for_store(self.store)
        """Where the changes made through this Api are recorded (nothing for a server)."""

    @classmethod
    def over(cls, store: Store) -> Api:
        """An Api that reads *store* as it is (a server's own store): nothing is opened,
        recovered or closed by it, and nothing audited (the server audits its requests).

        Example:
            >>> api = Api.over(store)  # doctest: +SKIP
        """
        api = cls.__new__(cls)
        api._workspace = Workspace(Path(tempfile.gettempdir()), store)
        api.store = store
        api.root = api._workspace.root
        api.audit = LocalAudit(None)
        return api

    def projects(self) -> list[ProjectRecord]:
        """Every project with its run count."""
        return self.store.list_projects()

    def search_runs(
        self,
        query: str | None = None,
        project: str | None = None,
        order_by: Sequence[str] | None = None,
        limit: int = 100,
        cursor: str | None = None,
        columns: Sequence[str] | None = None,
        deleted: bool = False,
    ) -> RunTable:
        """Find runs with the query language; one page at a time.

        Args:
            query: e.g. ``'metrics.val_acc.max > 0.9 and params.optimizer = "adam"'``
                (see ``docs/query-language.md``); None for every run.
            project: only this project's runs.
            order_by: sort keys, ``-`` for descending, missing values last
                (default: newest first), e.g. ``["-metrics.val_acc.max", "created"]``.
            limit: rows per page (at most 10,000).
            cursor: the ``next_cursor`` of the previous page.
            columns: fields to put in the rows (default: all).
            deleted: search the deleted runs instead.

        Raises:
            QueryError: a bad query, pointing at the bad token.

        Example:
            >>> page = api.search_runs("status = 'finished'", order_by=["-metrics.acc.max"])
            ... # doctest: +SKIP
            >>> page.to_dataframe()  # doctest: +SKIP
        """
        fields = parse_columns(columns)
        page = self.store.search_runs(query, project, order_by or (), limit, cursor, deleted)
        rows = [run_row(run, fields) for run in page.runs]
        return RunTable(page.runs, rows, page.next_cursor)

    def iter_runs(
        self,
        query: str | None = None,
        project: str | None = None,
        order_by: Sequence[str] | None = None,
        deleted: bool = False,
    ) -> Iterator[RunRecord]:
        """Every matching run, fetched page by page."""
        cursor = None
        while True:
            page = self.store.search_runs(query, project, order_by or (), 1000, cursor, deleted)
            yield from page.runs
            if (cursor := page.next_cursor) is None:
                return

    def iter_rows(
        self,
        query: str | None = None,
        project: str | None = None,
        order_by: Sequence[str] | None = None,
        columns: Sequence[str] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every matching run as a flat row (see :meth:`search_runs`)."""
        fields = parse_columns(columns)
        for run in self.iter_runs(query, project, order_by):
            yield run_row(run, fields)

    def runs(self, project: str | None = None, limit: int = 1000) -> list[RunRecord]:
        """Runs of *project* (or all), newest first."""
        return list(itertools.islice(self.iter_runs(project=project), limit))

    def run(self, run_id: str) -> RunRecord:
        """One run, by id or by a unique prefix of its id."""
        if is_run_id(run_id):
            return self.store.get_run(run_id)
        if not run_id or not is_run_id(run_id.ljust(26, "0")):
            raise NotFoundError(
                f"{run_id!r} is not a run id or the start of one (ids are 26 characters of "
                f"0-9 and a-z without i, l, o, u); see `trackrecord runs ls`"
            )
        query = f'id ~ "{run_id}*"'
        matches = self.store.search_runs(query, limit=2).runs
        matches += self.store.search_runs(query, limit=2, deleted=True).runs
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
        for event in self.store.read_events(self.run(run_id).id, types=("environment",)):
            found = dict(event.body)
        return found

    def console(self, run_id: str) -> list[ConsoleLine]:
        """What the run printed to stdout and stderr, line by line in order (empty if
        console capture was off). Each :class:`~trackrecord.sdk.console.ConsoleLine` has
        ``time`` (ms since the epoch), ``stream`` and ``text``.

        Example:
            >>> [line.text for line in api.console(run.id)]  # doctest: +SKIP
            ['epoch 0: loss 0.52', 'epoch 1: loss 0.31']
        """
        return [
            ConsoleLine(int(when), str(stream), str(text))
            for event in self.store.read_events(self.run(run_id).id, types=("console",))
            for when, stream, text in event.body["lines"]
        ]

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
            check_artifact_path(record.path)  # a path stored by an older version stays inside
            target = Path(destination, *record.path.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            with self.store.open_artifact(record.sha256) as source, target.open("wb") as out:
                shutil.copyfileobj(source, out)
            written.append(target)
        return written

    def verify(self, run_id: str, artifacts: bool = True) -> VerifyResult:
        """Recompute the run's hash chain and check its tables; see :mod:`.compliance.verify`."""
        return verify_run(self.store, self.run(run_id).id, artifacts)

    def runs_dataframe(
        self,
        project: str | None = None,
        query: str | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Every matching run as a pandas row: attributes, params.*, metrics.*, tags.*."""
        return rows_dataframe(list(self.iter_rows(query, project, columns=columns)))

    # -- changing finished runs (each change is an event in the run's chain) --

    def set_tags(self, run_id: str, tags: Mapping[str, Any] | Iterable[str]) -> None:
        """Add or change tags of a run that is not live."""
        self._annotate(run_id, "runs.tag", "tags", lambda: {"tags": normalise_tags(tags)})

    def rename(self, run_id: str, name: str) -> None:
        """Give a run a new name."""
        self._annotate(
            run_id, "runs.edit", "run.rename", lambda: {"name": check_key(name, "run name")}
        )

    def set_notes(self, run_id: str, text: str | None) -> None:
        """Replace a run's notes."""

        def body() -> dict[str, Any]:
            if text is not None and not isinstance(text, str):
                raise InvalidValueError(f"notes must be a string, not a {type(text).__name__}")
            return {"text": text}

        self._annotate(run_id, "runs.edit", "notes", body)

    def delete(self, run_id: str) -> None:
        """Soft-delete a run: hidden from searches, restorable with :meth:`restore`."""
        self._annotate(run_id, "runs.delete", "run.delete", dict)

    def restore(self, run_id: str) -> None:
        """Bring back a deleted run."""
        self._annotate(run_id, "runs.restore", "run.restore", dict)

    def _annotate(
        self, run_id: str, action: str, type: str, body: Callable[[], dict[str, Any]]
    ) -> None:
        """Append one event of *type* to a run that is not live, audited as *action* (its
        *body* is made inside, so that a value it refuses is audited too)."""
        with self.audit.change(action, str(run_id)) as change:
            checked = body()
            run = self.run(run_id)
            change.target = run.id
            spool = Spool(self._workspace.spool_root, run.id)  # RunLockedError if it is live
            try:
                head = self.store.get_run(run.id)
                now = time.time_ns() // 1_000_000
                event = Event.build(run.id, head.head_seq + 1, type, now, head.head_hash, checked)
                self.store.append_events([event])
            finally:
                spool.close(delete=True)

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


def load_model(
    uri: str,
    dst: str | os.PathLike[str] | None = None,
    *,
    dir: str | os.PathLike[str] | None = None,
    server: str | None = None,
    token: str | None = None,
    **options: Any,
) -> Any:
    """Load a logged or registered model: ``trackrecord.load_model("models:/churn@champion")``.

    Reads from the embedded store found as :func:`trackrecord.init` finds it, or
    from *dir*, or from the server *server* (default: ``TRACKRECORD_URI``). See
    :meth:`Api.load_model` for the URI forms and *options*.
    """
    with Api(dir=dir, uri=server, token=token) as api:
        return api.load_model(uri, dst, **options)
