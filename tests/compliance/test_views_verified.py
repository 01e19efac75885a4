"""Each table a reader uses is rebuilt from the chains by verify, which names what differs.

One test per finding of issue 15 (section 1): hand edits of evaluations, metric summaries,
sign-offs, the runs table, chart data, registry views, logged models, dataset versions
and the audit log are reported with the table, the row, the column, the stored and the
expected value; a damaged store gets a report, never a crash, and nothing is repaired.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tests.compliance.populated import Populated, populate
from trackrecord.cli import main
from trackrecord.compliance.verify import verify_run
from trackrecord.compliance.verify_model import verify_model
from trackrecord.compliance.verify_store import verify_store
from trackrecord.store.codec import decode_points, encode_points
from trackrecord.store.problems import Problem
from trackrecord.store.series import Groups
from trackrecord.store.sql import SqlStore


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Populated]:
    """A populated SQLite store, built once and copied for each test."""
    root = tmp_path_factory.mktemp("populated")
    store = SqlStore.open(root / "store")
    ids = populate(store, root / "keys")
    store.close()
    return root / "store", ids


@pytest.fixture
def recorded(template: tuple[Path, Populated], tmp_path: Path) -> Iterator[tuple[Path, Populated]]:
    import shutil

    shutil.copytree(template[0], tmp_path / "store")
    yield tmp_path / "store", template[1]


def tamper(store: Path, *statements: str) -> None:
    """Write to the database behind the store's back."""
    conn = sqlite3.connect(store / "trackrecord.db", isolation_level=None)
    for statement in statements:
        conn.execute(statement)
    conn.close()


def found(problems: list[Problem], table: str, column: str | None = None) -> list[Problem]:
    return [p for p in problems if p.table == table and (column is None or p.column == column)]


def store_problems(store: Path) -> list[Problem]:
    opened = SqlStore.open(store)
    try:
        return verify_store(opened).all_problems()
    finally:
        opened.close()


def run_problems(store: Path, run_id: str) -> list[Problem]:
    opened = SqlStore.open(store)
    try:
        return list(verify_run(opened, run_id).problems)
    finally:
        opened.close()


def test_an_evaluation_turned_from_fail_to_pass_fails_the_run_the_store_and_the_model(
    recorded: tuple[Path, Populated],
) -> None:
    store, ids = recorded
    summary = {"metrics": {"accuracy": {"value": 0.99}, "roc_auc": {"value": 0.99}},
               "verdicts": [{"metric": "accuracy", "passed": True}], "limitations": ["small"],
               "result_path": "result.json"}  # fmt: skip
    tamper(store, "UPDATE evaluations SET status = 'pass', summary = '"
           + json.dumps(summary, separators=(",", ":"), sort_keys=True) + "'")  # fmt: skip
    (status,) = found(run_problems(store, ids.evaluation), "evaluations", "status")
    assert (status.stored, status.expected, status.kind) == ("pass", "fail", "differs")
    assert found(store_problems(store), "evaluations", "summary")
    opened = SqlStore.open(store)
    report = verify_model(opened, "credit", 1)
    opened.close()
    assert not report.ok
    assert any("evaluations" in c.detail and "status" in c.detail for c in report.failures)


@pytest.mark.parametrize("column", ["max", "min"])
def test_a_forged_metric_summary_extreme_is_named(
    recorded: tuple[Path, Populated], column: str
) -> None:
    store, ids = recorded
    tamper(store, f"UPDATE metric_summaries SET {column} = 0.999 WHERE key = 'acc'")
    (problem,) = found(run_problems(store, ids.train), "metric_summaries", column)
    assert problem.stored == 0.999 and problem.expected != 0.999
    assert dict(problem.key) == {"run_id": ids.train, "key": "acc"}
    assert str(problem) == (
        f"metric_summaries (run_id={ids.train}, key=acc): {column} is 0.999, the events say "
        f"{problem.expected!r}"
    )


def test_a_deleted_signoff_is_missed_by_no_check(recorded: tuple[Path, Populated]) -> None:
    store, _ = recorded
    tamper(store, "DELETE FROM signatures WHERE signer = 'bob'")
    missing = found(store_problems(store), "signatures")
    assert len(missing) == 2 and {p.kind for p in missing} == {"missing"}
    opened = SqlStore.open(store)
    report = verify_model(opened, "credit", 1)
    opened.close()
    assert [c.kind for c in report.failures] == ["ledger"]
    assert "signatures" in report.failures[0].detail


