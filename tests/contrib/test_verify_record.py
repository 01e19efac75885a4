"""contrib/verify_record.py, run as an auditor would (a fresh interpreter that cannot import
TrackRecord), passes the stores the SDK writes and names each kind of tampering."""

from __future__ import annotations

import ast
import base64
import json
import random
import re
import sqlite3
import sys
import tarfile
from pathlib import Path
from types import ModuleType

import numpy as np

from tests.contrib.conftest import Recorded
from tests.contrib.verifier import SCRIPT, run_here, run_isolated
from trackrecord.signing import export_public_pem, generate_key
from trackrecord.store.codec import decode_points, encode_points


def db(recorded: Recorded) -> sqlite3.Connection:
    return sqlite3.connect(recorded.db, isolation_level=None)


def problems(*args: str | Path) -> list[str]:
    """The verifier's problem lines; it must have found some, and said so cleanly."""
    done = run_isolated(*args)
    assert done.stderr == "", done.stderr  # no traceback, whatever the damage
    assert done.returncode == 1, done.stdout
    *lines, summary = done.stdout.splitlines()
    assert summary.startswith(f"FAILED: {len(lines)} problems")
    return [line.removeprefix("PROBLEM ") for line in lines]


def found(lines: list[str], pattern: str) -> bool:
    return any(re.fullmatch(pattern, line) for line in lines)


def broken_signoff(meaning: str, target: str) -> str:
    """The line of a sign-off whose record's chain the verifier found broken."""
    return (
        rf"sign-off sig_\w+ \({meaning} of {target} by ada\): the signed record's chain is "
        rf"broken \(see above\)"
    )


def test_a_store_the_sdk_wrote_verifies(template: Recorded) -> None:
    for source in (template.store, template.db):
        done = run_isolated(source, "--public-key", template.public_key)
        assert (done.returncode, done.stderr) == (0, ""), done.stdout
        assert done.stdout.startswith("OK (2 runs, ")
        assert re.search(r"33260 points, 1 registry, \d+ audit, 3 sign-offs\)", done.stdout)


def test_an_export_archive_verifies(template: Recorded) -> None:
    done = run_isolated(template.archive)
    assert (done.returncode, done.stderr) == (0, ""), done.stdout
    assert re.fullmatch(
        r"OK \(2 runs, \d+ events, 33260 points, 0 registry, 0 audit, 0 sign-offs\)\n", done.stdout
    )


def test_the_verifier_imports_only_the_standard_library_and_cryptography() -> None:
    tree = ast.parse(SCRIPT.read_text(encoding="utf-8"))
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        for name in (
            [a.name for a in node.names] if isinstance(node, ast.Import)
            else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        )
    }  # fmt: skip
    assert imported - set(sys.stdlib_module_names) - {"__future__"} == {"cryptography"}


def _chunk(conn: sqlite3.Connection, key: str, first: int) -> tuple[bytes, bytes]:
    row = conn.execute(
        "SELECT points, lod FROM metric_chunks WHERE key = ? AND first_index = ?", (key, first)
    ).fetchone()
    return bytes(row[0]), bytes(row[1])


def _set_chunk(conn: sqlite3.Connection, key: str, first: int, column: str, value: bytes) -> None:
    conn.execute(
        f"UPDATE metric_chunks SET {column} = ? WHERE key = ? AND first_index = ?",
        (value, key, first),
    )


def test_an_edited_point_is_named_by_its_event(recorded: Recorded) -> None:
    with db(recorded) as conn:
        steps, values, times = decode_points(_chunk(conn, "loss", 32768)[0])
        values = values.copy()
        values[5] += 1e-12  # inside a group of the level of detail: only the point changes
        _set_chunk(conn, "loss", 32768, "points", encode_points(steps, values, times))
    lines = problems(recorded.store)
    assert len(lines) == 2
    assert found(
        lines, rf"run {recorded.run} event \d+: its content does not match its hash \(metrics "
        r"altered\)"
    )  # fmt: skip
    assert found(lines, broken_signoff("test", f"run:{recorded.run}"))


def test_a_damaged_chunk_is_named_and_its_points_are_missing(recorded: Recorded) -> None:
    with db(recorded) as conn:
        blob = bytearray(_chunk(conn, "acc", 0)[0])
        blob[-20] ^= 0xFF
        _set_chunk(conn, "acc", 0, "points", bytes(blob))
    lines = problems(recorded.db)
    assert found(lines, rf"run {recorded.run} metric 'acc' chunk at point 0: cannot be decoded: .+")
    assert found(lines, rf"run {recorded.run} event \d+: has \d+ points of 'acc'; \d+ stored")


