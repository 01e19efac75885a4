"""Verifying a whole store: every chain, and every view rebuilt from its chain.

``trackrecord verify --all`` on a store with its database here checks:

- every run (:func:`~trackrecord.compliance.verify.verify_run`), including runs that
  have events but lost their row, or a row but no events;
- every registered model's registry chain, and its views rebuilt from it
  (:func:`verify_registry`);
- the ledger (accounts, grants, tokens, keys, sign-offs, holds, settings, artifact
  grants, dataset versions) and its views (:func:`verify_ledger`);
- the audit log's chain; the ``projects`` view; rows of views that belong to no chain
  (orphans); and uses of dataset versions the ledger never numbered;
- the transparency log against itself and every chain
  (:func:`~trackrecord.compliance.verify_log.log_problems`).

Every difference is a :class:`~trackrecord.store.problems.Problem`.

Example:
    >>> report = verify_store(store)   # doctest: +SKIP
    >>> report.ok, len(report.runs)    # doctest: +SKIP
    (True, 12)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from trackrecord.compliance.verify import VerifyResult, chain_problems, verify_with
from trackrecord.errors import TrackRecordError
from trackrecord.store.base import Store
from trackrecord.store.problems import Problem

if TYPE_CHECKING:
    from trackrecord.store.sql.connection import SqlDatabase
    from trackrecord.store.sql.rebuild import Rebuild

__all__ = ["StoreVerification", "StoreVerifier", "verify_ledger", "verify_registry", "verify_store"]


@dataclass
class StoreVerification:
    """The outcome of :func:`verify_store`: each run's result, and the store's problems
    (registry chains, the ledger, the audit log, store-wide views)."""

    runs: list[VerifyResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every run verified and the store has no problem."""
        return not self.problems and all(run.ok for run in self.runs)

    def __bool__(self) -> bool:
        return self.ok

    def all_problems(self) -> list[Problem]:
        """Every problem: the runs' and the store's."""
        return [p for run in self.runs for p in run.problems] + self.problems

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"ok": self.ok, "runs": [r.to_dict() for r in self.runs],
                "problems": [p.to_dict() for p in self.problems]}  # fmt: skip


def _database(store: Store) -> SqlDatabase:
    database: SqlDatabase | None = getattr(store, "database", None)
    if database is None:
        raise TrackRecordError(
            "registries and the ledger are verified where their database is: open the store "
            "directory or database directly (--dir), not through a server"
        )
    return database


def _rebuild(store: Store) -> Rebuild:
    from trackrecord.store.sql.rebuild import Rebuild

    return Rebuild(_database(store))


def verify_registry(store: Store, name: str, rebuild: Rebuild | None = None) -> list[Problem]:
    """A registered model's chain, and its views rebuilt from it (empty: intact)."""
    own = rebuild or _rebuild(store)
    try:
        chain = f"registry:{name}"
        try:
            events = store.catalog.registry_chain(name)  # type: ignore[attr-defined]
        except Exception as exc:  # a damaged record is reported, never raised
            detail = f"cannot read the registry chain: {exc}"
            return [Problem(chain, "registry_events", (), None, None, None, "unreadable", detail)]
        return chain_problems(chain, "registry_events", events) or own.registry(name, events)
    finally:
        if rebuild is None:
            own.close()


def _ledger_events(store: Store) -> list[Any]:
    from trackrecord.store.sql.ledger import read_ledger

    return read_ledger(_database(store).read())


def verify_ledger(store: Store, rebuild: Rebuild | None = None) -> list[Problem]:
    """The ledger's chain, and its views rebuilt from it (empty: intact)."""
    own = rebuild or _rebuild(store)
    try:
        try:
            events = _ledger_events(store)
        except Exception as exc:  # a damaged record is reported, never raised
            detail = f"cannot read the ledger: {exc}"
            return [Problem("ledger", "ledger_events", (), None, None, None, "unreadable", detail)]
        return chain_problems("ledger", "ledger_events", events) or own.ledger(events)
    finally:
        if rebuild is None:
            own.close()


