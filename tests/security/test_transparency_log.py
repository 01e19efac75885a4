"""Nothing vanishes unnoticed: each attack on a store's chains is named by the transparency
log's checks (``verify --all``) or by a checkpoint kept outside the store
(``verify --checkpoint``), on SQLite and PostgreSQL; an untampered store verifies clean
and a purged run is explained by its ledger event."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.compliance.mutations import Raw
from tests.pg import fresh_database
from tests.store.conftest import Chain, pts
from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.cli import main
from trackrecord.compliance.verify_log import checkpoint_problems, log_problems
from trackrecord.compliance.verify_store import verify_store
from trackrecord.record.events import Event
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.audit import SqlAuditLog
from trackrecord.store.sql.retention import SqlRetention
from trackrecord.store.sql.transparency_log import SqlNodes
from trackrecord.transparency.checkpoint import (
    SignedCheckpoint,
    parse_checkpoint,
    write_checkpoint_file,
)
from trackrecord.transparency.keys import CheckpointKey, store_checkpoint_key
from trackrecord.transparency.leaves import ChainHead
from trackrecord.transparency.merkle import verify_consistency, verify_inclusion
from trackrecord.transparency.tree import Frontier

_RUN_TABLES = ("events", "params", "tags", "metric_summaries", "metric_chunks", "runs")


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    """An empty store on each database."""
    if request.param == "sqlite":
        opened = SqlStore.open(tmp_path / "store")
        yield opened
        opened.close()
        return
    with fresh_database() as url:
        opened = SqlStore.connect(url, LocalArtifactStore(tmp_path / "artifacts"))
        yield opened
        opened.close()


def _run(store: SqlStore, events: int = 4) -> Chain:
    chain = Chain("p", config={"lr": 0.1})
    for step in range(events):
        chain.add("metrics", {}, {"loss": pts([step], [1.0 / (step + 1)])})
    store.append_events(chain.events)
    return chain


def _key(store: SqlStore, tmp_path: Path) -> CheckpointKey:
    return store_checkpoint_key(store.log.store_id(), tmp_path / "keys")


def _logged(store: SqlStore, tmp_path: Path) -> tuple[Chain, SignedCheckpoint, CheckpointKey]:
    """A run, a registry chain, the audit log; all logged, and a checkpoint of them."""
    chain = _run(store)
    store.catalog.create_model("m", "p", "ada")
    store.catalog.update_model("m", "ada", description="second event")
    audit = SqlAuditLog(store.database)
    for action in ("users.create", "roles.grant", "tokens.create"):
        audit.append("root", action, "alice", "127.0.0.1", 200)
    key = _key(store, tmp_path)
    return chain, store.log.checkpoint(key), key


def _details(store: SqlStore, key: str | None = None) -> str:
    return "\n".join(str(p) for p in verify_store(store, public_key=key).all_problems())


def test_an_untampered_store_verifies_clean(store: SqlStore, tmp_path: Path) -> None:
    _, signed, key = _logged(store, tmp_path)
    _run(store)  # more after the checkpoint: the log extends it
    assert _details(store, key.public_key) == ""
    store.log.flush()
    assert checkpoint_problems(store.database, signed, key.public_key) == []
    assert log_problems(store.database, key.public_key) == []


def test_a_deleted_run_is_reported(store: SqlStore, tmp_path: Path) -> None:
    chain, signed, key = _logged(store, tmp_path)
    raw = Raw(store)
    for table in _RUN_TABLES:
        raw.execute(f"DELETE FROM {table} WHERE {'id' if table == 'runs' else 'run_id'} = ?",
                    [chain.run_id])  # fmt: skip
    raw.close()
    details = _details(store)
    assert f"run chain {chain.run_id}: event 5 was logged" in details
    assert "no longer stored" in details
    assert any(chain.run_id in str(p) for p in checkpoint_problems(store.database, signed,
                                                                    key.public_key))  # fmt: skip


def test_the_last_events_of_a_run_deleted_with_its_head_moved_back_are_reported(
    store: SqlStore, tmp_path: Path
) -> None:
    chain, _, _ = _logged(store, tmp_path)
    raw = Raw(store)
    raw.execute("DELETE FROM events WHERE run_id = ? AND seq > 3", [chain.run_id])
    raw.execute("DELETE FROM metric_chunks WHERE run_id = ?", [chain.run_id])
    raw.execute("DELETE FROM metric_summaries WHERE run_id = ?", [chain.run_id])
    raw.execute("UPDATE runs SET head_seq = 3, head_hash = ? WHERE id = ?",
                [chain.events[2].hash, chain.run_id])  # fmt: skip
    raw.close()
    details = _details(store)
    assert f"run chain {chain.run_id}: event 5 was logged" in details
    assert "deleted or truncated" in details


def test_the_last_registry_event_deleted_is_reported(store: SqlStore, tmp_path: Path) -> None:
    _, _, _ = _logged(store, tmp_path)
    first = store.catalog.registry_chain("m")[0]
    raw = Raw(store)
    raw.execute("DELETE FROM registry_events WHERE model = 'm' AND seq = 2")
    raw.execute("UPDATE registered_models SET head_seq = 1, head_hash = ?, description = NULL "
                "WHERE name = 'm'", [first.hash])  # fmt: skip
    raw.close()
    assert "registry chain registry:m: event 2 was logged" in _details(store)


def test_the_audit_log_tail_deleted_is_reported(store: SqlStore, tmp_path: Path) -> None:
    _logged(store, tmp_path)
    raw = Raw(store)
    raw.execute("DELETE FROM audit_log WHERE seq > 1")
    raw.close()
    assert "audit chain audit: event 3 was logged" in _details(store)


def _rehash(store: SqlStore, chain: Chain) -> str:
    """Edit the run's config and re-hash its chain with the public algorithm, as whoever
    can write the database can; the new head hash."""
    raw = Raw(store)
    prev, events = None, []
    for event in chain.events:
        body = {**event.body, "config": {"lr": 0.9}} if event.seq == 1 else event.body
        rebuilt = Event.build(event.run_id, event.seq, event.type, event.time,
                              prev or event.prev, body, event.points)  # fmt: skip
        events.append(rebuilt)
        prev = rebuilt.hash
    for event in events:
        body = json.dumps(event.body, sort_keys=True, separators=(",", ":"))
        raw.execute("UPDATE events SET body = ?, prev_hash = ?, hash = ? WHERE run_id = ? AND "
                    "seq = ?", [body, event.prev, event.hash, event.run_id, event.seq])  # fmt: skip
    raw.execute("UPDATE params SET value = '0.9', num = 0.9 WHERE run_id = ?", [chain.run_id])
    raw.execute("UPDATE runs SET head_hash = ? WHERE id = ?", [events[-1].hash, chain.run_id])
    raw.close()
    return events[-1].hash


def test_a_run_chain_rehashed_is_reported_by_the_log(store: SqlStore, tmp_path: Path) -> None:
    chain, _, _ = _logged(store, tmp_path)
    _rehash(store, chain)
    details = _details(store)
    assert f"run chain {chain.run_id}: event 5" in details and "rewritten" in details


def _rebuild_log(store: SqlStore, chain: Chain, digest: str) -> None:
    """Rewrite the log to agree with a re-hashed chain (the hashing is public), and drop
    the store's own checkpoints: only a checkpoint kept outside can tell."""
    raw = Raw(store)
    raw.execute("UPDATE log_leaves SET hash = ? WHERE chain = ?", [digest, chain.run_id])
    rows = raw.execute("SELECT kind, chain, seq, hash, time FROM log_leaves ORDER BY idx")
    nodes = Frontier().extend(ChainHead(*row).leaf_hash() for row in rows)
    raw.execute("DELETE FROM log_nodes")
    raw.execute("DELETE FROM log_checkpoints")
    raw.close()
    with store.database.write() as cur:
        SqlNodes(cur).write_nodes(nodes)


