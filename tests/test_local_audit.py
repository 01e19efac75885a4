"""Changes made through ``trackrecord.Api`` on an embedded store go to its audit log, refused
attempts included; through a server, only the server records them (once)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import trackrecord
from tests.server_thread import serving
from trackrecord.errors import (
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
    RunLockedError,
    StoreError,
)
from trackrecord.local_audit import LocalAudit
from trackrecord.sdk import active
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.audit import SqlAuditLog

Entry = tuple[str, str, str, int]


@pytest.fixture(autouse=True)
def as_ada(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The local user is "ada" (the audit log names ``local:ada``)."""
    for variable in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(variable, "ada")
    yield
    for run in list(active._runs):
        run.finish()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A store whose run "train" logged the model "clf" (a file)."""
    weights = tmp_path / "weights.bin"
    weights.write_bytes(b"\x00" * 16)
    with trackrecord.init("p", name="train", dir=tmp_path / "store", capture=False) as run:
        run.log_model(str(weights), "clf", flavor="directory")
    return tmp_path / "store"


def entries(store: Path | SqlStore) -> list[Entry]:
    opened = store if isinstance(store, SqlStore) else SqlStore.open(store)
    log = SqlAuditLog(opened.database)
    assert log.verify() == []  # the chain holds, local entries and all
    return [(e.actor, e.action, e.target, e.status) for e in log.entries()]


def test_run_changes_are_audited_as_the_local_user_refusals_too(store: Path) -> None:
    with trackrecord.Api(dir=store) as api:
        run_id = api.runs()[0].id
        api.set_tags(run_id[:8], {"stage": "dev"})  # a prefix: the entry names the whole id
        api.rename(run_id, "baseline")
        api.set_notes(run_id, "first try")
        api.delete(run_id)
        api.restore(run_id)
        with pytest.raises(InvalidValueError):
            api.rename(run_id, "")
        with pytest.raises(NotFoundError):
            api.delete("0123456789abcdefghjkmnpqrs")
        live = trackrecord.init("p", dir=store, capture=False)
        with pytest.raises(RunLockedError):
            api.set_notes(live.id, "not while it runs")
        live.finish()
        assert api.run(run_id).name == "baseline"
    assert entries(store) == [
        ("local:ada", "runs.tag", run_id, 200),
        ("local:ada", "runs.edit", run_id, 200),
        ("local:ada", "runs.edit", run_id, 200),
        ("local:ada", "runs.delete", run_id, 200),
        ("local:ada", "runs.restore", run_id, 200),
        ("local:ada", "runs.edit", run_id, 400),
        ("local:ada", "runs.delete", "0123456789abcdefghjkmnpqrs", 404),
        ("local:ada", "runs.edit", live.id, 423),
    ]


def test_registry_changes_are_audited_with_the_servers_action_names(store: Path) -> None:
    with trackrecord.Api(dir=store) as api:
        run_id = api.runs()[0].id
        assert api.register_model(f"runs:/{run_id}/clf", "churn").version == 1
        api.register_model(f"runs:/{run_id}/clf", "churn")
        api.set_alias("churn", "champion", 1, reason="best so far")
        api.require_signoffs("churn", "production", 1)
        with pytest.raises(PermissionDeniedError, match="sign-off"):
            api.set_alias("churn", "production", 1)
        api.delete_alias("churn", "champion")
        api.update_model("churn", description="the churn model")
        api.update_version("churn", 2, tags={"eval": "holdout"})
        api.deprecate("churn", 1, "trained on leaked labels")
        with pytest.raises(InvalidValueError, match="deprecated"):
            api.set_alias("churn", "champion", 1)
        with pytest.raises(NotFoundError):
            api.register_model(f"runs:/{run_id}/nothing", "churn")
    assert [entry[1:] for entry in entries(store)] == [
        ("models.create_version", "churn", 200),
        ("models.create_version", "churn", 200),
        ("models.set_alias", "churn/champion", 200),
        ("models.set_policy", "churn/production", 200),
        ("models.set_alias", "churn/production", 403),
        ("models.delete_alias", "churn/champion", 200),
        ("models.update", "churn", 200),
        ("models.update_version", "churn/2", 200),
        ("models.update_version", "churn/1", 200),
        ("models.set_alias", "churn/champion", 400),
        ("models.create_version", "churn", 404),
    ]


def test_reads_record_nothing(store: Path) -> None:
    with trackrecord.Api(dir=store) as api:
        run_id = api.runs()[0].id
        api.verify(run_id)
        api.search_runs("status = 'finished'")
        api.registered_models()
    assert entries(store) == []


def test_through_a_server_only_the_server_audits_each_change_once(store: Path) -> None:
    with trackrecord.Api(dir=store) as api:
        run_id = api.runs()[0].id
        api.register_model(f"runs:/{run_id}/clf", "churn")
    served = SqlStore.open(store)
    before = len(entries(served))
    with serving(served) as url, trackrecord.Api(dir=store.parent / "client", uri=url) as remote:
        assert not remote.audit.enabled
        remote.set_alias("churn", "champion", 1)
        with pytest.raises(NotFoundError):
            remote.set_alias("churn", "champion", 9)
        trackrecord.Api.over(served).set_alias("churn", "staging", 1)  # the server's own use
    made = entries(served)[before:]
    assert [(action, target, status) for _, action, target, status in made] == [
        ("models.set_alias", "churn/champion", 200),
        ("models.set_alias", "churn/champion", 404),
    ]
    assert not any(actor.startswith("local:") for actor, *_ in made)


def test_a_failure_is_recorded_as_500_and_a_failing_log_does_not_hide_why(
    tmp_path: Path,
) -> None:
    store = SqlStore.open(tmp_path / "store")
    audit = LocalAudit.for_store(store, actor="local:ada")
    with pytest.raises(ZeroDivisionError), audit.change("runs.delete", "01j"):
        _ = 1 / 0
    assert entries(store) == [("local:ada", "runs.delete", "01j", 500)]
    with store.database.write() as cur:  # the log cannot take entries any more
        cur.execute("DROP TABLE audit_log")
    with pytest.raises(NotFoundError, match="the real reason"), audit.change("runs.delete", "x"):
        raise NotFoundError("the real reason")
    with pytest.raises(StoreError, match="audit log"), audit.change("runs.delete", "x"):
        pass  # done, but unrecorded: said loudly
    silent = LocalAudit(None)
    with silent.change("runs.delete", "x"):
        pass
    assert not silent.enabled