def test_a_rewritten_level_of_detail_is_named(recorded: Recorded) -> None:
    with db(recorded) as conn:
        lod = bytearray(_chunk(conn, "loss", 0)[1])
        groups = len(lod) // 56
        column = np.frombuffer(bytes(lod[48 * groups :]), "<f8") * 1000  # max, drawn 1,000x
        lod[48 * groups :] = column.astype("<f8").tobytes()
        _set_chunk(conn, "loss", 0, "lod", bytes(lod))
    (line,) = problems(recorded.store)
    assert line.startswith(
        f"run {recorded.run} metric 'loss' chunk at point 0: its level of detail says (0, 511, "
    )


def test_a_changed_step_range_is_named(recorded: Recorded) -> None:
    with db(recorded) as conn:
        conn.execute("UPDATE metric_chunks SET step_max = 99999 WHERE key = 'reverse'")
    assert problems(recorded.store) == [
        f"run {recorded.run} metric 'reverse' chunk at point 0: its row says 200 points from 0, "
        f"steps 801..99999; it holds 200 from 0, steps 801..1000"
    ]


def test_fake_points_appended_to_a_series_are_named(recorded: Recorded) -> None:
    fake = np.arange(33_000, 33_010, dtype=np.int64)
    with db(recorded) as conn:
        conn.execute(
            "INSERT INTO metric_chunks (run_id, key, first_index, count, step_min, step_max, "
            "points, lod) VALUES (?, 'loss', 33000, 10, 33000, 33009, ?, x'')",
            (recorded.run, encode_points(fake, np.full(10, 0.001), fake)),
        )
    assert problems(recorded.store) == [
        f"run {recorded.run} metric 'loss': 33010 points stored, 33000 logged"
    ]


def test_an_edited_event_body_is_named(recorded: Recorded) -> None:
    with db(recorded) as conn:
        conn.execute("UPDATE events SET body = replace(body, 'audit', 'prod') WHERE type = 'tags'")
        (seq,) = conn.execute("SELECT seq FROM events WHERE type = 'tags'").fetchone()
    lines = problems(recorded.store)
    assert lines[0] == (
        f"run {recorded.run} event {seq}: its content does not match its hash (tags altered)"
    )
    assert len(lines) == 2 and found(lines[1:], broken_signoff("test", f"run:{recorded.run}"))


def test_a_deleted_event_is_named(recorded: Recorded) -> None:
    with db(recorded) as conn:
        (seq,) = conn.execute("SELECT seq FROM events WHERE type = 'tags'").fetchone()
        conn.execute("DELETE FROM events WHERE type = 'tags'")
    lines = problems(recorded.store)
    assert lines[:2] == [
        f"run {recorded.run}: event {seq} is missing (the next stored one is {seq + 1})",
        f"run {recorded.run} event {seq + 1}: its prev does not link to the event before it",
    ]


def test_a_deleted_last_event_leaves_the_recorded_head_behind(recorded: Recorded) -> None:
    run = recorded.evaluation_run
    with db(recorded) as conn:
        (last,) = conn.execute("SELECT max(seq) FROM events WHERE run_id = ?", (run,)).fetchone()
        conn.execute("DELETE FROM events WHERE run_id = ? AND seq = ?", (run, last))
    line, signoff = problems(recorded.store)
    assert re.fullmatch(
        rf"run {run}: its recorded head \({last}, '[0-9a-f]{{64}}'\) is not its last event "
        rf"\({last - 1}, '[0-9a-f]{{64}}'\)",
        line,
    )
    assert re.fullmatch(broken_signoff("review", f"evaluation:{recorded.evaluation}"), signoff)


def test_a_changed_signature_is_named(recorded: Recorded) -> None:
    with db(recorded) as conn:
        (stored,) = conn.execute(
            "SELECT signature FROM signatures WHERE target LIKE 'model:%'"
        ).fetchone()
        raw = bytearray(base64.b64decode(stored))
        raw[10] ^= 1
        conn.execute(
            "UPDATE signatures SET signature = ? WHERE target LIKE 'model:%'",
            (base64.b64encode(raw).decode(),),
        )
        conn.execute("UPDATE signatures SET meaning = 'approve' WHERE meaning = 'test'")
    lines = problems(recorded.store)
    assert [line.split(": ", 1)[1] for line in lines] == [
        "the signature does not verify (it or its signed fields were altered)"
    ] * 2
    assert found(lines, r"sign-off sig_\w+ \(approve of model:credit/1 by ada\): .*")
    assert found(lines, rf"sign-off sig_\w+ \(approve of run:{recorded.run} by ada\): .*")


