"""Retention and legal hold: purges refuse what the law keeps and say why and until when
(who purges audits the attempt: tests/cli/test_local_audit.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.pg import fresh_database
from tests.store.conftest import Chain
from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.cli import main
from trackrecord.errors import InvalidValueError, NotFoundError, RetentionError
from trackrecord.periods import Period, ms_of_day
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.audit import SqlAuditLog
from trackrecord.store.sql.retention import SqlRetention

OLD = 1_600_000_000_000  # 2020: long past any log retention


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def old_run(store: SqlStore, project: str = "p", **bodies: dict) -> str:
    chain = Chain(project)
    chain.time = OLD
    chain.events.clear()
    chain.add("run.start", {"project": project, "name": "old"})
    for type_, body in bodies.items():
        chain.add(type_, body)
    chain.add("run.end", {"status": "finished", "error": None})
    chain.add("run.delete", {})
    store.append_events(chain.events)
    return chain.run_id


@pytest.fixture
def store(tmp_path: Path) -> SqlStore:
    return SqlStore.open(tmp_path / "store")


def test_an_old_deleted_run_is_purged_and_the_store_audits_nothing_itself(
    store: SqlStore,
) -> None:
    run_id = old_run(store, dataset={"name": "d", "digest": sha("d"), "role": "train",
                                     "direction": "input", "kind": "file"})  # fmt: skip
    keeper = SqlRetention(store)
    assert keeper.protections(run_id) == []
    keeper.purge(run_id)
    with pytest.raises(NotFoundError):
        store.get_run(run_id)
    assert store.catalog.dataset_uses(name="d") == []
    # who purges records it (the CLI: tests/cli/test_local_audit.py), so that a server
    # calling this would not audit its request twice
    assert list(SqlAuditLog(store.database).entries()) == []


def test_recent_runs_are_kept_for_the_log_retention(store: SqlStore) -> None:
    chain = Chain()
    chain.events.clear()
    chain.time = time.time_ns() // 1_000_000
    chain.add("run.start", {"project": "p", "name": "fresh"})
    chain.add("run.end", {"status": "finished", "error": None})
    chain.add("run.delete", {})
    store.append_events(chain.events)
    keeper = SqlRetention(store)
    with pytest.raises(RetentionError, match=r"run logs are kept 6 months \(until 20"):
        keeper.purge(chain.run_id)
    assert store.get_run(chain.run_id)  # still there
    for short in (30, "5m", "182d"):
        with pytest.raises(InvalidValueError, match="at least six months"):
            keeper.set_log_retention(short)
    keeper.set_log_retention(400)
    assert keeper.log_retention() == Period(days=400)


def at(day: str, hour: int = 0) -> int:
    return ms_of_day(dt.date.fromisoformat(day)) + hour * 3_600_000


@pytest.mark.parametrize(
    ("setting", "ended", "last_kept", "free"),
    [
        (None, "2026-08-31", "2027-02-28", "2027-03-01"),  # six calendar months: a month end
        (None, "2026-07-01", "2026-12-31", "2027-01-02"),  # 184 days
        ("183d", "2026-07-01", "2026-12-31", "2027-01-02"),  # never under six months
        ("183d", "2026-08-31", "2027-03-01", "2027-03-03"),  # 183 days is longer here
        ("1y", "2028-02-29", "2029-02-27", "2029-03-01"),  # a leap day: Feb 28 at noon
    ],
)
def test_log_retention_is_counted_in_calendar_months(
    store: SqlStore, setting: str | None, ended: str, last_kept: str, free: str
) -> None:
    keeper = SqlRetention(store)
    if setting is not None:
        keeper.set_log_retention(setting)
    chain = Chain()
    chain.events.clear()
    chain.time = at(ended, 12)
    chain.add("run.start", {"project": "p", "name": "calendar"})
    chain.add("run.end", {"status": "finished", "error": None})
    chain.add("run.delete", {})
    store.append_events(chain.events)
    assert [p.kind for p in keeper.protections(chain.run_id, now=at(last_kept, 12))] == [
        "log-retention"
    ]
    keeper.purge(chain.run_id, now=at(free))


def test_market_periods_are_calendar_years(store: SqlStore, tmp_path: Path) -> None:
    chain = Chain()
    chain.events.clear()
    chain.add("run.start", {"project": "p", "name": "train"})
    model = {"name": "clf", "digest": sha("m"), "flavor": "directory", "format": "files",
             "path": "models/clf", "files": [{"path": "m.bin", "sha256": sha("w"), "size": 1}],
             "meta": {}}  # fmt: skip
    chain.add("model", model)
    chain.add("run.end", {"status": "finished", "error": None})
    store.append_events(chain.events)
    for _ in range(2):
        store.catalog.create_version("leap", chain.run_id, "clf", "alice")
    keeper = SqlRetention(store)
    until = keeper.place_on_market("leap", 1, "alice", placed_at=at("2028-02-29", 9), years=1)
    assert until == at("2029-02-28", 9)
    assert keeper.placement("leap", 1).retention_days == 365  # type: ignore[union-attr]
    body = store.catalog.registry_history("leap")[-1].body
    assert (body["years"], body["until"]) == (1, until)
    placed = CliRunner().invoke(main, ["retention", "market", "leap", "2", "--date",
                                       "2026-12-01", "--dir", str(tmp_path / "store")])  # fmt: skip
    assert "its evidence is kept until 2036-12-01" in placed.output, placed.output
    assert keeper.placement("leap", 2).until == at("2036-12-01")  # type: ignore[union-attr]


def test_the_lineage_of_a_version_on_the_market_is_kept_ten_years(store: SqlStore) -> None:
    files = [{"path": "m.bin", "sha256": sha("w"), "size": 1}]
    prep = old_run(store, dataset={"name": "clean", "digest": sha("c"), "role": "train",
                                   "direction": "output", "kind": "file"})  # fmt: skip
    chain = Chain()
    chain.time = OLD
    chain.events.clear()
    chain.add("run.start", {"project": "p", "name": "train"})
    chain.add("dataset", {"name": "clean", "digest": sha("c"), "role": "train",
                          "direction": "input", "kind": "file"})  # fmt: skip
    model = {"name": "clf", "digest": sha("m"), "flavor": "directory", "format": "files",
             "path": "models/clf", "files": files, "meta": {}}  # fmt: skip
    chain.add("model", model)
    chain.add("run.end", {"status": "finished", "error": None})
    store.append_events(chain.events)
    store.catalog.create_version("credit", chain.run_id, "clf", "alice")
    keeper = SqlRetention(store)
    until = keeper.place_on_market("credit", 1, "alice", placed_at=OLD + 1000, reason="release 1")
    assert until > OLD + 10 * 365 * 86_400_000
    with pytest.raises(
        RetentionError, match=r"lineage of credit v1, placed on the market \(until 2030"
    ):
        keeper.purge(prep)  # the run that made the training data
    history = store.catalog.registry_history("credit")
    assert history[-1].type == "version.market" and history[-1].body["reason"] == "release 1"
    with pytest.raises(InvalidValueError, match="already on the market"):
        keeper.place_on_market("credit", 1, "alice")


def test_a_legal_hold_blocks_until_released(store: SqlStore, tmp_path: Path) -> None:
    run_id = old_run(store, project="legal")
    keeper = SqlRetention(store)
    hold = keeper.hold("project:legal", "case 2026-114", "cli:dana")
    with pytest.raises(RetentionError, match="case 2026-114"):
        keeper.purge(run_id)
    where = ["--dir", str(tmp_path / "store")]
    listed = CliRunner().invoke(main, ["retention", "holds", *where])
    assert hold.id in listed.output and "case 2026-114" in listed.output
    refused = CliRunner().invoke(main, ["retention", "purge", run_id, *where])
    assert refused.exit_code == 2 and "legal hold" in refused.output
    released = CliRunner().invoke(main, ["retention", "release", hold.id, "--reason", "closed",
                                         *where])  # fmt: skip
    assert released.exit_code == 0, released.output
    done = CliRunner().invoke(main, ["retention", "purge", run_id, *where])
    assert done.exit_code == 0 and f"purged {run_id}" in done.output
    assert keeper.holds(active_only=False)[0].released_by is not None


@pytest.fixture(params=["sqlite", "postgres"])
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    """An empty SQL store on SQLite, and on PostgreSQL."""
    if request.param == "sqlite":
        yield SqlStore.open(tmp_path / "store")
        return
    with fresh_database() as url:
        opened = SqlStore.connect(url, LocalArtifactStore(tmp_path / "artifacts"))
        yield opened
        opened.close()


def test_the_evaluation_run_of_a_marketed_version_is_kept_on_both_databases(
    sql_store: SqlStore,
) -> None:
    """The finding, at the store level: the run holding the evaluation (the test report and
    the declared accuracy) of a version on the market is refused once its logs expire."""
    train = Chain()
    train.time = OLD
    model = {"name": "clf", "digest": sha("m"), "flavor": "directory", "format": "files",
             "path": "models/clf", "files": [{"path": "m.bin", "sha256": sha("w"), "size": 1}],
             "meta": {}}  # fmt: skip
    train.add("model", model)
    train.add("run.end", {"status": "finished", "error": None})
    sql_store.append_events(train.events)
    sql_store.catalog.create_version("credit", train.run_id, "clf", "alice")
    keeper = SqlRetention(sql_store)
    until = keeper.place_on_market("credit", 1, "alice", placed_at=OLD)
    evaluation = {"id": "eval_" + sha("e")[:20], "started_at": OLD, "task": "binary", "n": 10,
                  "status": "pass", "target": "model:credit/1", "verdicts": [], "limitations": [],
                  "metrics": {"accuracy": {"value": 0.9, "low": 0.8, "high": 0.95}},
                  "result": {"path": "evaluations/r.json", "sha256": sha("r")}}  # fmt: skip
    evaluating = Chain()
    evaluating.time = OLD + 10
    evaluating.add("evaluation", evaluation)
    evaluating.add("run.end", {"status": "finished", "error": None})
    evaluating.add("run.delete", {})
    sql_store.append_events(evaluating.events)
    now = OLD + 183 * 86_400_000 + 86_400_000  # the log retention has run out
    with pytest.raises(RetentionError, match=r"the run of evaluation eval_\w+ of credit v1, "
                       r"placed on the market \(until 2030-09-13\)"):  # fmt: skip
        keeper.purge(evaluating.run_id, now=now)
    assert [e.id for e in sql_store.catalog.evaluations("model:credit/1")] == [evaluation["id"]]
    keeper.purge(evaluating.run_id, now=until + 1)  # ten years on: it may go
    assert sql_store.catalog.evaluations("model:credit/1") == []
