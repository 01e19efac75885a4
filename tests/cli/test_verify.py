"""``trackrecord verify``: OK for an intact run, FAILED at the event someone altered."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

import trackrecord
from trackrecord.cli import main
from trackrecord.store.codec import decode_points, encode_points


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "store"


def logged_run(store: Path) -> trackrecord.Run:
    """A run whose metric points arrive in two metrics events."""
    with trackrecord.init("cli", dir=store, capture=False, config={"lr": 0.1}) as run:
        for step in range(10):
            run.log({"loss": 1.0 / (step + 1)})
        run.flush()
        for step in range(10, 20):
            run.log({"loss": 1.0 / (step + 1)})
        run.log_text("notes.txt", "hello")
    return run


def verify(*args: str) -> Result:
    return CliRunner().invoke(main, ["verify", *args])


def seq_of_point(store: Path, run_id: str, key: str, index: int) -> int:
    """The seq of the metrics event that holds point *index* of *key*."""
    with trackrecord.Api(dir=store) as api:
        seen = 0
        for event in api.events(run_id):
            seen += len(event.points.get(key, ()))
            if seen > index:
                return event.seq
    raise AssertionError(f"no point {index} of {key}")


def tamper_with_point(store: Path, run_id: str, key: str, index: int) -> None:
    """Change one stored metric value directly in SQLite, as an attacker would."""
    with sqlite3.connect(store / "trackrecord.db") as db:
        rows = db.execute(
            "SELECT first_index, count, points FROM metric_chunks WHERE run_id = ? AND key = ?",
            (run_id, key),
        ).fetchall()
        for first_index, count, blob in rows:
            if first_index <= index < first_index + count:
                steps, values, times = decode_points(blob)
                values = values.copy()
                values[index - first_index] += 0.001
                db.execute(
                    "UPDATE metric_chunks SET points = ? WHERE run_id = ? AND key = ? AND "
                    "first_index = ?",
                    (encode_points(steps, values, times), run_id, key, first_index),
                )
                return
    raise AssertionError(f"no chunk holds point {index} of {key}")


def test_an_intact_run_is_ok(store: Path) -> None:
    run = logged_run(store)
    result = verify(run.id, "--dir", str(store))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"OK: run {run.id}")
    with trackrecord.Api(dir=store) as api:
        assert api.run(run.id).head_hash in result.output


def test_a_prefix_of_the_id_is_enough(store: Path) -> None:
    run = logged_run(store)
    result = verify(run.id[:20], "--dir", str(store))
    assert result.exit_code == 0, result.output
    assert run.id in result.output


@pytest.mark.parametrize("index", [3, 15])
def test_a_tampered_metric_value_fails_at_its_event(store: Path, index: int) -> None:
    run = logged_run(store)
    expected_seq = seq_of_point(store, run.id, "loss", index)
    tamper_with_point(store, run.id, "loss", index)
    with trackrecord.Api(dir=store) as api:
        changed = api.metric_history(run.id, "loss").values[index]
    assert not np.isclose(changed, 1.0 / (index + 1), rtol=0, atol=1e-9)  # the tamper took

    result = verify(run.id, "--dir", str(store))
    assert result.exit_code == 1, result.output
    assert "FAILED" in result.output
    assert f"event {expected_seq}" in result.output
    assert run.id in result.output


def test_only_the_tampered_run_fails(store: Path) -> None:
    good, bad = logged_run(store), logged_run(store)
    tamper_with_point(store, bad.id, "loss", 0)
    result = verify(good.id, bad.id, "--dir", str(store))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[0].startswith(f"OK: run {good.id}")
    assert lines[1].startswith(f"FAILED: run {bad.id}")


def test_json_output_parses(store: Path) -> None:
    good, bad = logged_run(store), logged_run(store)
    seq = seq_of_point(store, bad.id, "loss", 12)
    tamper_with_point(store, bad.id, "loss", 12)
    result = verify("--json", good.id, bad.id, "--dir", str(store))
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert [(r["run_id"], r["ok"]) for r in lines] == [(good.id, True), (bad.id, False)]
    assert lines[0]["bad_seq"] is None and lines[0]["problem"] is None
    assert lines[0]["events"] >= 4
    assert lines[1]["bad_seq"] == seq
    assert "metrics" in lines[1]["problem"]


def test_a_changed_artifact_fails_and_no_artifacts_skips_that_check(store: Path) -> None:
    run = logged_run(store)
    with trackrecord.Api(dir=store) as api:
        (record,) = api.artifacts(run.id)
    blob = store / "artifacts" / "sha256" / record.sha256[:2] / record.sha256
    blob.chmod(0o644)
    blob.write_bytes(b"HELLO")
    result = verify(run.id, "--dir", str(store))
    assert result.exit_code == 1
    assert "notes.txt" in result.output
    assert verify(run.id, "--dir", str(store), "--no-artifacts").exit_code == 0


def test_an_unknown_run_is_a_usage_error(store: Path) -> None:
    logged_run(store)
    result = verify("01m8cvyv2qdqdwy2pq0380m6jf", "--dir", str(store))
    assert result.exit_code == 2
    assert "01m8cvyv2qdqdwy2pq0380m6jf" in result.output
    assert "Traceback" not in result.output


def test_a_directory_without_a_store_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = verify("01m8cvyv2qdqdwy2pq0380m6jf", "--dir", str(tmp_path / "empty"))
    assert result.exit_code == 2
    assert "no TrackRecord store" in result.output or "trackrecord.db" in result.output


def test_a_run_id_is_required() -> None:
    result = verify()
    assert result.exit_code == 2
    assert "RUN_ID" in result.output


def test_the_installed_command(store: Path) -> None:
    run = logged_run(store)
    script = Path(sys.executable).with_name("trackrecord")  # the [project.scripts] entry point
    assert script.is_file(), f"{script} is missing; reinstall with pip install -e ."
    done = subprocess.run(
        [str(script), "verify", run.id],
        env={"PATH": "/usr/bin:/bin", "TRACKRECORD_DIR": str(store)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"OK: run {run.id}")


def test_all_runs_with_one_tampered_exits_1_and_counts(store: Path) -> None:
    good, bad = logged_run(store), logged_run(store)
    with trackrecord.init("other", dir=store, capture=False) as gone:
        gone.log({"x": 1.0})
    with trackrecord.Api(dir=store) as api:
        api.delete(gone.id)  # deleted runs are verified too
    tamper_with_point(store, bad.id, "loss", 5)
    result = verify("--all", "--dir", str(store))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[-1] == (
        "3 runs verified, 1 failed; registries, ledger, audit log and store tables: 0 problems"
    )
    assert lines[:-1] == [line for line in lines[:-1] if line.startswith(f"FAILED: run {bad.id}")]
    assert len(lines) == 2 and good.id not in result.output  # only failures, then the count
    assert "Verifying" not in result.output  # no progress bar off a terminal

    records = [
        json.loads(line)
        for line in verify("--all", "--json", "--dir", str(store)).stdout.splitlines()
    ]
    assert sorted((r["run_id"], r["ok"]) for r in records[:-1]) == sorted(
        [(good.id, True), (bad.id, False), (gone.id, True)]
    )
    assert records[-1] == {"kind": "store", "ok": True, "problems": []}  # the other chains


def test_a_project(store: Path) -> None:
    run = logged_run(store)
    with trackrecord.init("elsewhere", dir=store, capture=False) as other:
        other.log({"x": 1.0})
    result = verify("--project", "cli", "--dir", str(store))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 runs verified, 0 failed"
    assert run.id not in result.output and other.id not in result.output
    assert verify("--project", "nope", "--dir", str(store)).exit_code == 2


def test_ids_and_all_together_are_a_usage_error(store: Path) -> None:
    run = logged_run(store)
    result = verify(run.id, "--all", "--dir", str(store))
    assert result.exit_code == 2 and "--all" in result.output