RUNS_EDITS = {
    "status": "status = CASE status WHEN 'failed' THEN 'finished' ELSE 'failed' END",
    "name": "name = 'renamed'",
    "notes": "notes = 'edited'",
    "project_id": "project_id = (SELECT id FROM projects WHERE name = 'scratch')",
    "deleted_at": "deleted_at = CASE WHEN deleted_at IS NULL THEN 1 ELSE NULL END",
    "created_at": "created_at = created_at - 1000",
    "finished_at": "finished_at = finished_at + 1",
    "git_commit": "git_commit = '" + "b" * 40 + "'",
    "user_name": "user_name = 'mallory'",
    "host": "host = 'elsewhere'",
    "parent_id": "parent_id = 'someone-else'",
}


@pytest.mark.parametrize("column", sorted(RUNS_EDITS))
def test_every_column_of_the_runs_table_is_checked(
    recorded: tuple[Path, Populated], column: str
) -> None:
    store, ids = recorded
    tamper(store, f"UPDATE runs SET {RUNS_EDITS[column]} WHERE id = '{ids.child}'")
    problems = run_problems(store, ids.child)
    assert [p.column for p in problems] == [column], [str(p) for p in problems]


def _chunk(store: Path, run_id: str, last: bool = False) -> tuple[int, bytes, bytes]:
    """The first chunk of 'loss' with a level of detail, or its last chunk."""
    conn = sqlite3.connect(store / "trackrecord.db")
    row = conn.execute(
        "SELECT rowid, points, lod FROM metric_chunks WHERE run_id = ? AND key = 'loss' AND "
        + ("1 = 1 ORDER BY first_index DESC" if last else "length(lod) > 0 ORDER BY first_index")
        + " LIMIT 1",
        (run_id,),
    ).fetchone()
    conn.close()
    return int(row[0]), bytes(row[1]), bytes(row[2])


def test_a_rewritten_level_of_detail_is_caught(recorded: tuple[Path, Populated]) -> None:
    store, ids = recorded
    rowid, _, lod = _chunk(store, ids.train)
    groups = Groups.from_bytes(lod)
    bigger = Groups(groups.step_start, groups.step_end, groups.count, groups.first * 1000,
                    groups.last * 1000, groups.min * 1000, groups.max * 1000)  # fmt: skip
    conn = sqlite3.connect(store / "trackrecord.db", isolation_level=None)
    conn.execute("UPDATE metric_chunks SET lod = ? WHERE rowid = ?", (bigger.to_bytes(), rowid))
    conn.close()
    assert [p.column for p in run_problems(store, ids.train)] == ["lod"]


def test_fake_points_appended_to_a_chunk_are_caught(recorded: tuple[Path, Populated]) -> None:
    store, ids = recorded
    rowid, blob, _ = _chunk(store, ids.train, last=True)  # after the last point logged
    steps, values, times = decode_points(blob)
    more = np.arange(10, dtype=np.int64) + 10_000
    forged = encode_points(np.concatenate([steps, more]), np.concatenate([values, more * 0.0]),
                           np.concatenate([times, times[-1] + more]))  # fmt: skip
    conn = sqlite3.connect(store / "trackrecord.db", isolation_level=None)
    conn.execute("UPDATE metric_chunks SET points = ?, count = count + 10, step_max = 10009 "
                 "WHERE rowid = ?", (forged, rowid))  # fmt: skip
    conn.close()
    columns = {p.column for p in found(run_problems(store, ids.train), "metric_chunks")}
    assert columns == {"points", "count", "step_max"}


def test_changed_chunk_step_ranges_are_caught(recorded: tuple[Path, Populated]) -> None:
    store, ids = recorded
    tamper(store, "UPDATE metric_chunks SET step_min = step_min + 5, step_max = step_max - 5")
    problems = run_problems(store, ids.train)
    assert {p.column for p in problems} == {"step_min", "step_max"}