def test_a_signed_record_altered_after_signing_is_named(recorded: Recorded) -> None:
    with db(recorded) as conn:
        conn.execute(
            "UPDATE registry_events SET body = replace(body, '\"clf\"', '\"clf2\"') "
            "WHERE type = 'version.create'"
        )
    lines = problems(recorded.store)
    assert "registry:credit event 2: its content does not match its hash (version.create " \
        "altered)" in lines  # fmt: skip
    assert found(lines, r"sign-off \w+ \(approve of model:credit/1 by ada\): the signed "
                 r"record's chain is broken \(see above\)")  # fmt: skip


def test_a_signature_by_a_key_the_auditor_does_not_trust_is_named(
    recorded: Recorded, tmp_path: Path
) -> None:
    other = tmp_path / "other.pem"
    other.write_text(export_public_pem(generate_key(tmp_path / "keys").public_key))
    lines = problems(recorded.store, "--public-key", other)
    assert len(lines) == 3
    assert all(re.fullmatch(r"sign-off .+: key [0-9a-f]{16} is not known, or is not the key "
                            r"its id names", line) for line in lines)  # fmt: skip


def test_an_altered_or_deleted_audit_entry_is_named(recorded: Recorded) -> None:
    with db(recorded) as conn:
        conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
        conn.execute("DELETE FROM audit_log WHERE seq = 1")
    assert problems(recorded.store) == [
        "audit log entry 2: does not follow entry 0",
        "audit log entry 2: its content does not match its hash",
    ]


def _content(root: Path, data: bytes) -> Path:
    (path,) = [p for p in root.glob("artifacts/sha256/*/*") if p.read_bytes() == data]
    return path


def test_altered_artifact_bytes_are_named(recorded: Recorded) -> None:
    path = _content(recorded.store, b"the report\n")
    path.write_bytes(b"another report\n")
    assert problems(recorded.store) == [
        f"run {recorded.run} artifact 'report.txt': its content does not hash to {path.name}"
    ]
    assert run_isolated(recorded.db).returncode == 0  # the database alone has no artifacts


def _patch_member(archive: Path, name: str, at: int, change: bytes) -> None:
    with tarfile.open(archive) as tar:
        offset = tar.getmember(name).offset_data
    with archive.open("r+b") as handle:
        handle.seek(offset + at)
        handle.write(change)


def test_a_damaged_archive_frame_is_named(recorded: Recorded) -> None:
    _patch_member(recorded.archive, f"runs/{recorded.run}.events", 40, b"X")
    lines = problems(recorded.archive)
    assert f"run {recorded.run}: a damaged record frame at byte 0 of its events" in lines
    assert found(lines, rf"run {recorded.run}: its recorded head \(\d+, '[0-9a-f]{{64}}'\) is not "
                 r"its last event \(0, '0{64}'\)")  # fmt: skip


def test_altered_artifact_bytes_in_an_archive_are_named(recorded: Recorded) -> None:
    with tarfile.open(recorded.archive) as tar:
        for member in tar.getmembers():
            handle = tar.extractfile(member)
            if handle is not None and handle.read() == b"the report\n":
                name = member.name
    _patch_member(recorded.archive, name, 0, b"T")
    assert problems(recorded.archive) == [
        f"run {recorded.run} artifact 'report.txt': its content does not hash to "
        f"{name.rsplit('/', 1)[1]}"
    ]


def test_a_store_too_damaged_to_read_is_reported_not_raised(
    recorded: Recorded, tmp_path: Path
) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database" * 100)
    done = run_isolated(garbage)
    assert (done.returncode, done.stderr) == (2, "")
    assert done.stdout.startswith(f"CANNOT VERIFY {garbage}: DatabaseError: ")
    assert run_isolated(tmp_path / "missing").returncode == 2

    with db(recorded) as conn:
        conn.execute("DROP TABLE metric_chunks")
        conn.execute("UPDATE events SET body = '{not json' WHERE type = 'run.end'")
    lines = problems(recorded.store)
    assert found(lines, r"run \w+: cannot be checked \(OperationalError: no such table: "
                 r"metric_chunks\)")  # fmt: skip
    assert found(lines, broken_signoff("test", f"run:{recorded.run}"))


