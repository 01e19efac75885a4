"""Every change to the database behind the store's back is reported by ``verify --all``.

On SQLite and PostgreSQL, a store populated with a little of everything (see
:mod:`tests.compliance.populated`) verifies clean; then, for every table and every
column of the live schema, a value is changed in a sample row, a row is deleted and a
forged row inserted, one at a time, and each must make :func:`verify_store` report a
problem, unless the table is listed in :data:`~trackrecord.store.sql.views.UNREAD` with
the reason no reader needs it (or the change in
:data:`~trackrecord.store.sql.views.LOG_UNCHECKED`). The transparency log's tables are
mutated too, and verified with the public key of the store's checkpoints. A table added
later is mutated too, without anyone listing it. With ``TRACKRECORD_MUTATION_REPORT=PATH``
the outcome table is written there as Markdown.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.compliance.mutations import Mutation, Raw, mutations
from tests.compliance.populated import populate
from tests.pg import fresh_database
from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.compliance.verify_store import verify_store
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.views import (
    CHAIN_TABLES,
    LOG_TABLES,
    LOG_UNCHECKED,
    UNREAD,
    VIEWS,
    unclassified,
)

DETECTED, UNREAD_OK, LISTED, MISSED = "detected", "unread", "listed", "MISSED"


@pytest.fixture(params=["sqlite", "postgres"])
def populated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[SqlStore, str]]:
    """A populated store on each database, and the public key its checkpoints are signed
    with (the key an auditor trusts)."""
    if request.param == "sqlite":
        opened = SqlStore.open(tmp_path / "store")
        yield opened, populate(opened, tmp_path / "keys").checkpoint_key
        opened.close()
        return
    with fresh_database() as url:
        opened = SqlStore.connect(url, LocalArtifactStore(tmp_path / "artifacts"))
        yield opened, populate(opened, tmp_path / "keys").checkpoint_key
        opened.close()


def _role(table: str) -> str:
    if table in CHAIN_TABLES:
        return "chain"
    if table in UNREAD:
        return "unread"
    if table in LOG_TABLES:
        return "transparency log"
    kinds = sorted({view.chain for view in VIEWS if view.table == table})
    return "view of " + "/".join(kinds)


def _outcome(store: SqlStore, key: str, mutation: Mutation) -> str:
    mutation.apply()
    try:
        report = verify_store(store, public_key=key)
    finally:
        mutation.undo()
    if not report.ok:
        named = sorted({p.table for p in report.all_problems()})
        return f"{DETECTED} ({', '.join(named)})"
    if (mutation.table, mutation.kind) in LOG_UNCHECKED:
        return LISTED
    return UNREAD_OK if mutation.table in UNREAD else MISSED


def _table(outcomes: dict[tuple[str, str | None, str], str], roles: dict[str, str]) -> str:
    lines = ["| table | role | column | edit | delete a row | insert a forged row |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for table in sorted(roles):
        columns = [c for (t, c, k) in outcomes if t == table and k == "edit"]
        for i, column in enumerate(columns):
            row = [table if i == 0 else "", roles[table] if i == 0 else "", str(column),
                   outcomes[(table, column, "edit")],
                   outcomes[(table, None, "delete")] if i == 0 else "",
                   outcomes[(table, None, "insert")] if i == 0 else ""]  # fmt: skip
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def test_every_table_of_the_live_schema_is_a_chain_a_view_or_listed_unread(
    populated: tuple[SqlStore, str],
) -> None:
    raw = Raw(populated[0])
    try:
        tables = raw.schema()
    finally:
        raw.close()
    assert unclassified(tables) == [], (
        "tables that are no chain, no view and not listed as unread: add a derivation (see "
        "trackrecord.store.sql.views) or list them in UNREAD with the reason"
    )


def test_every_edit_deletion_and_forged_row_is_reported(populated: tuple[SqlStore, str]) -> None:
    store, key = populated
    baseline = verify_store(store, public_key=key)
    assert baseline.ok, [str(p) for p in baseline.all_problems()]
    raw = Raw(store)
    outcomes: dict[tuple[str, str | None, str], str] = {}
    try:
        tables = raw.schema()
        for table, columns in sorted(tables.items()):
            for mutation in mutations(raw, table, columns):
                outcomes[(table, mutation.column, mutation.kind)] = _outcome(store, key, mutation)
    finally:
        raw.close()
    assert verify_store(store, public_key=key).ok  # every mutation was undone
    table = _table(outcomes, {t: _role(t) for t in tables})
    if os.environ.get("TRACKRECORD_MUTATION_REPORT"):
        path = Path(os.environ["TRACKRECORD_MUTATION_REPORT"])
        path.with_name(f"{path.stem}-{store.database.dialect}{path.suffix}").write_text(table)
    missed = [f"{t}.{c or '(row)'} {k}" for (t, c, k), o in outcomes.items() if o == MISSED]
    assert not missed, f"verify --all did not report: {missed}\n{table}"
