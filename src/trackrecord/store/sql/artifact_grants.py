"""Which projects hold which artifact bytes: the ledger a server checks writes against.

Artifact content is stored once, by its SHA-256, whoever uploads it. Knowing a
digest must not open the bytes: a project *holds* content only when someone
showed the bytes for it (uploaded them for that project, which writes a grant
here), or when a run of that project recorded them in an ``artifact`` event. A
server lets a run name only content its project holds, and lets a caller
download only content a project they may read holds.

The embedded store writes grants too (they cost one row per upload) but never
checks them: on a laptop there is no one to keep out. A grant is an event of the
store's ledger (:mod:`~trackrecord.store.sql.ledger`) and the table its view, so a grant
written into the database by hand is caught by ``trackrecord verify --all``.

Example:
    >>> import tempfile
    >>> from trackrecord.store.sql import SqlStore
    >>> grants = SqlArtifactGrants(SqlStore.open(tempfile.mkdtemp()).database)
    >>> grants.grant("vision", ["ab" * 32])
    >>> grants.held("vision", ["ab" * 32, "cd" * 32])
    {'abababababababababababababababababababababababababababababababab'}
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from trackrecord.store.sql.connection import SqlDatabase
from trackrecord.store.sql.ledger import append_ledger, ledger_write

__all__ = ["SqlArtifactGrants"]

_BATCH = 500


def _batches(items: list[str]) -> Iterator[tuple[list[str], str]]:
    for start in range(0, len(items), _BATCH):
        batch = items[start : start + _BATCH]
        yield batch, ",".join("?" * len(batch))


class SqlArtifactGrants:
    """The ``artifact_grants`` ledger of *database*, read together with recorded artifacts."""

    def __init__(self, database: SqlDatabase) -> None:
        self.database = database

    def grant(self, project: str, digests: Collection[str]) -> None:
        """Record that *project* holds the contents *digests* (idempotent)."""
        wanted = sorted(set(digests) - self._granted(project, digests))
        if not wanted:
            return
        with ledger_write(self.database, "record which project holds uploaded bytes") as cur:
            wanted = sorted(set(wanted) - self._granted(project, wanted))  # under the lock
            if wanted:
                append_ledger(cur, "grant.add", {"project": project, "digests": wanted})

    def _granted(self, project: str, digests: Collection[str]) -> set[str]:
        """Which of *digests* *project* has a grant for already."""
        found: set[str] = set()
        conn = self.database.read()
        for batch, marks in _batches(sorted(set(digests))):
            rows = conn.execute(
                f"SELECT sha256 FROM artifact_grants WHERE project = ? AND sha256 IN ({marks})",
                (project, *batch),
            )
            found |= {str(row[0]) for row in rows}
        return found

    def holders(self, sha256: str) -> set[str]:
        """The projects that hold content *sha256*."""
        rows = self.database.read().execute(
            "SELECT project FROM artifact_grants WHERE sha256 = ? UNION "
            "SELECT p.name FROM artifacts a JOIN runs r ON r.id = a.run_id "
            "JOIN projects p ON p.id = r.project_id WHERE a.sha256 = ?",
            (sha256, sha256),
        )
        return {str(row[0]) for row in rows}

    def held(self, project: str, digests: Collection[str]) -> set[str]:
        """Which of *digests* *project* holds."""
        found: set[str] = set()
        conn = self.database.read()
        for batch, marks in _batches(sorted(set(digests))):
            rows = conn.execute(
                f"SELECT sha256 FROM artifact_grants WHERE project = ? AND sha256 IN ({marks}) "
                f"UNION SELECT a.sha256 FROM artifacts a JOIN runs r ON r.id = a.run_id "
                f"JOIN projects p ON p.id = r.project_id WHERE p.name = ? "
                f"AND a.sha256 IN ({marks})",
                (project, *batch, project, *batch),
            )
            found |= {str(row[0]) for row in rows}
        return found