def test_a_checkpoints_logged_heads_are_checked_against_the_chains(
    recorded: Recorded, verifier: ModuleType
) -> None:
    """The extension point for the transparency log: a head the log holds must still be in
    its chain. Cutting a run's last events and moving its recorded head back leaves the
    chains consistent; only the logged head tells."""
    report = verifier.Report()
    chains = verifier.verify(recorded.store, [], report)
    run = recorded.evaluation_run
    _, events = chains[run]
    leaves = [
        {"kind": "run", "chain": run, "seq": len(events), "hash": events[-1][2]},
        {"kind": "registry", "chain": "registry:credit", "seq": 1,
         "hash": chains["registry:credit"][1][0][2]},
        {"kind": "audit", "chain": "audit", "seq": 3, "hash": chains["audit"][1][2][2]},
    ]  # fmt: skip
    verifier.check_logged_heads(chains, leaves, report)
    assert report.problems == []

    kept = next(seq for seq, (type_, _, _) in enumerate(events, 1) if type_ == "evaluation")
    with db(recorded) as conn:
        conn.execute("DELETE FROM events WHERE run_id = ? AND seq > ?", (run, kept))
        conn.execute("UPDATE runs SET head_seq = ?, head_hash = ? WHERE id = ?",
                     (kept, events[kept - 1][2], run))  # fmt: skip
    report = verifier.Report()
    chains = verifier.verify(recorded.store, [], report)
    assert report.problems == []  # what the chains alone cannot show
    verifier.check_logged_heads(chains, leaves, report)
    assert report.problems == [
        f"log leaf of {run}: event {len(events)} ({events[-1][2][:12]}) is gone"
    ]


def test_a_run_that_borrows_a_registry_chain_id_is_named(recorded: Recorded) -> None:
    """A registry event copied into a "run" named like the registry chain hashes the same:
    only the run id's form tells them apart."""
    with db(recorded) as conn:
        conn.execute(
            "INSERT INTO events (run_id, seq, type, time, body, points, prev_hash, hash) "
            "SELECT 'registry:' || model, seq, type, time, body, NULL, prev_hash, hash "
            "FROM registry_events WHERE seq = 1"
        )
    assert problems(recorded.store) == [
        "run registry:credit: its id is not a run id (26 lowercase Crockford base32 digits)",
        "run registry:credit: has events but no row in the runs table",
    ]


def test_random_damage_is_reported_never_raised(
    template: Recorded, verifier: ModuleType, tmp_path: Path
) -> None:
    """Bytes of the database or the archive overwritten at random: the verifier says what
    it found, or that it cannot read the input, and raises nothing."""
    rng = random.Random(15)
    statuses = set()
    for attempt in range(40):
        source = template.db if attempt % 2 else template.archive
        data = bytearray(source.read_bytes())
        for _ in range(rng.choice([1, 5, 30])):
            data[rng.randrange(len(data))] = rng.randrange(256)
        damaged = tmp_path / f"damaged{source.suffix}"
        damaged.write_bytes(bytes(data))
        status, _ = run_here(verifier, damaged)
        statuses.add(status)
    assert statuses <= {0, 1, 2} and 1 in statuses


def test_a_kept_checkpoint_is_checked_against_the_store(recorded: Recorded, tmp_path: Path) -> None:
    """With a checkpoint kept outside and the store's checkpoint key, the verifier checks the
    signature, the log's root and each chain's last logged head; cutting a run's last events
    and moving its head back, which the chains alone cannot show, is named."""
    from trackrecord.store.sql import SqlStore
    from trackrecord.transparency.checkpoint import write_checkpoint_file
    from trackrecord.transparency.keys import store_checkpoint_key

    store = SqlStore.open(recorded.store)
    key = store_checkpoint_key(store.log.store_id(), tmp_path / "keys")
    write_checkpoint_file(tmp_path / "kept.json", store.log.checkpoint(key))
    store.close()
    (tmp_path / "key.pem").write_text(key.public_pem())
    args = ("--checkpoint", tmp_path / "kept.json", "--checkpoint-key", tmp_path / "key.pem")
    done = run_isolated(recorded.store, *args)
    assert (done.returncode, done.stderr) == (0, ""), done.stdout

    run = recorded.evaluation_run
    with db(recorded) as conn:
        ((seq, digest),) = conn.execute(
            "SELECT seq, hash FROM events WHERE run_id = ? ORDER BY seq DESC LIMIT 1 OFFSET 1",
            (run,),
        ).fetchall()
        conn.execute("DELETE FROM events WHERE run_id = ? AND seq > ?", (run, seq))
        conn.execute("UPDATE runs SET head_seq = ?, head_hash = ? WHERE id = ?", (seq, digest, run))
    lines = problems(recorded.store, *args)
    assert found(lines, rf"log leaf of {run}: event {seq + 1} \(\w+\) is gone"), lines
    forged = json.loads((tmp_path / "kept.json").read_text())
    forged["size"] -= 1
    (tmp_path / "kept.json").write_text(json.dumps(forged))
    assert found(problems(recorded.store, *args), r"checkpoint kept.json: its signature .*")
