"""Retention and legal hold: what may not be deleted, why, and until when.

Three things protect a run from being purged (hard-deleted):

- **Market placement** (Art. 18): a model version *placed on the market* keeps its
  whole upstream lineage (the runs that made it and the runs that made their data)
  for a retention period, 10 years by default, from the placement date.
- **Log retention** (Art. 19): every run is kept at least ``log_retention_days``
  after it ended (183 days by default; it cannot be set lower).
- **Legal hold**: a hold on ``run:ID``, ``project:NAME`` or ``model:NAME/VERSION``
  (the version's upstream lineage) keeps them until the hold is released.

Placements are registry events of the model (``version.market``); holds and
their release are rows kept with who, when and why. Purging refuses what is
protected with a :class:`~trackrecord.errors.RetentionError` that says why and until
when; every attempt, refused or done, goes to the audit log.

Example:
    >>> import tempfile
    >>> from trackrecord.store.sql import SqlStore
    >>> SqlRetention(SqlStore.open(tempfile.mkdtemp())).log_retention_days()
    183
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from trackrecord.errors import InvalidValueError, NotFoundError, RetentionError, StoreError
from trackrecord.store.lineage import parse_node
from trackrecord.store.sql.audit import SqlAuditLog

if TYPE_CHECKING:
    from trackrecord.store.sql.store import SqlStore

__all__ = [
    "DEFAULT_DOCUMENTATION_YEARS",
    "MIN_LOG_RETENTION_DAYS",
    "Hold",
    "Protection",
    "SqlRetention",
]

DEFAULT_DOCUMENTATION_YEARS: Final = 10
MIN_LOG_RETENTION_DAYS: Final = 183  # Art. 19: logs kept at least six months
_DAY_MS: Final = 86_400_000


@dataclass(frozen=True)
class Protection:
    """Why something may not be deleted, and until when (Unix ms; None: until released)."""

    kind: str  # "market", "log-retention", "legal-hold"
    reason: str
    until: int | None

    def describe(self) -> str:
        """One line: the reason and the date it lasts until."""
        if self.until is None:
            return f"{self.reason} (until the hold is released)"
        day = dt.datetime.fromtimestamp(self.until / 1000, tz=dt.timezone.utc).date()
        return f"{self.reason} (until {day.isoformat()})"


@dataclass(frozen=True)
class Hold:
    """A legal hold on a target, and its release if any."""

    id: str
    target: str
    reason: str
    actor: str
    created_at: int
    released_at: int | None
    released_by: str | None
    release_reason: str | None


def _now() -> int:
    return time.time_ns() // 1_000_000


class SqlRetention:
    """Placements, holds and the log retention of a SQL store, and the purge they guard."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.database = store.database

    # -- settings and records ------------------------------------------------------------

    def log_retention_days(self) -> int:
        """How long every run is kept after it ended."""
        row = (
            self.database.read()
            .execute("SELECT value FROM store_settings WHERE key = 'log_retention_days'")
            .fetchone()
        )
        return MIN_LOG_RETENTION_DAYS if row is None else int(row[0])

    def set_log_retention_days(self, days: int, actor: str) -> None:
        """Keep run logs *days* after they end (at least 183: Art. 19's six months)."""
        if isinstance(days, bool) or not isinstance(days, int) or days < MIN_LOG_RETENTION_DAYS:
            raise InvalidValueError(
                f"log retention must be a whole number of days >= {MIN_LOG_RETENTION_DAYS} "
                f"(the EU AI Act's Art. 19 asks for at least six months), not {days!r}"
            )
        with self.database.write() as cur:
            cur.execute(
                "INSERT INTO store_settings (key, value) VALUES ('log_retention_days', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(days),),
            )
        self._audit(actor, "retention.set_log_days", str(days), 200)

    def place_on_market(
        self,
        name: str,
        version: int,
        actor: str,
        placed_at: int | None = None,
        years: int = DEFAULT_DOCUMENTATION_YEARS,
        reason: str | None = None,
    ) -> int:
        """Record that a version was placed on the market: its lineage is kept *years* years
        from *placed_at* (default now). Returns the time retention ends (Unix ms)."""
        registry = self.store.catalog
        target = registry.model_version(name, version)
        if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 100:
            raise InvalidValueError(f"retention years {years!r} must be from 1 to 100")
        placed = _now() if placed_at is None else int(placed_at)
        days = years * 365 + years // 4
        with registry._write(name) as cur:
            if cur.execute(
                "SELECT 1 FROM market_placements WHERE model = ? AND version = ?",
                (name, target.version),
            ).fetchone():
                raise InvalidValueError(f"{name} version {target.version} is already on the market")
            body = {"version": target.version, "placed_at": placed, "retention_days": days}
            registry._append(cur, name, "version.market", body, actor, reason)
            cur.execute(
                "INSERT INTO market_placements (model, version, placed_at, retention_days, "
                "actor) VALUES (?, ?, ?, ?, ?)",
                (name, target.version, placed, days, actor),
            )
        return placed + days * _DAY_MS

    def hold(self, target: str, reason: str, actor: str) -> Hold:
        """Put a legal hold on ``run:ID``, ``project:NAME`` or ``model:NAME/VERSION``."""
        if not target.startswith("project:"):
            kind, _ = parse_node(target)
            if kind not in ("run", "model"):
                raise InvalidValueError("a hold goes on run:ID, project:NAME or model:NAME/VERSION")
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidValueError("a legal hold needs a reason (a case or matter reference)")
        hold_id = f"hold_{secrets.token_hex(8)}"
        with self.database.write() as cur:
            cur.execute(
                "INSERT INTO legal_holds (id, target, reason, actor, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (hold_id, target, reason, actor, _now()),
            )
        self._audit(actor, "holds.create", target, 200)
        return self.holds_by_id(hold_id)

    def release(self, hold_id: str, actor: str, reason: str) -> Hold:
        """Release a legal hold (kept, with who released it, when and why)."""
        current = self.holds_by_id(hold_id)
        if current.released_at is not None:
            raise InvalidValueError(f"hold {hold_id} was released already")
        with self.database.write() as cur:
            cur.execute(
                "UPDATE legal_holds SET released_at = ?, released_by = ?, release_reason = ? "
                "WHERE id = ?",
                (_now(), actor, reason, hold_id),
            )
        self._audit(actor, "holds.release", current.target, 200)
        return self.holds_by_id(hold_id)

    def holds(self, active_only: bool = True) -> list[Hold]:
        """Legal holds, newest first."""
        return self._holds("WHERE released_at IS NULL " if active_only else "", ())

    def holds_by_id(self, hold_id: str) -> Hold:
        """One hold."""
        found = self._holds("WHERE id = ? ", (hold_id,))
        if not found:
            raise NotFoundError(f"no legal hold {hold_id!r}; see trackrecord retention holds")
        return found[0]

    def _holds(self, where: str, args: tuple[str, ...]) -> list[Hold]:
        sql = (
            "SELECT id, target, reason, actor, created_at, released_at, released_by, "
            f"release_reason FROM legal_holds {where}ORDER BY created_at DESC"
        )
        return [Hold(*row) for row in self.database.read().execute(sql, args).fetchall()]

    # -- what is protected ---------------------------------------------------------------

    def _lineage_runs(self, node: str) -> set[str]:
        graph = self.store.catalog.lineage(node, "upstream", depth=100)
        return {n.attrs["run_id"] for n in graph.nodes.values() if n.kind == "run"}

    def protections(self, run_id: str, now: int | None = None) -> list[Protection]:
        """Everything that keeps *run_id* from being deleted now (empty: deletable)."""
        now = _now() if now is None else now
        run = self.store.get_run(run_id)
        found = []
        ended = run.finished_at or run.created_at
        until = ended + self.log_retention_days() * _DAY_MS
        if until > now:
            found.append(Protection("log-retention", "run logs are kept "
                                    f"{self.log_retention_days()} days", until))  # fmt: skip
        conn = self.database.read()
        for model, version, placed, days in conn.execute(
            "SELECT model, version, placed_at, retention_days FROM market_placements"
        ).fetchall():
            end = placed + int(days) * _DAY_MS
            if end > now and run_id in self._lineage_runs(f"model:{model}/{version}"):
                found.append(Protection(
                    "market", f"in the lineage of {model} v{version}, placed on the market", end
                ))  # fmt: skip
        for hold in self.holds():
            target = hold.target
            held = (
                target == f"run:{run_id}"
                or target == f"project:{run.project}"
                or (target.startswith("model:") and run_id in self._lineage_runs(target))
            )
            if held:
                found.append(Protection("legal-hold", f"legal hold {hold.id}: {hold.reason}", None))
        return found

    # -- purging -------------------------------------------------------------------------

    def purge(self, run_id: str, actor: str, source: str = "cli") -> None:
        """Hard-delete a soft-deleted run and everything recorded about it.

        Raises:
            RetentionError: a placement, the log retention or a hold protects it (the
                attempt is audited either way).
        """
        run = self.store.get_run(run_id)
        if run.deleted_at is None:
            raise InvalidValueError(
                f"run {run_id} is not deleted; delete it first (trackrecord runs delete), "
                f"then purge it"
            )
        protected = self.protections(run_id)
        if protected:
            self._audit(actor, "runs.purge", run_id, 403, source)
            raise RetentionError(
                f"run {run_id} may not be purged: " + "; ".join(p.describe() for p in protected)
            )
        if self.store.catalog.versions_of_run(run_id):
            self._audit(actor, "runs.purge", run_id, 403, source)
            raise RetentionError(
                f"run {run_id} made a registered model version; registered lineage is kept"
            )
        try:
            with self.database.write() as cur:
                for table, column in _RUN_TABLES:
                    cur.execute(f"DELETE FROM {table} WHERE {column} = ?", (run_id,))
        except self.database.errors as exc:
            raise StoreError(f"cannot purge run {run_id}: {exc}") from exc
        self._audit(actor, "runs.purge", run_id, 200, source)

    def _audit(
        self, actor: str, action: str, target: str, status: int, source: str = "cli"
    ) -> None:
        SqlAuditLog(self.database).append(actor, action, target, source, status)


_RUN_TABLES: Final = (
    ("events", "run_id"), ("params", "run_id"), ("tags", "run_id"),
    ("metric_summaries", "run_id"), ("metric_chunks", "run_id"), ("artifacts", "run_id"),
    ("run_datasets", "run_id"), ("logged_models", "run_id"), ("evaluations", "run_id"),
    ("criteria_sets", "chain"), ("runs", "id"),
)  # fmt: skip
