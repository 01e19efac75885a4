"""Rebuilding views from their chains, and naming every difference from the stored ones.

A :class:`Rebuild` replays one chain at a time into an empty in-memory SQLite database
with the store's schema (:class:`ScratchDatabase`), through the very functions the
writer applies events with (see :mod:`~trackrecord.store.sql.views`), then compares
each view's rows of that chain, every column the live schema has, with the stored
ones. What differs becomes a :class:`~trackrecord.store.problems.Problem`: the table,
the row's key, the column, the stored and the expected value. Nothing is written to the
store, and a chain that cannot be replayed is reported, not raised.

Example:
    >>> import tempfile
    >>> from trackrecord.store.sql import SqlStore
    >>> Rebuild(SqlStore.open(tempfile.mkdtemp()).database).ledger([])
    []
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final

from trackrecord.errors import TrackRecordError
from trackrecord.record.events import Event, decode_json
from trackrecord.store.catalog import chain_id
from trackrecord.store.problems import Problem
from trackrecord.store.sql.apply import derive_run_event, set_run_head
from trackrecord.store.sql.connection import Connection, SqlDatabase
from trackrecord.store.sql.ledger_views import PROJECT_TYPES, apply_ledger_event
from trackrecord.store.sql.migrations import apply_migrations
from trackrecord.store.sql.projects import ensure_project
from trackrecord.store.sql.registry_views import apply_registry_event
from trackrecord.store.sql.schema import live_tables
from trackrecord.store.sql.views import VIEWS, View, ViewChain, views_of

__all__ = ["Rebuild", "ScratchDatabase"]

_REPLAY_ERRORS: Final = (TrackRecordError, KeyError, TypeError, ValueError, sqlite3.Error)


class ScratchDatabase:
    """An empty in-memory SQLite database with the store's schema, to replay chains into."""

    dialect = "sqlite"
    lock_run = ""
    location = "a scratch database in memory"
    errors: tuple[type[Exception], ...] = (sqlite3.Error,)

    def __init__(self) -> None:
        self._conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        with self.write() as cur:
            apply_migrations(cur, self.location, lambda m: m.statements)
        self._tables = [t for t in live_tables(self) if t != "schema_migrations"]

    def read(self) -> sqlite3.Connection:
        """The one connection."""
        return self._conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Cursor]:
        """A transaction: commits on success, rolls back on any error."""
        self._conn.execute("BEGIN")
        try:
            yield self._conn.cursor()
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """Its one connection: nothing else writes to a scratch database."""
        yield self._conn

    def reset(self) -> None:
        """Empty every table (the schema stays)."""
        with self.write() as cur:
            for table in self._tables:
                cur.execute(f"DELETE FROM {table}")

    def glob(self, expression: str) -> tuple[str, bool]:
        """Not used: nothing searches a scratch database."""
        return f"{expression} GLOB ?", False

    def too_complex(self, error: Exception) -> bool:
        """Not used: nothing searches a scratch database."""
        return False

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


