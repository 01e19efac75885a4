"""``log_model(register=...)`` never raises into training: offline, server down, server refusing.

Each case runs a real training script (every logging call of a run, then
``log_model(register=...)``) in a child process and asserts that it exits 0,
says once why the model is not registered yet, and that the run is finished. Queued
registrations are then applied by ``trackrecord sync`` (or by the run's writer, once
the store answers), and applying them again makes no second version.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

import trackrecord
from tests.pg import fresh_database
from tests.server_thread import free_port, serving
from tests.store.conftest import Chain
from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.cli import main
from trackrecord.server.settings import ServerSettings
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.accounts import SqlAccounts
from trackrecord.workspace import Workspace

TRAINING = """
import sys, trackrecord
model, project, folder = sys.argv[1:4]
with trackrecord.init(project, dir=folder, capture=False) as run:
    run.log_params({"lr": 0.1})
    run.set_tags({"team": "vision"})
    run.notes = "every SDK call a training script makes"
    run.log({"loss": 0.5})
    run.log_text("notes.txt", "hello")
    run.log_json("config.json", {"depth": 3})
    run.log_artifact(model + "/weights.bin")
    run.log_dataset(model + "/weights.bin", "weights", role="train")
    run.log_model(model, "clf", register="m")
    run.log({"loss": 0.25})
print(run.id, run.status)
"""

SRC = str(Path(trackrecord.__file__).resolve().parents[1])


@dataclass
class Trained:
    """What the training script did: its exit code, the run, and what it said."""

    code: int
    run_id: str
    status: str
    stderr: str

    def warnings_about_registering(self) -> int:
        return self.stderr.count("TrackRecordWarning: log_model")


def train(tmp_path: Path, project: str = "vision", **env: str) -> Trained:
    model = tmp_path / "model"
    model.mkdir(exist_ok=True)
    (model / "weights.bin").write_bytes(b"weights" * 10)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TRACKRECORD_")}
    environ.update(env, PYTHONPATH=SRC)
    child = subprocess.run(
        [sys.executable, "-c", TRAINING, str(model), project, str(tmp_path / "client")],
        env=environ, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    run_id, status = [*child.stdout.split(), "", ""][:2]
    return Trained(child.returncode, run_id, status, child.stderr)


def sync(tmp_path: Path, uri: str, token: str | None = None) -> str:
    env = {"TRACKRECORD_TOKEN": token} if token else {}
    result = CliRunner().invoke(
        main, ["sync", "--dir", str(tmp_path / "client"), "--uri", uri], env=env
    )
    assert result.exit_code == 0, result.output
    return result.output


def versions_of(store: SqlStore, run_id: str) -> list[int]:
    return [v.version for v in store.catalog.model_versions("m") if v.run_id == run_id]


@pytest.fixture(params=["sqlite", "postgresql"])
def server_store(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[SqlStore]:
    """The store the server serves: embedded SQLite, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        store = SqlStore.open(tmp_path / "server")
        yield store
        store.close()
        return
    with fresh_database() as url:
        store = SqlStore.connect(url, LocalArtifactStore(tmp_path / "artifacts"))
        yield store
        store.close()


def test_offline_the_registration_waits_and_sync_applies_it_once(
    tmp_path: Path, server_store: SqlStore
) -> None:
    trained = train(tmp_path, TRACKRECORD_MODE="offline")
    assert trained.code == 0, trained.stderr
    assert trained.status == "finished"
    assert trained.warnings_about_registering() == 1, trained.stderr
    assert "the run is offline" in trained.stderr
    with serving(server_store) as url:
        output = sync(tmp_path, url)
        assert "m registered as version 1" in output
        sync(tmp_path, url)
    assert versions_of(server_store, trained.run_id) == [1]
    assert server_store.get_run(trained.run_id).status == "finished"


def test_with_the_server_down_the_registration_waits_and_sync_applies_it_once(
    tmp_path: Path, server_store: SqlStore
) -> None:
    port = free_port()
    trained = train(tmp_path, TRACKRECORD_URI=f"http://127.0.0.1:{port}")
    assert trained.code == 0, trained.stderr
    assert trained.status == "finished"
    assert trained.warnings_about_registering() == 1, trained.stderr
    assert "the store does not answer" in trained.stderr
    with serving(server_store, port=port) as url:
        sync(tmp_path, url)
        sync(tmp_path, url)
        sync(tmp_path, url)
    assert versions_of(server_store, trained.run_id) == [1]
    assert server_store.get_run(trained.run_id).status == "finished"


def hold_m_in_nlp(store: SqlStore) -> None:
    """Register 'm' in project nlp, so that any other project's registration is refused."""
    chain = Chain("nlp")
    body = {"name": "clf", "digest": "ab" * 32, "flavor": "directory", "format": "files",
            "path": "models/clf", "meta": {},
            "files": [{"path": "model.bin", "sha256": "cd" * 32, "size": 3}]}  # fmt: skip
    chain.add("model", body)
    store.append_events(chain.events)
    store.catalog.create_version("m", chain.run_id, "clf", "root")


