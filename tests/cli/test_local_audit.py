"""Every change made with the CLI on an embedded store is in its audit log: keys, signing,
aliases, policies, retention, deletes, gc, import. Refused attempts are recorded with the
status a server would answer; ``admin audit`` lists the entries and verifies the chain.
(The admin commands' entries, on SQLite and PostgreSQL: tests/cli/test_admin.py.)"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import trackrecord
from trackrecord.cli import main

Entry = tuple[str, str, int]


@pytest.fixture(autouse=True)
def as_ada(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The local user is "ada"; keys go to this test's own directory."""
    for variable in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(variable, "ada")
    monkeypatch.setenv("TRACKRECORD_KEYS_DIR", str(tmp_path / "keys"))
    yield


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A store whose run logged the model "clf", registered as version 1 of "churn"."""
    weights = tmp_path / "weights.bin"
    weights.write_bytes(b"\x00" * 16)
    with trackrecord.init("p", name="train", dir=tmp_path / "store", capture=False) as run:
        run.log_model(str(weights), "clf", flavor="directory", register="churn")
    return tmp_path / "store"


def tr(store: Path, *args: str, ok: bool = True) -> Result:
    """``trackrecord ARGS --dir STORE``; asserts the exit status (0, or 2 when not *ok*)."""
    result = CliRunner().invoke(main, [*args, "--dir", str(store)])
    assert result.exit_code == (0 if ok else 2), result.output
    return result


def audit_log(store: Path) -> list[Entry]:
    """The entries ``admin audit`` lists (all by ``local:ada``), once the chain verifies."""
    where = ["--store", str(store)]
    verified = CliRunner().invoke(main, ["admin", "audit", "--verify", *where])
    assert verified.exit_code == 0 and "intact" in verified.output, verified.output
    listed = json.loads(CliRunner().invoke(main, ["admin", "audit", "--json", *where]).output)
    assert {(e["actor"], e["source"].startswith("local:")) for e in listed} == {("local:ada", True)}
    return [(e["action"], e["target"], e["status"]) for e in listed]


def test_keys_signing_aliases_and_policies_are_audited(store: Path) -> None:
    made = tr(store, "keys", "create")
    key = re.search(r"Created key (\w+)", made.output).group(1)  # type: ignore[union-attr]
    tr(store, "keys", "revoke", "nosuchkey", ok=False)
    tr(store, "sign", "model", "models:/churn/1")
    tr(store, "sign", "model", "models:/churn/9", ok=False)
    tr(store, "models", "alias", "churn", "champion", "1", "--reason", "first")
    tr(store, "models", "require-signoffs", "churn", "production", "2")
    tr(store, "models", "alias", "churn", "production", "1", ok=False)  # one sign-off of two
    tr(store, "models", "unalias", "churn", "champion")
    tr(store, "models", "update", "churn", "--description", "the churn model")
    tr(store, "models", "deprecate", "churn", "1", "--reason", "leaked labels")
    tr(store, "keys", "revoke", key)
    refused = tr(store, "sign", "model", "models:/churn/1", ok=False)
    assert "revoked" in refused.output or "no key" in refused.output, refused.output
    assert audit_log(store) == [
        ("keys.create", f"ada/{key}", 200),
        ("keys.revoke", "nosuchkey", 404),
        ("signatures.create", f"model:churn/1 (key {key})", 200),
        ("signatures.create", "models:/churn/9", 404),
        ("models.set_alias", "churn/champion", 200),
        ("models.set_policy", "churn/production", 200),
        ("models.set_alias", "churn/production", 403),
        ("models.delete_alias", "churn/champion", 200),
        ("models.update", "churn", 200),
        ("models.update_version", "churn/1", 200),
        ("keys.revoke", key, 200),
        ("signatures.create", "model:churn/1", 404),  # ada has no key that is not revoked
    ]


def test_run_edits_deletes_and_retention_are_audited(store: Path) -> None:
    with trackrecord.Api(dir=store) as api:
        run_id = api.runs()[0].id
    tr(store, "runs", "tag", run_id[:8], "stage=dev")
    tr(store, "runs", "rename", run_id, "baseline")
    tr(store, "runs", "note", run_id, "first try")
    tr(store, "runs", "delete", run_id, "--yes")
    tr(store, "retention", "purge", run_id, ok=False)  # the log retention keeps it
    tr(store, "runs", "restore", run_id)
    tr(store, "retention", "log-period", "1y")
    tr(store, "retention", "log-period", "1d", ok=False)  # Art. 19: at least six months
    held = tr(store, "retention", "hold", f"run:{run_id}", "--reason", "case 7").output
    hold_id = held.split(":")[0]
    tr(store, "retention", "hold", "dataset:x@1", "--reason", "case 8", ok=False)
    tr(store, "retention", "release", hold_id, "--reason", "case closed")
    tr(store, "retention", "market", "churn", "1", "--date", "2026-12-01")
    tr(store, "retention", "keep-data", "churn", "1", __file__, ok=False)  # not its data
    assert audit_log(store) == [
        ("runs.tag", run_id, 200),
        ("runs.edit", run_id, 200),
        ("runs.edit", run_id, 200),
        ("runs.delete", run_id, 200),
        ("runs.purge", run_id, 403),
        ("runs.restore", run_id, 200),
        ("retention.set_log_period", "1y", 200),
        ("retention.set_log_period", "1d", 400),
        ("holds.create", f"run:{run_id} ({hold_id})", 200),
        ("holds.create", "dataset:x@1", 400),
        ("holds.release", f"run:{run_id} ({hold_id})", 200),
        ("retention.market", "churn/1", 200),
        ("retention.keep_documents", "churn/1", 200),  # the documents kept as of now
        ("retention.keep_data", "churn/1", 400),
    ]


def test_gc_and_import_are_audited_and_listings_are_not(store: Path, tmp_path: Path) -> None:
    tr(store, "runs", "ls")
    tr(store, "models", "ls")
    tr(store, "verify", "--all")
    archive = tmp_path / "runs.tar"
    tr(store, "export", "archive", str(archive))
    other = tmp_path / "other"
    tr(other, "import", str(archive))
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(b"not an archive at all")
    assert CliRunner().invoke(main, ["import", str(damaged), "--dir", str(other)]).exit_code
    tr(store, "gc", "--yes", "--min-age", "0")  # nothing to remove: nothing changed
    with trackrecord.Api(dir=store) as api:
        api.store.put_artifact(io.BytesIO(b"no run names these bytes"))
    tr(store, "gc", "--yes", "--min-age", "0")
    assert audit_log(store) == [("artifacts.gc", "1 contents, 24 bytes freed", 200)]
    assert audit_log(other) == [
        ("runs.import", "runs.tar: 1 run", 200),
        ("runs.import", "damaged.tar", 400),
    ]