@pytest.mark.parametrize(
    ("statement", "table", "column"),
    [
        ("UPDATE model_aliases SET version = 2 WHERE alias = 'production'", "model_aliases",
         "version"),
        ("UPDATE logged_models SET digest = '" + "0" * 64 + "'", "logged_models", "digest"),
        ("UPDATE dataset_versions SET uri = 'file:///elsewhere' WHERE name = 'train'",
         "dataset_versions", "uri"),
        ("UPDATE dataset_versions SET number = 7 WHERE name = 'train'", "dataset_versions",
         "number"),
        ("UPDATE signoff_policies SET required = 0", "signoff_policies", "required"),
        ("UPDATE legal_holds SET released_at = 1 WHERE released_at IS NULL", "legal_holds",
         "released_at"),
        ("UPDATE project_roles SET role = 'admin' WHERE user_name = 'mallory'", "project_roles",
         "role"),
        ("UPDATE users SET is_admin = 1 WHERE name = 'mallory'", "users", "is_admin"),
        ("UPDATE market_placements SET retention_days = 1", "market_placements",
         "retention_days"),
        ("UPDATE store_settings SET value = '1d'", "store_settings", "value"),
    ],
)  # fmt: skip
def test_registry_catalog_and_ledger_views_are_checked(
    recorded: tuple[Path, Populated], statement: str, table: str, column: str
) -> None:
    store, _ = recorded
    tamper(store, statement)
    problems = store_problems(store)
    assert [(p.table, p.column) for p in problems] == [(table, column)], [str(p) for p in problems]


def test_audit_entries_given_to_another_user_are_caught(recorded: tuple[Path, Populated]) -> None:
    store, _ = recorded
    tamper(store, "UPDATE audit_log SET actor = 'alice' WHERE actor = 'root'")
    problems = found(store_problems(store), "audit_log")
    assert problems and all(p.chain == "audit" for p in problems)


def _dump(store: Path) -> list[object]:
    """Every row of every table (text read as bytes: a damaged value reads too)."""
    conn = sqlite3.connect(store / "trackrecord.db")
    conn.text_factory = bytes
    try:
        tables = [t.decode() for (t,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]  # fmt: skip
        return [(t, sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"')))) for t in tables]
    finally:
        conn.close()


@pytest.mark.parametrize(
    "statements",
    [
        ["UPDATE events SET body = 'not json' WHERE seq = 2"],
        ["UPDATE ledger_events SET body = '{' WHERE seq = 3"],
        ["UPDATE registry_events SET body = '[]' WHERE seq = 2"],
        ["UPDATE metric_chunks SET points = x'00ff'"],
        ["UPDATE metric_chunks SET lod = CAST(x'ff00' AS TEXT)"],
        ["UPDATE events SET points = 'not json' WHERE type = 'metrics'"],
        ["DROP TABLE tags"],
        ["DROP TABLE ledger_events"],
    ],
)
def test_a_damaged_store_gets_a_report_never_a_crash_or_a_repair(
    recorded: tuple[Path, Populated], statements: list[str]
) -> None:
    store, _ = recorded
    tamper(store, *statements)
    before = _dump(store)
    done = CliRunner().invoke(main, ["verify", "--all", "--dir", str(store)])
    assert done.exit_code == 1, done.output
    assert "Traceback" not in done.output and "FAILED" in done.output
    assert _dump(store) == before  # nothing repaired


def test_the_command_names_table_row_column_and_both_values(
    recorded: tuple[Path, Populated],
) -> None:
    store, ids = recorded
    tamper(store, f"UPDATE params SET value = '0.5' WHERE run_id = '{ids.train}' AND key = 'lr'")
    done = CliRunner().invoke(main, ["verify", ids.train, "--dir", str(store)])
    assert done.exit_code == 1
    assert f"params (run_id={ids.train}, key=lr): value is '0.5', the events say '0.1'" in (
        done.output
    )
    done = CliRunner().invoke(main, ["verify", "--all", "--json", "--dir", str(store)])
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    (bad,) = [line for line in lines if line.get("run_id") == ids.train]
    (problem,) = bad["problems"]
    assert (problem["table"], problem["column"], problem["stored"], problem["expected"]) == (
        "params", "value", "0.5", "0.1")  # fmt: skip
    assert lines[-1]["kind"] == "store" and lines[-1]["ok"] is True


def test_a_store_behind_a_server_is_compared_through_its_api(tmp_path: Path) -> None:
    from tests.server_thread import serving
    from tests.store.conftest import Chain
    from trackrecord.store.remote import RemoteStore

    backend = SqlStore.open(tmp_path / "server")
    chain = Chain("p", config={"lr": 0.1})
    chain.add("run.end", {"status": "finished"})
    backend.append_events(chain.events)
    with serving(backend) as url:
        remote = RemoteStore(url)
        assert verify_run(remote, chain.run_id).ok
        tamper(
            tmp_path / "server", f"UPDATE runs SET status = 'failed' WHERE id = '{chain.run_id}'"
        )
        result = verify_run(remote, chain.run_id)
        remote.close()
    backend.close()
    assert [(p.table, p.column, p.stored, p.expected) for p in result.problems] == [
        ("runs", "status", "failed", "finished")
    ]