@dataclass
class Team:
    url: str
    store: SqlStore
    tokens: dict[str, str]


def team_store(path: Path) -> tuple[SqlStore, dict[str, str]]:
    """A store with auth: alice edits vision, bob views vision; 'm' belongs to project nlp."""
    store = SqlStore.open(path)
    accounts = SqlAccounts(store.database)
    accounts.create_user("root", admin=True)
    for name, role in (("alice", "editor"), ("bob", "viewer")):
        accounts.create_user(name)
        accounts.grant(name, "vision", role)
    hold_m_in_nlp(store)
    return store, {name: accounts.create_token(name)[1] for name in ("alice", "bob")}


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    """:func:`team_store`, served."""
    store, tokens = team_store(tmp_path / "team")
    with serving(ServerSettings.for_store(store)) as url:
        yield Team(url, store, tokens)
    store.close()


def test_a_refused_registration_warns_once_and_the_run_finishes(tmp_path: Path, team: Team) -> None:
    trained = train(tmp_path, TRACKRECORD_URI=team.url, TRACKRECORD_TOKEN=team.tokens["alice"])
    assert trained.code == 0, trained.stderr
    assert trained.status == "finished"
    assert trained.warnings_about_registering() == 1, trained.stderr
    assert "refused" in trained.stderr
    assert f"trackrecord models register {trained.run_id} clf --name m" in trained.stderr
    assert team.store.get_run(trained.run_id).status == "finished"
    assert versions_of(team.store, trained.run_id) == []
    assert not (tmp_path / "client" / "spool" / trained.run_id).exists()


def test_a_token_that_may_not_write_the_project_does_not_fail_training(
    tmp_path: Path, team: Team
) -> None:
    trained = train(tmp_path, TRACKRECORD_URI=team.url, TRACKRECORD_TOKEN=team.tokens["bob"])
    assert trained.code == 0, trained.stderr
    assert trained.status == "finished"
    assert trained.warnings_about_registering() <= 1, trained.stderr
    assert versions_of(team.store, trained.run_id) == []


def test_the_writer_applies_a_waiting_registration_when_the_server_comes_back(
    tmp_path: Path, server_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("TRACKRECORD_URI", f"http://127.0.0.1:{port}")
    monkeypatch.delenv("TRACKRECORD_STRICT", raising=False)  # the store was away: survived
    model = tmp_path / "model"
    model.mkdir()
    (model / "weights.bin").write_bytes(b"weights")
    run = trackrecord.init("vision", dir=tmp_path / "client", capture=False)
    with pytest.warns(trackrecord.TrackRecordWarning, match="registering it as 'm' waits"):
        run.log_model(str(model), "clf", register="m")
    with serving(server_store, port=port):
        run.finish()
        assert versions_of(server_store, run.id) == [1]
    assert server_store.get_run(run.id).status == "finished"
    assert not (tmp_path / "client" / "spool" / run.id).exists()


def test_sync_reports_a_refused_registration_and_still_sends_the_run(
    tmp_path: Path, team: Team
) -> None:
    trained = train(tmp_path, TRACKRECORD_MODE="offline")
    assert trained.code == 0, trained.stderr
    result = CliRunner().invoke(
        main, ["sync", "--dir", str(tmp_path / "client"), "--uri", team.url],
        env={"TRACKRECORD_TOKEN": team.tokens["alice"]},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"the model 'clf' of run {trained.run_id} is not registered as 'm'" in result.output
    assert f"trackrecord models register {trained.run_id} clf --name m" in result.output
    assert team.store.get_run(trained.run_id).status == "finished"
    assert versions_of(team.store, trained.run_id) == []
    assert not (tmp_path / "client" / "spool" / trained.run_id).exists()


def test_recovery_by_the_next_process_warns_of_a_refused_registration(
    tmp_path: Path,
) -> None:
    port = free_port()
    store, tokens = team_store(tmp_path / "team")
    uri, token = f"http://127.0.0.1:{port}", tokens["alice"]
    trained = train(tmp_path, TRACKRECORD_URI=uri, TRACKRECORD_TOKEN=token)
    assert trained.code == 0, trained.stderr
    refused = pytest.warns(trackrecord.TrackRecordWarning, match="is not registered as 'm'")
    with serving(ServerSettings.for_store(store), port=port) as url, refused:
        Workspace.open(tmp_path / "client", uri=url, token=token).close()
    assert store.get_run(trained.run_id).status == "finished"
    assert versions_of(store, trained.run_id) == []
    assert not (tmp_path / "client" / "spool" / trained.run_id).exists()
    store.close()


def test_offline_on_the_embedded_store_sync_registers_once(tmp_path: Path) -> None:
    trained = train(tmp_path, TRACKRECORD_MODE="offline")
    assert trained.code == 0, trained.stderr
    for _ in range(2):
        result = CliRunner().invoke(main, ["sync", "--dir", str(tmp_path / "client")])
        assert result.exit_code == 0, result.output
    store = SqlStore.open(tmp_path / "client")
    try:
        assert versions_of(store, trained.run_id) == [1]
        assert store.get_run(trained.run_id).status == "finished"
    finally:
        store.close()
