"""`verify_model` and `trackrecord verify models:/NAME/VERSION`: every chain, byte and
signature behind a version, with the failure named."""

from __future__ import annotations

import base64
import os
import sqlite3
from pathlib import Path

from tests.signing.conftest import Recorded, create_key, invoke
from trackrecord.cli import main
from trackrecord.cli.sign import sign
from trackrecord.compliance.verify_model import ModelVerification, verify_model


def check(recorded: Recorded) -> ModelVerification:
    with recorded.api() as api:
        return verify_model(api.store, "credit", 1)


def failed(report: ModelVerification) -> list[tuple[str, str]]:
    return [(c.kind, c.target) for c in report.failures]


def test_an_intact_version_verifies_and_the_summary_lists_each_check(recorded: Recorded) -> None:
    create_key("ada")
    invoke(sign, ["model", "models:/credit/1"])
    invoke(sign, ["evaluation", recorded.evaluation_id])
    report = check(recorded)
    assert report.ok, report.summary()
    kinds = {(c.kind, c.target) for c in report.checks}
    assert {("run", f"run:{recorded.train_run}"), ("run", f"run:{recorded.evaluation_run}"),
            ("registry", "registry:credit"), ("dataset", "dataset:credit/train@1"),
            ("model", "model:credit/1"), ("signature", "model:credit/1"),
            ("signature", f"evaluation:{recorded.evaluation_id}")} <= kinds  # fmt: skip
    summary = report.summary()
    assert summary.startswith("models:/credit/1 (digest ") and "VERIFIED" in summary
    assert "train.csv re-hashed" in summary and "manifest digest matches" in summary
    assert report.to_dict()["ok"] is True and len(report.to_dict()["checks"]) == len(kinds)
    result = invoke(main, ["verify", "models:/credit/1"])
    assert result.exit_code == 0 and "1 model versions verified, 0 failed" in result.output


def test_an_altered_model_file_is_named(recorded: Recorded) -> None:
    with recorded.api() as api:
        files = api.model_version("credit", 1).files
    weights = max(files, key=lambda f: f["size"])
    stored = recorded.store / "artifacts" / "sha256" / weights["sha256"][:2] / weights["sha256"]
    os.chmod(stored, 0o644)
    content = bytearray(stored.read_bytes())
    content[len(content) // 2] ^= 1
    stored.write_bytes(bytes(content))
    report = check(recorded)
    assert ("model", "model:credit/1") in failed(report)
    assert f"{weights['path']} (altered)" in report.summary()
    result = invoke(main, ["verify", "models:/credit/1"])
    assert result.exit_code == 1 and "FAILED" in result.output


def test_an_altered_run_event_is_named(recorded: Recorded) -> None:
    with sqlite3.connect(recorded.store / "trackrecord.db") as conn:
        conn.execute(
            "UPDATE events SET body = replace(body, '\"clf\"', '\"clf-x\"') "
            "WHERE run_id = ? AND type = 'model'",
            (recorded.train_run,),
        )
    report = check(recorded)
    assert failed(report) == [("run", f"run:{recorded.train_run}")]
    assert "does not match its hash" in report.failures[0].detail


def test_an_altered_signature_is_named(recorded: Recorded) -> None:
    create_key("ada")
    invoke(sign, ["model", "models:/credit/1"])
    with sqlite3.connect(recorded.store / "trackrecord.db") as conn:
        (stored,) = conn.execute("SELECT signature FROM signatures").fetchone()
        raw = bytearray(base64.b64decode(stored))
        raw[0] ^= 0x80
        conn.execute("UPDATE signatures SET signature = ?", (base64.b64encode(raw).decode(),))
    report = check(recorded)  # the ledger's view no longer matches it, and the signature fails
    assert failed(report) == [("ledger", "ledger"), ("signature", "model:credit/1")]
    assert "signatures" in report.failures[0].detail and "signature is" in report.failures[0].detail
    assert "by ada" in report.failures[1].detail and "does not verify" in report.summary()


def test_a_changed_dataset_fails_and_a_missing_one_is_only_reported(
    recorded: Recorded, tmp_path: Path
) -> None:
    original = recorded.data_file.read_bytes()  # the template's file: put back afterwards
    away = tmp_path / "train.csv"
    try:
        recorded.data_file.write_bytes(original + b"1,2,3\n")
        assert failed(check(recorded)) == [("dataset", "dataset:credit/train@1")]
        recorded.data_file.rename(away)
        report = check(recorded)
    finally:
        away.replace(recorded.data_file) if away.exists() else None
        recorded.data_file.write_bytes(original)
    skipped = [c.target for c in report.checks if c.skipped]
    in_memory, gone = "dataset:credit/reference@1", "dataset:credit/train@1"
    assert report.ok and skipped == [in_memory, gone]
    assert "not reachable" in report.summary()