class StoreVerifier:
    """Verifies a SQL store piece by piece (so a command can show progress): each run with
    :meth:`run`, then everything else with :meth:`store_problems`. Close it when done."""

    def __init__(self, store: Store, artifacts: bool = True, public_key: str | None = None) -> None:
        self.store = store
        self.artifacts = artifacts
        self.public_key = public_key
        """The checkpoint key the stored checkpoints must be signed with (base64 raw
        Ed25519); by default the key this machine keeps for the store, if any."""
        self.database = _database(store)
        self.rebuild = _rebuild(store)

    def _names(self, sql: str) -> list[str]:
        return sorted({str(row[0]) for row in self.database.read().execute(sql).fetchall()})

    def run_ids(self) -> list[str]:
        """Every run: those with a row, and those with events but no row."""
        return self._names("SELECT id FROM runs UNION SELECT DISTINCT run_id FROM events")

    def models(self) -> list[str]:
        """Every registered model: those with a row, and those with registry events."""
        return self._names(
            "SELECT name FROM registered_models UNION SELECT DISTINCT model FROM registry_events"
        )

    def run(self, run_id: str) -> VerifyResult:
        """One run's result."""
        return verify_with(self.store, run_id, self.artifacts, self.rebuild)

    def store_problems(self) -> list[Problem]:
        """The problems of everything but the runs themselves."""
        models, run_ids = self.models(), set(self.run_ids())
        problems = [p for name in models for p in verify_registry(self.store, name, self.rebuild)]
        problems += verify_ledger(self.store, self.rebuild)
        problems += self._guarded("audit log", self._audit)
        problems += self._guarded("transparency log", self._log)
        try:
            ledger = _ledger_events(self.store)
        except Exception:  # reported by verify_ledger above
            ledger = []
        problems += self._guarded("projects", lambda: self.rebuild.projects(ledger))
        problems += self._guarded("orphans", lambda: self.rebuild.orphans(run_ids, set(models)))
        problems += self._guarded("dataset uses", self._unnumbered_uses)
        return problems

    def _guarded(self, what: str, check: Callable[[], list[Problem]]) -> list[Problem]:
        """*check*'s result, or a problem saying it could not be done (never an exception:
        a damaged store gets a report)."""
        try:
            return check()
        except Exception as exc:
            detail = f"cannot check the {what}: {exc!r}"
            return [Problem("store", what, (), None, None, None, "unreadable", detail)]

    def _audit(self) -> list[Problem]:
        from trackrecord.store.sql.audit import SqlAuditLog

        return [Problem("audit", "audit_log", (), None, None, None, "chain", line)
                for line in SqlAuditLog(self.database).verify()]  # fmt: skip

    def _log(self) -> list[Problem]:
        from trackrecord.compliance.verify_log import log_problems

        return log_problems(self.database, self.public_key)

    def _unnumbered_uses(self) -> list[Problem]:
        rows = self.database.read().execute(
            "SELECT DISTINCT d.project, d.name, d.digest FROM run_datasets d WHERE NOT EXISTS "
            "(SELECT 1 FROM dataset_versions v WHERE v.project = d.project AND v.name = d.name "
            "AND v.digest = d.digest)"
        )
        return [Problem("store", "dataset_versions",
                        (("project", p), ("name", n), ("digest", d)), None, None, None,
                        "missing", "runs used this dataset version; the ledger never numbered it")
                for p, n, d in rows.fetchall()]  # fmt: skip

    def close(self) -> None:
        """Release the scratch database."""
        self.rebuild.close()


def verify_store(
    store: Store, artifacts: bool = True, public_key: str | None = None
) -> StoreVerification:
    """Verify every chain and view of a SQL store (see the module docstring); never raises
    for a damaged record.

    Raises:
        TrackRecordError: the store has no database here (a server's store).
    """
    verifier = StoreVerifier(store, artifacts, public_key)
    try:
        return StoreVerification(
            [verifier.run(run_id) for run_id in verifier.run_ids()], verifier.store_problems()
        )
    finally:
        verifier.close()
