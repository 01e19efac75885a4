"""Retention and legal hold: what may not be deleted, why, and until when.

Three things protect a run from being purged (hard-deleted):

- **Market placement** (Art. 18): a model version *placed on the market* keeps its
  whole evidence (see :mod:`trackrecord.store.sql.evidence`): the runs that made it and
  its data, the runs that evaluated it and made their reference data, its criteria,
  sign-offs and kept documents, for a retention period, 10 years by default, from the
  placement date.
- **Log retention** (Art. 19): every run is kept a period after it ended (six months
  by default; never less than six calendar months, whatever is set).
- **Legal hold**: a hold on ``run:ID``, ``project:NAME`` or ``model:NAME/VERSION``
  (the version's evidence) keeps them until the hold is released.

Periods are calendar periods (:mod:`trackrecord.periods`): 10 years after 2026-12-01 is
2036-12-01, six months after 2026-08-31 is 2027-02-28. Placements are registry events
of the model (``version.market``, naming ``placed_at``, ``years`` and ``until``); holds,
their release (with who, when and why), the log retention and purges are events of the
store's ledger (:mod:`~trackrecord.store.sql.ledger`). Purging refuses what is protected
with a :class:`~trackrecord.errors.RetentionError` that says why and until when. These
methods write nothing to the audit log: whoever calls them records each attempt, refused
or done (the CLI does), so that a server calling them audits its request once. Each check
takes ``now`` (Unix ms; default the clock), so a test or an audit can ask what would be
protected at a given time.

Example:
    >>> import tempfile
    >>> from trackrecord.store.sql import SqlStore
    >>> str(SqlRetention(SqlStore.open(tempfile.mkdtemp())).log_retention())
    '6 months'
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from trackrecord.errors import InvalidValueError, NotFoundError, RetentionError, StoreError
from trackrecord.periods import Period, day_of
from trackrecord.store.lineage import parse_node
from trackrecord.store.sql.evidence import SqlEvidence
from trackrecord.store.sql.ledger import append_ledger, ledger_write

if TYPE_CHECKING:
    from trackrecord.store.sql.store import SqlStore

__all__ = [
    "DEFAULT_DOCUMENTATION_YEARS",
    "MIN_LOG_RETENTION",
    "MIN_LOG_RETENTION_DAYS",
    "Hold",
    "Placement",
    "Protection",
    "SqlRetention",
]

DEFAULT_DOCUMENTATION_YEARS: Final = 10
MIN_LOG_RETENTION: Final = Period(months=6)  # Art. 19: logs kept at least six months
MIN_LOG_RETENTION_DAYS: Final = 183  # a period in days must be at least this long
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
        return f"{self.reason} (until {day_of(self.until).isoformat()})"


@dataclass(frozen=True)
class Placement:
    """A version placed on the market: when, by whom, and until when its evidence is kept."""

    model: str
    version: int
    placed_at: int
    until: int
    actor: str

    @property
    def retention_days(self) -> int:
        """The whole days from the placement to the end of the retention."""
        return (self.until - self.placed_at) // _DAY_MS


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


def _log_period(period: Period | str | int) -> Period:
    found = period if isinstance(period, Period) else Period.parse(period)
    if not (found.at_least(MIN_LOG_RETENTION) or found.shortest_days() >= MIN_LOG_RETENTION_DAYS):
        raise InvalidValueError(
            f"log retention {found} is too short: give at least 6m (six months) or "
            f"{MIN_LOG_RETENTION_DAYS}d (the EU AI Act's Art. 19 asks for at least six months)"
        )
    return found


class SqlRetention:
    """Placements, holds and the log retention of a SQL store, and the purge they guard."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.database = store.database

    # -- settings and records ------------------------------------------------------------

    def log_retention(self) -> Period:
        """How long every run is kept after it ended (six months unless set)."""
        rows = dict(
            self.database.read()
            .execute(
                "SELECT key, value FROM store_settings "
                "WHERE key IN ('log_retention', 'log_retention_days')"
            )
            .fetchall()
        )
        if "log_retention" in rows:
            return Period.parse(rows["log_retention"])
        if "log_retention_days" in rows:  # written by TrackRecord before calendar periods
            return Period(days=int(rows["log_retention_days"]))
        return MIN_LOG_RETENTION

    def set_log_retention(self, period: Period | str | int) -> Period:
        """Keep run logs *period* after they end: a :class:`~trackrecord.periods.Period`,
        ``"6m"``, ``"1y"``, ``"400d"`` or a number of days; at least six months (or 183 days).

        Raises:
            InvalidValueError: not a period, or a shorter one than Art. 19 allows.
        """
        found = _log_period(period)
        body = {"set": {"log_retention": found.code}, "unset": ["log_retention_days"]}
        with ledger_write(self.database, "set the log retention") as cur:
            append_ledger(cur, "settings.set", body)
        return found

    def log_retained_until(self, ended: int) -> int:
        """When the log retention of a run that ended at *ended* (Unix ms) ends: the set
        period after it, and never before six calendar months after it."""
        return max(self.log_retention().after(ended), MIN_LOG_RETENTION.after(ended))

    def place_on_market(
        self,
        name: str,
        version: int,
        actor: str,
        placed_at: int | None = None,
        years: int = DEFAULT_DOCUMENTATION_YEARS,
        reason: str | None = None,
    ) -> int:
        """Record that a version was placed on the market: its evidence is kept *years*
        calendar years from *placed_at* (Unix ms, default now). Returns the time retention
        ends (Unix ms): the same date and time of day, *years* later (Feb 29 gives Feb 28)."""
        registry = self.store.catalog
        target = registry.model_version(name, version)
        if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 100:
            raise InvalidValueError(f"retention years {years!r} must be from 1 to 100")
        placed = _now() if placed_at is None else int(placed_at)
        until = Period(years=years).after(placed)
        days = (until - placed) // _DAY_MS
        with registry._write(name) as cur:
            if cur.execute(
                "SELECT 1 FROM market_placements WHERE model = ? AND version = ?",
                (name, target.version),
            ).fetchone():
                raise InvalidValueError(f"{name} version {target.version} is already on the market")
            body = {"version": target.version, "placed_at": placed, "years": years,
                    "until": until, "retention_days": days}  # fmt: skip
            registry._append(cur, name, "version.market", body, actor, reason)
        return until

    def placements(self) -> list[Placement]:
        """Every version placed on the market, by model and version."""
        rows = self.database.read().execute(
            "SELECT model, version, placed_at, retention_days, actor FROM market_placements "
            "ORDER BY model, version"
        )
        return [Placement(m, int(v), int(p), int(p) + int(d) * _DAY_MS, a)
                for m, v, p, d, a in rows.fetchall()]  # fmt: skip

    def placement(self, name: str, version: int) -> Placement | None:
        """The version's placement on the market, if it was placed."""
        found = [p for p in self.placements() if p.model == name and p.version == version]
        return found[0] if found else None

    def hold(self, target: str, reason: str, actor: str) -> Hold:
        """Put a legal hold on ``run:ID``, ``project:NAME`` or ``model:NAME/VERSION`` (the
        version's evidence; an alias is resolved to its version now)."""
        if not target.startswith("project:"):
            kind, rest = parse_node(target)
            if kind not in ("run", "model"):
                raise InvalidValueError("a hold goes on run:ID, project:NAME or model:NAME/VERSION")
            if kind == "model":
                name, _, version = rest.rpartition("/")
                target = f"model:{name}/{self.store.catalog.model_version(name, version).version}"
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidValueError("a legal hold needs a reason (a case or matter reference)")
        hold_id = f"hold_{secrets.token_hex(8)}"
        body = {"id": hold_id, "target": target, "reason": reason, "actor": actor}
        with ledger_write(self.database, "put a legal hold") as cur:
            append_ledger(cur, "hold.create", body)
        return self.holds_by_id(hold_id)

    def release(self, hold_id: str, actor: str, reason: str) -> Hold:
        """Release a legal hold (kept, with who released it, when and why)."""
        current = self.holds_by_id(hold_id)
        if current.released_at is not None:
            raise InvalidValueError(f"hold {hold_id} was released already")
        with ledger_write(self.database, "release a legal hold") as cur:
            append_ledger(cur, "hold.release", {"id": hold_id, "actor": actor, "reason": reason})
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

    def retentions(self, name: str, version: int, now: int | None = None) -> list[Protection]:
        """What keeps the evidence of ``models:/NAME/VERSION`` at *now*: its placement on the
        market while the period lasts, and legal holds on it (empty: nothing)."""
        return [kept for key, kept, _ in self._retained(now) if key == (name, version)]

    def _retained(self, now: int | None) -> list[tuple[tuple[str, int], Protection, str]]:
        """Each version whose evidence is kept at *now*: what keeps it, and how to say so
        after the role of a run in its evidence."""
        now = _now() if now is None else now
        found = [((p.model, p.version), Protection("market", "on the market", p.until),
                  "placed on the market")
                 for p in self.placements() if p.until > now]  # fmt: skip
        for hold in self.holds():
            held = self._held_version(hold.target)
            if held is not None:
                said = f"legal hold {hold.id}: {hold.reason}"
                found.append((held, Protection("legal-hold", said, None), f"under {said}"))
        return found

    def _held_version(self, target: str) -> tuple[str, int] | None:
        """(name, version) of a hold on ``model:NAME/VERSION`` (an alias, as holds made before
        aliases were resolved may name, is resolved now); None for other holds."""
        if not target.startswith("model:"):
            return None
        name, _, version = target.removeprefix("model:").rpartition("/")
        if version.isdigit():
            return name, int(version)
        try:
            return name, self.store.catalog.model_version(name, version).version
        except NotFoundError:  # the alias was removed: the hold cannot say which version
            return None

    def protections(self, run_id: str, now: int | None = None) -> list[Protection]:
        """Everything that keeps *run_id* from being deleted at *now* (Unix ms; default the
        clock). Empty: it may be purged."""
        now = _now() if now is None else now
        run = self.store.get_run(run_id)
        found = []
        until = self.log_retained_until(run.finished_at or run.created_at)
        if until > now:
            found.append(Protection(
                "log-retention", f"run logs are kept {self.log_retention()}", until
            ))  # fmt: skip
        evidence = SqlEvidence(self.store)
        roles: dict[tuple[str, int], dict[str, str]] = {}
        for key, kept, context in self._retained(now):
            if key not in roles:
                roles[key] = evidence.runs(*key)
            if run_id in roles[key]:
                found.append(Protection(kept.kind, f"{roles[key][run_id]}, {context}", kept.until))
        for hold in self.holds():
            if hold.target in (f"run:{run_id}", f"project:{run.project}"):
                found.append(Protection("legal-hold", f"legal hold {hold.id}: {hold.reason}", None))
        return found

    # -- purging -------------------------------------------------------------------------

    def purge(self, run_id: str, now: int | None = None) -> None:
        """Hard-delete a soft-deleted run and everything recorded about it, unless something
        protects it at *now* (Unix ms; default the clock).

        Raises:
            RetentionError: a placement, the log retention or a hold protects it; the
                message names each and until when.
        """
        run = self.store.get_run(run_id)
        if run.deleted_at is None:
            raise InvalidValueError(
                f"run {run_id} is not deleted; delete it first (trackrecord runs delete), "
                f"then purge it"
            )
        protected = self.protections(run_id, now)
        if protected:
            raise RetentionError(
                f"run {run_id} may not be purged: " + "; ".join(p.describe() for p in protected)
            )
        if self.store.catalog.versions_of_run(run_id):
            raise RetentionError(
                f"run {run_id} made a registered model version; registered lineage is kept"
            )
        body = {
            "run": run_id,
            "project": run.project,
            "created_at": run.created_at,
            "head_seq": run.head_seq,
            "head_hash": run.head_hash,
        }  # who: the audit log
        try:
            with ledger_write(self.database, f"purge run {run_id}") as cur:
                for table, column in _RUN_TABLES:
                    cur.execute(f"DELETE FROM {table} WHERE {column} = ?", (run_id,))
                # its logged heads are explained by the purge event; a pending one goes
                cur.execute("DELETE FROM log_pending WHERE kind = 'run' AND chain = ?", (run_id,))
                append_ledger(cur, "run.purge", body)
        except self.database.errors as exc:
            raise StoreError(f"cannot purge run {run_id}: {exc}") from exc


_RUN_TABLES: Final = (
    ("events", "run_id"), ("params", "run_id"), ("tags", "run_id"),
    ("metric_summaries", "run_id"), ("metric_chunks", "run_id"), ("artifacts", "run_id"),
    ("run_datasets", "run_id"), ("logged_models", "run_id"), ("evaluations", "run_id"),
    ("criteria_sets", "chain"), ("runs", "id"),
)  # fmt: skip
