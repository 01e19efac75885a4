"""The Store protocol: the few primitives every backend implements.

The SDK writes only through :meth:`Store.append_events`; everything else reads.
Tables of runs, params, tags, metric summaries, chunks and artifacts are views
that a store materialises from the events it is given. Conveniences (verify,
data frames, downloads) are written once on top of these primitives.

Implementations: :class:`trackrecord.store.sql.SqlStore` (SQLite now;
PostgreSQL and a remote HTTP store implement the same protocol and pass the
same contract tests in ``tests/store/``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Protocol, runtime_checkable

from trackrecord.record.events import Event
from trackrecord.store.catalog import Catalog
from trackrecord.store.series import Buckets, Series

__all__ = [
    "ArtifactRecord",
    "MetricSummary",
    "ProjectRecord",
    "RunPage",
    "RunRecord",
    "Store",
]

RUN_STATUSES = ("running", "finished", "failed", "killed", "crashed")


@dataclass(frozen=True)
class ProjectRecord:
    """A project: a named collection of runs (``run_count`` leaves out deleted runs)."""

    name: str
    created_at: int
    run_count: int


@dataclass(frozen=True)
class MetricSummary:
    """Per-(run, key) summary: what run tables show and sort by.

    ``last`` is the value logged last (NaN kept), ``last_step`` its step,
    ``max_step`` the largest step logged; ``min``/``max`` ignore NaN and are
    None when every value was NaN.
    """

    key: str
    count: int
    last: float
    last_step: int
    last_time: int
    max_step: int
    min: float | None
    max: float | None


@dataclass(frozen=True)
class ArtifactRecord:
    """A file recorded by a run: its path in the run and its content's SHA-256."""

    path: str
    sha256: str
    size: int
    media_type: str
    created_at: int


@dataclass(frozen=True)
class RunRecord:
    """A run as materialised from its events. Times are Unix milliseconds."""

    id: str
    project: str
    name: str
    status: str
    group: str | None
    parent: str | None
    notes: str | None
    user: str | None
    host: str | None
    created_at: int
    finished_at: int | None
    error: dict[str, Any] | None
    head_seq: int
    head_hash: str
    params: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    summaries: dict[str, MetricSummary] = field(default_factory=dict)
    deleted_at: int | None = None
    git_commit: str | None = None
    git_branch: str | None = None

    @property
    def duration_ms(self) -> int | None:
        """Milliseconds from start to end (None while running)."""
        return None if self.finished_at is None else self.finished_at - self.created_at


@dataclass(frozen=True)
class RunPage:
    """One page of search results, and the cursor of the next page (None: last page)."""

    runs: list[RunRecord]
    next_cursor: str | None


@runtime_checkable
class Store(Protocol):
    """What every backend provides. All methods are safe to call from any thread."""

    @property
    def catalog(self) -> Catalog:
        """Datasets, logged models, the model registry and lineage."""
        ...

    def append_events(self, events: Sequence[Event]) -> int:
        """Apply events of one run in order; return the run's head ``seq`` afterwards.

        Idempotent by ``(run_id, seq)``: events already stored with the same hash
        are skipped, so retries never duplicate. Raises
        :class:`~trackrecord.errors.ChainConflictError` when an event's ``seq`` or
        ``prev`` does not continue the stored chain, or a stored event has
        another hash.
        """
        ...

    def get_run(self, run_id: str) -> RunRecord:
        """The run with this id (NotFoundError if none)."""
        ...

    def search_runs(
        self,
        query: str | None = None,
        project: str | None = None,
        order_by: Sequence[str] = (),
        limit: int = 100,
        cursor: str | None = None,
        deleted: bool = False,
        projects: Collection[str] | None = None,
    ) -> RunPage:
        """Runs matching a query (see :mod:`trackrecord.query`), one page at a time.

        ``order_by`` holds sort keys such as ``"-metrics.acc.max"`` (default:
        newest first); missing values sort last. Pass the page's ``next_cursor``
        to get the next page. ``deleted=True`` searches the deleted runs instead.
        ``projects`` limits the search to runs of these projects (None: every
        project; empty: none): the scope of a caller who may read only those. It
        is data, ANDed with the parsed query, so no query text can widen it.
        """
        ...

    def list_projects(self) -> list[ProjectRecord]:
        """Every project, by name."""
        ...

    def read_events(
        self, run_id: str, since_seq: int = 0, types: Collection[str] | None = None
    ) -> Iterator[Event]:
        """A run's events with ``seq > since_seq`` (of the given *types*), in order.

        Metric events carry their points.
        """
        ...

    def metric_series(
        self, run_id: str, key: str, start: int | None = None, end: int | None = None
    ) -> Series:
        """The points of one metric with ``start <= step <= end``, in logged order."""
        ...

    def metric_buckets(
        self, run_id: str, key: str, buckets: int, start: int | None = None, end: int | None = None
    ) -> Buckets:
        """The series downsampled to at most *buckets* equal step-width buckets."""
        ...

    def put_artifact(self, source: BinaryIO, project: str | None = None) -> tuple[str, int]:
        """Store bytes content-addressed; return (sha256, size). Deduplicated.

        *project* is the project the bytes are stored for. A server lets a project's runs
        name only the contents that were uploaded for it (or that its runs recorded), so
        that knowing a digest never opens another project's bytes; leaving it out stores
        them for every project the caller may log to.
        """
        ...

    def open_artifact(self, sha256: str) -> BinaryIO:
        """Open stored content for reading."""
        ...

    def list_artifacts(self, run_id: str) -> list[ArtifactRecord]:
        """The files a run recorded (the latest content for each path)."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...