def _same(a: Any, b: Any) -> bool:
    """Equal as stored values (NaN equals NaN; 1 equals 1.0, as the two databases type them)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


class Rebuild:
    """Rebuilds the views of chains of *database* in a scratch database, one chain at a
    time, and compares them with the stored ones."""

    def __init__(self, database: SqlDatabase) -> None:
        self.database = database
        self.scratch = ScratchDatabase()
        self._columns: dict[str, list[str]] | None = None

    def columns(self, table: str) -> list[str]:
        """The stored table's columns, as the live schema has them."""
        if self._columns is None:
            self._columns = live_tables(self.database)
        return self._columns.get(table, [])

    # -- one chain -----------------------------------------------------------------------

    def run(self, run_id: str, events: Sequence[Event]) -> list[Problem]:
        """The differences between a run's views and what its *events* (a checked chain)
        derive."""

        def replay() -> None:
            with self.scratch.write() as cur:
                for event in events:
                    derive_run_event(cur, event)
                if events:
                    last = events[-1]
                    set_run_head(cur, run_id, last.seq, last.hash, last.time)

        return self._check("run", f"run:{run_id}", run_id, run_id, replay)

    def registry(self, model: str, events: Sequence[Event]) -> list[Problem]:
        """The differences between a registered model's views and what its chain derives."""

        def replay() -> None:
            with self.scratch.write() as cur:
                for event in events:
                    apply_registry_event(cur, event)

        chain = chain_id(model)
        return self._check("registry", chain, chain, model, replay)

    def ledger(self, events: Sequence[Event]) -> list[Problem]:
        """The differences between the ledger's views and what the ledger derives."""

        def replay() -> None:
            with self.scratch.write() as cur:
                for event in events:
                    apply_ledger_event(cur, event)

        return self._check("ledger", "ledger", None, None, replay)

    def projects(self, ledger: Iterable[Event]) -> list[Problem]:
        """The differences between ``projects`` and the projects every run's start and
        the *ledger*'s events name (purges, and projects known before purges were)."""
        starts = self.database.read().execute(
            "SELECT time, body FROM events WHERE type = 'run.start'"
        )

        def replay() -> None:
            with self.scratch.write() as cur:
                for at, body in starts.fetchall():
                    ensure_project(cur, str(decode_json(body)["project"]), int(at))
                for event in ledger:
                    if event.type in PROJECT_TYPES:
                        apply_ledger_event(cur, event)

        return self._check("store", "store", None, None, replay)

    def _check(
        self, kind: ViewChain, chain: str, chain_value: str | None, name: str | None,
        replay: Any,
    ) -> list[Problem]:  # fmt: skip
        self.scratch.reset()
        try:
            replay()
        except _REPLAY_ERRORS as exc:
            detail = f"its events cannot be replayed to rebuild its views: {exc!r}"
            return [Problem(chain, kind, (), None, None, None, "replay", detail)]
        problems: list[Problem] = []
        for view in views_of(kind):
            owner = name if view.owner_is_name else chain_value
            problems += self._compare(view, chain, owner)
        return problems

    # -- comparing -----------------------------------------------------------------------

    def _select(self, view: View, owner: str | None) -> tuple[str, tuple[Any, ...], list[str]]:
        columns = self.columns(view.table)
        parts = []
        for column in columns:
            compare = view.compared.get(column)
            parts.append(f"{compare.sql} AS {column}" if compare and compare.sql else column)
        sql = f"SELECT {', '.join(parts)} FROM {view.table}"
        if view.owner is not None:
            return f"{sql} WHERE {view.owner} = ?", (owner,), columns
        return sql, (), columns

    def _compare(self, view: View, chain: str, owner: str | None) -> list[Problem]:
        sql, args, columns = self._select(view, owner)
        try:
            stored = _rows(self.database.read(), sql, args, view, columns, stored=True)
        except Exception as exc:  # a damaged table is reported, never raised
            detail = f"cannot read the table ({exc}); a value does not fit its column"
            return [Problem(chain, view.table, (), None, None, None, "unreadable", detail)]
        expected = _rows(self.scratch.read(), sql, args, view, columns, stored=False)
        problems: list[Problem] = []
        for key in sorted(stored.keys() | expected.keys(), key=repr):
            have, want = stored.get(key), expected.get(key)
            named = tuple(zip(view.key, key, strict=True))
            if want is None:
                problems.append(Problem(chain, view.table, named, None, have, None, "forged"))
            elif have is None:
                problems.append(Problem(chain, view.table, named, None, None, want, "missing"))
            else:
                problems += [
                    Problem(chain, view.table, named, column, *_shown(view, column, have[i],
                                                                      want[i]), "differs")
                    for i, column in enumerate(columns)
                    if not _equal(view, column, have[i], want[i])
                ]  # fmt: skip
        return problems

    # -- the store as a whole ------------------------------------------------------------

    def orphans(self, runs: set[str], models: set[str]) -> list[Problem]:
        """Rows of views that belong to no run and no registered model known."""
        allowed: dict[tuple[str, str], set[str]] = {}
        for view in VIEWS:
            if view.owner is None:
                continue
            known = runs if view.chain == "run" else models
            values = known if view.owner_is_name or view.chain == "run" else {
                chain_id(m) for m in models}  # fmt: skip
            allowed.setdefault((view.table, view.owner), set()).update(values)
        problems = []
        for (table, owner), known in sorted(allowed.items()):
            rows = self.database.read().execute(
                f"SELECT {owner}, COUNT(*) FROM {table} GROUP BY {owner}"
            )
            for value, count in rows.fetchall():
                if value not in known:
                    detail = (f"{count} rows belong to {value!r}, which is no run or registered "
                              f"model of the store (they were added by hand)")  # fmt: skip
                    problems.append(Problem("store", table, ((owner, value),), None, count,
                                            None, "orphan", detail))  # fmt: skip
        return problems

    def close(self) -> None:
        """Close the scratch database."""
        self.scratch.close()


def _equal(view: View, column: str, have: Any, want: Any) -> bool:
    """Equal as stored, or (for a column compared through a function of both sides, such
    as decoded points) equal once compared that way: the function runs only when the
    stored values differ."""
    if _same(have, want):
        return True
    compare = view.compared.get(column)
    return (
        compare is not None
        and compare.both is not None
        and _same(compare.both(have), compare.both(want))
    )


def _shown(view: View, column: str, have: Any, want: Any) -> tuple[Any, Any]:
    """The stored and the expected value as a problem names them."""
    compare = view.compared.get(column)
    if compare is not None and compare.both is not None:
        return compare.both(have), compare.both(want)
    return have, want


def _rows(
    conn: Connection, sql: str, args: tuple[Any, ...], view: View, columns: list[str],
    stored: bool,
) -> dict[tuple[Any, ...], list[Any]]:  # fmt: skip
    """Rows by key, each column as compared (see :class:`~trackrecord.store.sql.views.Compare`);
    a second row with one key is kept under a marked key, so it is reported as forged."""
    positions = [columns.index(column) for column in view.key]
    found: dict[tuple[Any, ...], list[Any]] = {}
    for raw in conn.execute(sql, args).fetchall():
        row = [bytes(v) if isinstance(v, memoryview) else v for v in raw]
        for i, column in enumerate(columns):
            compare = view.compared.get(column)
            if compare is not None and compare.stored is not None and stored:
                row[i] = compare.stored(row[i])
        key = tuple(row[p] for p in positions)
        while key in found:
            key = (*key[:-1], f"{key[-1]} (again)")
        found[key] = row
    return found
