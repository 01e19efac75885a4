"""Retention and legal hold: purges refuse what the law keeps, say why and until when, and are
audited."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.store.conftest import Chain
from trackrecord.cli import main
from trackrecord.errors import InvalidValueError, NotFoundError, RetentionError
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


def test_an_old_deleted_run_is_purged_and_the_purge_audited(store: SqlStore) -> None:
    run_id = old_run(store, dataset={"name": "d", "digest": sha("d"), "role": "train",
                                     "direction": "input", "kind": "file"})  # fmt: skip
    keeper = SqlRetention(store)
    assert keeper.protections(run_id) == []
    keeper.purge(run_id, "cli:alice")
    with pytest.raises(NotFoundError):
        store.get_run(run_id)
    assert store.catalog.dataset_uses(name="d") == []
    entries = [
        (e.actor, e.action, e.target, e.status) for e in SqlAuditLog(store.database).entries()
    ]
    assert ("cli:alice", "runs.purge", run_id, 200) in entries


def test_recent_runs_are_kept_for_the_log_retention(store: SqlStore) -> None:
    chain = Chain()
    chain.events.clear()
    chain.time = time.time_ns() // 1_000_000
    chain.add("run.start", {"project": "p", "name": "fresh"})
    chain.add("run.end", {"status": "finished", "error": None})
    chain.add("run.delete", {})
    store.append_events(chain.events)
    keeper = SqlRetention(store)
    with pytest.raises(RetentionError, match=r"run logs are kept 183 days \(until 20"):
        keeper.purge(chain.run_id, "cli:bob")
    assert store.get_run(chain.run_id)  # still there
    entries = [(e.action, e.status) for e in SqlAuditLog(store.database).entries()]
    assert ("runs.purge", 403) in entries
    with pytest.raises(InvalidValueError, match="at least six months"):
        keeper.set_log_retention_days(30, "cli:bob")
    keeper.set_log_retention_days(400, "cli:bob")
    assert keeper.log_retention_days() == 400


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
        keeper.purge(prep, "cli:carol")  # the run that made the training data
    history = store.catalog.registry_history("credit")
    assert history[-1].type == "version.market" and history[-1].body["reason"] == "release 1"
    with pytest.raises(InvalidValueError, match="already on the market"):
        keeper.place_on_market("credit", 1, "alice")


def test_a_legal_hold_blocks_until_released(store: SqlStore, tmp_path: Path) -> None:
    run_id = old_run(store, project="legal")
    keeper = SqlRetention(store)
    hold = keeper.hold("project:legal", "case 2026-114", "cli:dana")
    with pytest.raises(RetentionError, match="case 2026-114"):
        keeper.purge(run_id, "cli:dana")
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