def test_a_chain_rehashed_with_the_log_rebuilt_fails_the_kept_checkpoint(
    store: SqlStore, tmp_path: Path
) -> None:
    chain, signed, key = _logged(store, tmp_path)
    _rebuild_log(store, chain, _rehash(store, chain))
    assert log_problems(store.database) == []  # the log agrees with the chains now...
    problems = [str(p) for p in checkpoint_problems(store.database, signed, key.public_key)]
    assert any("removed or rewritten" in p for p in problems), problems  # ...not with C


def test_a_store_rolled_back_to_an_older_copy_fails_the_later_checkpoint(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "store"
    store = SqlStore.open(directory)
    _logged(store, tmp_path)
    store.close()
    shutil.copy(directory / "trackrecord.db", tmp_path / "older.db")
    store = SqlStore.open(directory)
    _run(store)
    key = _key(store, tmp_path)
    later = store.log.checkpoint(key)
    store.close()
    shutil.copy(tmp_path / "older.db", directory / "trackrecord.db")
    store = SqlStore.open(directory)
    try:
        assert _details(store) == ""  # the older copy is consistent in itself
        problems = [str(p) for p in checkpoint_problems(store.database, later, key.public_key)]
        assert any("rolled back" in p for p in problems), problems
    finally:
        store.close()


def test_an_altered_checkpoint_file_is_reported(store: SqlStore, tmp_path: Path) -> None:
    _, signed, key = _logged(store, tmp_path)
    fields = json.loads(signed.to_text())
    fields["size"] -= 1
    altered = parse_checkpoint(json.dumps(fields))
    problems = [str(p) for p in checkpoint_problems(store.database, altered, key.public_key)]
    assert any("altered or forged" in p for p in problems), problems


def test_a_checkpoint_signed_by_another_key_is_reported(store: SqlStore, tmp_path: Path) -> None:
    _, _, key = _logged(store, tmp_path)
    other = store_checkpoint_key(store.log.store_id(), tmp_path / "forger")
    forged = store.log.checkpoint(other)
    problems = [str(p) for p in checkpoint_problems(store.database, forged, key.public_key)]
    assert any(f"signed by key {other.id}" in p for p in problems), problems
    # the store's copy of it is named by verify --all too, with the trusted key
    assert f"signed by key {other.id}" in _details(store, key.public_key)


def test_a_purged_run_is_explained_not_reported(store: SqlStore, tmp_path: Path) -> None:
    _, signed, key = _logged(store, tmp_path)
    gone = Chain("p")
    gone.add("run.end", {"status": "finished"})
    gone.add("run.delete", {})
    store.append_events(gone.events)
    store.log.flush()  # its head is logged before the purge
    SqlRetention(store).purge(gone.run_id, now=4_000_000_000_000)
    assert _details(store, key.public_key) == ""
    later = store.log.checkpoint(key)
    assert checkpoint_problems(store.database, later, key.public_key) == []
    assert checkpoint_problems(store.database, signed, key.public_key) == []


# -- the command line ------------------------------------------------------------------


def test_checkpoint_and_verify_checkpoint_commands(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    store = SqlStore.open(directory)
    chain = _run(store)
    store.close()
    runner = CliRunner()
    printed = runner.invoke(main, ["checkpoint", "--dir", str(directory)])
    assert printed.exit_code == 0, printed.output
    assert parse_checkpoint(printed.output).checkpoint.size == 1
    pem = runner.invoke(main, ["checkpoint", "--public-key", "--dir", str(directory)])
    assert pem.output.startswith("-----BEGIN PUBLIC KEY-----")
    (tmp_path / "store.pem").write_text(pem.output)
    out = tmp_path / "kept.json"
    assert runner.invoke(main, ["checkpoint", "--out", str(out), "--dir", str(directory)]
                         ).exit_code == 0  # fmt: skip
    args = ["verify", "--checkpoint", str(out), "--public-key", str(tmp_path / "store.pem"),
            "--dir", str(directory)]  # fmt: skip
    clean = runner.invoke(main, args)
    assert clean.exit_code == 0 and "VERIFIED" in clean.output, clean.output
    store = SqlStore.open(directory)
    raw = Raw(store)
    raw.execute("DELETE FROM events WHERE run_id = ?", [chain.run_id])
    raw.close()
    store.close()
    failed = runner.invoke(main, args)
    assert failed.exit_code == 1 and f"run chain {chain.run_id}" in failed.output, failed.output
    every = runner.invoke(main, ["verify", "--all", "--dir", str(directory)])
    assert every.exit_code == 1 and "no longer stored" in every.output
    both = runner.invoke(main, [*args, "--all"])  # the log check and the checkpoint's agree:
    assert both.exit_code == 1 and both.output.count("no longer stored") == 1, both.output


def test_verify_checkpoint_refuses_a_forged_file_and_an_unknown_key(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    store = SqlStore.open(directory)
    _run(store)
    key = store_checkpoint_key(store.log.store_id())
    signed = store.log.checkpoint(key)
    store.close()
    fields = json.loads(signed.to_text())
    fields["root"] = "0" * 64
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(fields))
    runner = CliRunner()
    result = runner.invoke(main, ["verify", "--checkpoint", str(forged), "--dir", str(directory)])
    assert result.exit_code == 1 and "altered or forged" in result.output, result.output
    other = store_checkpoint_key("elsewhere", tmp_path / "k")
    stranger = tmp_path / "stranger.json"
    from trackrecord.transparency.checkpoint import Checkpoint, sign_checkpoint

    write_checkpoint_file(stranger, sign_checkpoint(Checkpoint("elsewhere", 0, "0" * 64, 1), other))
    unknown = runner.invoke(main, ["verify", "--checkpoint", str(stranger), "--dir",
                                   str(directory)])  # fmt: skip
    assert unknown.exit_code == 2 and "--public-key" in unknown.output
    garbage = tmp_path / "garbage.json"
    garbage.write_text("not json")
    bad = runner.invoke(main, ["verify", "--checkpoint", str(garbage), "--dir", str(directory)])
    assert bad.exit_code == 2 and "is JSON; this one is not" in bad.output, bad.output


def test_a_server_issues_checkpoints_periodically(store: SqlStore, tmp_path: Path) -> None:
    key = _key(store, tmp_path)
    stop = store.log.issue_every(key, 0.05)
    try:
        _run(store)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not store.log.checkpoints():
            time.sleep(0.02)
    finally:
        stop.set()
    issued = store.log.checkpoints()
    assert issued and issued[-1].key_id == key.id
    assert checkpoint_problems(store.database, issued[-1], key.public_key) == []


def test_a_damaged_log_gets_a_report_not_a_crash(store: SqlStore, tmp_path: Path) -> None:
    _, signed, key = _logged(store, tmp_path)
    raw = Raw(store)
    raw.execute("DROP TABLE log_nodes")
    raw.close()
    problems = [str(p) for p in checkpoint_problems(store.database, signed, key.public_key)]
    assert problems and "cannot read the log" in problems[0]
    assert "cannot check the transparency log" in _details(store)


def test_verify_while_writers_write_reports_nothing(store: SqlStore, tmp_path: Path) -> None:
    """The log check reads every table as of one time: heads that move and pending heads
    logged meanwhile are no false alarm (issue 15: verify a live team server)."""
    chain = _run(store, events=1)
    key = _key(store, tmp_path)
    audit = SqlAuditLog(store.database)
    stop, failures = threading.Event(), []

    def write() -> None:
        try:
            while not stop.is_set():
                step = len(chain.events)
                chain.add("metrics", {}, {"loss": pts([step], [1.0 / step])})
                store.append_events(chain.events[-1:])
                audit.append("root", "runs.log", chain.run_id, "127.0.0.1", 200)
                store.log.flush()  # pending heads move into the log, again and again
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        found: list[str] = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not found:
            found = [str(p) for p in log_problems(store.database, key.public_key)]
    finally:
        stop.set()
        writer.join()
    assert not failures
    assert found == []
    assert len(chain.events) > 20, "the writer wrote too little to tell"
    assert checkpoint_problems(store.database, store.log.checkpoint(key), key.public_key) == []


def test_checkpoint_prints_proofs_an_auditor_checks_with_hashes_only(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    store = SqlStore.open(directory)
    first = _run(store)
    store.close()
    runner = CliRunner()
    kept = tmp_path / "kept.json"
    assert runner.invoke(main, ["checkpoint", "--out", str(kept), "--dir", str(directory)]
                         ).exit_code == 0  # fmt: skip
    store = SqlStore.open(directory)
    _run(store)
    _run(store)
    store.close()
    proved = runner.invoke(main, ["checkpoint", "--prove", f"run:{first.run_id}", "--since",
                                  str(kept), "--dir", str(directory)])  # fmt: skip
    assert proved.exit_code == 0, proved.output
    answer = json.loads(proved.output)
    root, size = bytes.fromhex(answer["checkpoint"]["root"]), answer["checkpoint"]["size"]
    leaf = ChainHead.decode(json.dumps({k: v for k, v in answer["leaf"].items()
                                        if k != "leaf_hash"}, sort_keys=True,
                                       separators=(",", ":")).encode())  # fmt: skip
    assert (leaf.chain, leaf.seq, leaf.hash) == (first.run_id, 5, first.events[-1].hash)
    inclusion = answer["inclusion"]
    assert inclusion["size"] == size == 3
    path = [bytes.fromhex(h) for h in inclusion["path"]]
    assert verify_inclusion(leaf.leaf_hash(), inclusion["index"], size, path, root)
    assert not verify_inclusion(leaf.leaf_hash(), inclusion["index"], size, path, b"\0" * 32)
    old = json.loads(kept.read_text())
    consistency = answer["consistency"]
    assert (consistency["old_size"], consistency["new_size"]) == (old["size"], size)
    hashes = [bytes.fromhex(h) for h in consistency["path"]]
    assert verify_consistency(old["size"], size, bytes.fromhex(old["root"]), root, hashes)
    for wrong in ("run:", "model:m", "runs"):
        refused = runner.invoke(main, ["checkpoint", "--prove", wrong, "--dir", str(directory)])
        assert refused.exit_code == 2 and "run:RUN_ID, registry:MODEL" in refused.output
    absent = runner.invoke(main, ["checkpoint", "--prove", "registry:none", "--dir",
                                  str(directory)])  # fmt: skip
    assert absent.exit_code == 2 and "hold no head of registry" in absent.output
