"""SqlStore: the Store protocol on SQLite (PostgreSQL follows the same design).

Example:
    >>> import tempfile
    >>> store = SqlStore.open(tempfile.mkdtemp())
    >>> store.list_projects()
    []
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from trackrecord.artifacts.base import ArtifactStore
from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.errors import InvalidValueError, NotFoundError, StoreError
from trackrecord.event_schema import EventLimits, check_events
from trackrecord.query import QueryError
from trackrecord.record.events import Event, Points, decode_json
from trackrecord.store.base import (
    ArtifactRecord,
    MetricSummary,
    ProjectRecord,
    RunPage,
    RunRecord,
)
from trackrecord.store.scope import current_scope
from trackrecord.store.series import Buckets, Series
from trackrecord.store.sql.apply import apply_events
from trackrecord.store.sql.artifact_grants import SqlArtifactGrants
from trackrecord.store.sql.catalog import SqlCatalog
from trackrecord.store.sql.connection import Connection, SqlDatabase, refusal_of
from trackrecord.store.sql.database import SqliteDatabase
from trackrecord.store.sql.metric_chunks import read_buckets, read_series
from trackrecord.store.sql.ordering import cursor_time, encode_cursor
from trackrecord.store.sql.runs_query import MAX_PAGE, check_fields, find_page
from trackrecord.store.sql.search import compile_search
from trackrecord.store.sql.transparency_log import SqlTransparencyLog

__all__ = ["DATABASE_FILE", "SqlStore"]

DATABASE_FILE = "trackrecord.db"
_RUN_COLUMNS = (
    "r.id, p.name, r.name, r.status, r.run_group, r.parent_id, r.notes, r.user_name, r.host, "
    "r.created_at, r.finished_at, r.error, r.head_seq, r.head_hash, r.deleted_at, "
    "r.git_commit, r.git_branch"
)


class SqlStore:
    """A :class:`~trackrecord.store.base.Store` on a SQL database plus an artifact store."""

    def __init__(
        self, database: SqlDatabase, artifacts: ArtifactStore, limits: EventLimits | None = None
    ) -> None:
        self.database = database
        self.artifacts = artifacts
        self.limits = limits or EventLimits()
        """How big an event may be (see :mod:`trackrecord.event_schema`)."""
        self.catalog = SqlCatalog(database)
        """Datasets, logged models, the registry and lineage (see :class:`SqlCatalog`)."""
        self.grants = SqlArtifactGrants(database)
        """Which projects hold which artifact bytes (see :class:`SqlArtifactGrants`)."""
        self.log = SqlTransparencyLog(database)
        """The store-wide transparency log (see :class:`SqlTransparencyLog`)."""

    @classmethod
    def open(cls, directory: str | Path, busy_timeout: float = 60.0) -> SqlStore:
        """The embedded store in *directory*: ``trackrecord.db`` and ``artifacts/``."""
        root = Path(directory)
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store directory {root}: {exc}") from exc
        return cls(
            SqliteDatabase(root / DATABASE_FILE, busy_timeout),
            LocalArtifactStore(root / "artifacts"),
        )

    @classmethod
    def connect(cls, url: str, artifacts: ArtifactStore) -> SqlStore:
        """A store on a PostgreSQL database (``postgresql://...``) and an artifact store."""
        from trackrecord.store.sql.postgres import PostgresDatabase

        return cls(PostgresDatabase(url), artifacts)

    def append_events(self, events: Sequence[Event]) -> int:
        """See :meth:`Store.append_events`; each event is checked against the one schema
        (:mod:`trackrecord.event_schema`) before any SQL runs."""
        check_events(events, self.limits)
        try:
            with self.database.write() as cur:
                head = apply_events(cur, events, self.database.lock_run)
        except self.database.errors as exc:
            doing = f"store events in {self.database.location}"
            raise refusal_of(exc, doing) from exc
        # batched: at most every FLUSH_INTERVAL seconds; should it fail, the events are
        # stored and their heads stay pending until the next append
        with contextlib.suppress(StoreError):
            self.log.maybe_flush()
        return head

    def _conn(self) -> Connection:
        return self.database.read()

    def get_run(self, run_id: str) -> RunRecord:
        """See :meth:`Store.get_run`."""
        runs = self._runs("WHERE r.id = ?", (run_id,))
        if not runs:
            # the id alone: a server answers with this message, and the database's
            # location is none of its clients' business
            raise NotFoundError(f"no run with id {run_id!r}")
        return runs[0]

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
        """See :meth:`Store.search_runs`. The search also stays inside the
        :func:`~trackrecord.store.scope.project_scope` it runs in, if any."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidValueError(f"limit must be between 1 and {MAX_PAGE}, not {limit}")
        projects = _narrowest(projects, current_scope())
        now_ms = cursor_time(cursor) if cursor else time.time_ns() // 1_000_000
        search = compile_search(query, order_by, now_ms, scope=(project, deleted),
                                glob=self.database.glob, projects=projects)  # fmt: skip
        conn = self._conn()
        check_fields(conn, search.fields, query or "", projects)
        try:
            rows = find_page(conn, search, project, deleted, cursor, limit + 1)
        except self.database.errors as exc:
            if self.database.too_complex(exc):
                raise QueryError(
                    "the query is too complex for the database (too many terms, nesting "
                    "levels or wildcards); split it or use 'in (...)' for lists of values",
                    query or "",
                    0,
                ) from None
            raise StoreError(f"the search failed in {self.database.location}: {exc}") from exc
        page = rows[:limit]
        records = {r.id: r for r in self._runs_by_id([row[0] for row in page])}
        next_cursor = None
        if len(rows) > limit:
            last = page[-1]
            next_cursor = encode_cursor(search.signature, list(last[1:]), last[0], now_ms)
        return RunPage([records[row[0]] for row in page], next_cursor)

    def _runs_by_id(self, ids: list[str]) -> list[RunRecord]:
        found: list[RunRecord] = []
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            found += self._runs(f"WHERE r.id IN ({','.join('?' * len(batch))})", tuple(batch))
        return found

    def _runs(self, where: str, args: tuple[Any, ...]) -> list[RunRecord]:
        conn = self._conn()
        rows = conn.execute(
            f"SELECT {_RUN_COLUMNS} FROM runs r JOIN projects p ON p.id = r.project_id {where}",
            args,
        ).fetchall()
        ids = [row[0] for row in rows]
        params, tags, summaries = _by_run(conn, ids)
        return [
            RunRecord(
                id=row[0],
                project=row[1],
                name=row[2],
                status=row[3],
                group=row[4],
                parent=row[5],
                notes=row[6],
                user=row[7],
                host=row[8],
                created_at=row[9],
                finished_at=row[10],
                error=json.loads(row[11]) if row[11] else None,
                head_seq=row[12],
                head_hash=row[13],
                deleted_at=row[14],
                git_commit=row[15],
                git_branch=row[16],
                params=params.get(row[0], {}),
                tags=tags.get(row[0], {}),
                summaries=summaries.get(row[0], {}),
            )
            for row in rows
        ]

    def list_projects(self) -> list[ProjectRecord]:
        """See :meth:`Store.list_projects`."""
        rows = (
            self._conn()
            .execute(
                "SELECT p.name, p.created_at, count(r.id) FROM projects p LEFT JOIN runs r "
                "ON r.project_id = p.id AND r.deleted_at IS NULL GROUP BY p.id ORDER BY p.name"
            )
            .fetchall()
        )
        return [ProjectRecord(*row) for row in rows]

    def read_events(
        self, run_id: str, since_seq: int = 0, types: Collection[str] | None = None
    ) -> Iterator[Event]:
        """See :meth:`Store.read_events`."""
        self.get_run(run_id)
        return self.chain_events(run_id, since_seq, types)

    def chain_events(
        self, run_id: str, since_seq: int = 0, types: Collection[str] | None = None
    ) -> Iterator[Event]:
        """A run's events as stored, its metric points read back from the chunks, whether
        or not the run's row is there (what verification reads; no NotFoundError)."""
        rows = (
            self._conn()
            .execute(
                "SELECT seq, type, time, body, points, prev_hash, hash FROM events "
                "WHERE run_id = ? ORDER BY seq",
                (run_id,),
            )
            .fetchall()
        )
        offsets: dict[str, int] = {}
        series: dict[str, Series] = {}
        for seq, type_, at, body, counts_json, prev, digest in rows:
            counts: dict[str, int] = json.loads(counts_json) if counts_json else {}
            points = {}
            for key, n in counts.items():
                start = offsets.get(key, 0)
                offsets[key] = start + n
                if seq > since_seq and (types is None or type_ in types):
                    if key not in series:
                        series[key] = self._stored_series(run_id, key)
                    s = series[key]
                    points[key] = Points(
                        s.steps[start : start + n],
                        s.values[start : start + n],
                        s.times[start : start + n],
                    )
            if seq > since_seq and (types is None or type_ in types):
                yield Event(run_id, seq, type_, at, prev, decode_json(body), digest, points)

    def _stored_series(self, run_id: str, key: str) -> Series:
        """The series as its chunks hold it (empty when it has none)."""
        try:
            return self.metric_series(run_id, key)
        except NotFoundError:
            empty = np.empty(0, np.int64)
            return Series(key, empty, np.empty(0, np.float64), empty)

    def metric_series(
        self, run_id: str, key: str, start: int | None = None, end: int | None = None
    ) -> Series:
        """See :meth:`Store.metric_series`."""
        return read_series(self._conn(), run_id, key, start, end)

    def metric_buckets(
        self, run_id: str, key: str, buckets: int, start: int | None = None, end: int | None = None
    ) -> Buckets:
        """See :meth:`Store.metric_buckets`."""
        return read_buckets(self._conn(), run_id, key, buckets, start, end)

    def put_artifact(self, source: BinaryIO, project: str | None = None) -> tuple[str, int]:
        """See :meth:`Store.put_artifact` (with *project*, a grant is recorded for it)."""
        digest, size = self.artifacts.put(source)
        if project is not None:
            self.grants.grant(project, [digest])
        return digest, size

    def open_artifact(self, sha256: str) -> BinaryIO:
        """See :meth:`Store.open_artifact`."""
        return self.artifacts.open(sha256)

    def list_artifacts(self, run_id: str) -> list[ArtifactRecord]:
        """See :meth:`Store.list_artifacts`."""
        rows = (
            self._conn()
            .execute(
                "SELECT path, sha256, size, media_type, created_at FROM artifacts WHERE run_id = ? "
                "ORDER BY path",
                (run_id,),
            )
            .fetchall()
        )
        return [ArtifactRecord(*row) for row in rows]

    def projects_with_artifact(self, sha256: str) -> set[str]:
        """The projects that hold content *sha256* (the server's access check): those it was
        uploaded for, and those whose runs recorded it."""
        return self.grants.holders(sha256)

    def ping(self) -> None:
        """Raise :class:`StoreError` unless the database answers (the server's ``/readyz``)."""
        try:
            self._conn().execute("SELECT 1").fetchall()
        except self.database.errors as exc:
            raise StoreError(f"{self.database.location} does not answer: {exc}") from exc

    def close(self) -> None:
        """See :meth:`Store.close`; pending chain heads are appended to the log first."""
        try:
            self.log.flush()
        except (StoreError, *self.database.errors):  # type: ignore[misc]
            pass  # they stay pending: still verified as pending, logged by the next writer
        self.database.close()


def _narrowest(*scopes: Collection[str] | None) -> frozenset[str] | None:
    """The projects every one of *scopes* allows (None: a scope without limit)."""
    limits = [frozenset(scope) for scope in scopes if scope is not None]
    return frozenset.intersection(*limits) if limits else None


def _by_run(
    conn: Connection, ids: list[str]
) -> tuple[
    dict[str, dict[str, Any]], dict[str, dict[str, str]], dict[str, dict[str, MetricSummary]]
]:
    params: dict[str, dict[str, Any]] = {}
    tags: dict[str, dict[str, str]] = {}
    summaries: dict[str, dict[str, MetricSummary]] = {}
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        marks = ",".join("?" * len(batch))
        for run_id, key, value in conn.execute(
            f"SELECT run_id, key, value FROM params WHERE run_id IN ({marks})", batch
        ):
            params.setdefault(run_id, {})[key] = decode_json(value)
        for run_id, key, value in conn.execute(
            f"SELECT run_id, key, value FROM tags WHERE run_id IN ({marks})", batch
        ):
            tags.setdefault(run_id, {})[key] = value
        for run_id, key, *rest in conn.execute(
            f"SELECT run_id, key, count, last, last_step, last_time, max_step, min, max "
            f"FROM metric_summaries WHERE run_id IN ({marks})",
            batch,
        ):
            count, last, last_step, last_time, max_step, low, high = rest
            summaries.setdefault(run_id, {})[key] = MetricSummary(
                key,
                count,
                np.nan if last is None else last,
                last_step,
                last_time,
                max_step,
                low,
                high,
            )
    return params, tags, summaries
