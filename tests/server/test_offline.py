"""Offline mode: a run stays on local disk, touches no network, and `trackrecord sync` sends it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import trackrecord
from tests.server_thread import serving
from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.cli import main
from trackrecord.store.sql import SqlStore


@pytest.fixture
def listener() -> Iterator[tuple[str, socket.socket]]:
    """A port that accepts TCP connections and answers nothing: any connection attempt shows."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        sock.setblocking(False)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", sock


def connections(sock: socket.socket) -> int:
    count = 0
    while True:
        try:
            sock.accept()[0].close()
        except BlockingIOError:
            return count
        count += 1


def log_offline(client: Path, **init: str) -> trackrecord.Run:
    with trackrecord.init("offline", dir=client, config={"lr": 0.1}, capture=False, **init) as run:
        run.log_text("notes.txt", "written offline")
        for step in range(500):
            run.log({"loss": 1.0 / (step + 1)}, step=step)
    return run


def sync(client: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["sync", "--dir", str(client), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_an_offline_run_makes_no_network_attempt_and_sync_sends_it_once(
    tmp_path: Path, listener: tuple[str, socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    uri, sock = listener
    monkeypatch.setenv("TRACKRECORD_URI", uri)  # ignored offline
    monkeypatch.setenv("TRACKRECORD_MODE", "offline")
    client = tmp_path / "client"
    run = log_offline(client)
    assert connections(sock) == 0
    spool = client / "spool" / run.id
    assert (spool / "offline").exists() and list(spool.glob("*.log"))
    assert len(list(LocalArtifactStore(client / "outbox").digests())) == 1
    with pytest.raises(trackrecord.ConfigurationError, match="offline"):
        run.workspace.store.get_run(run.id)

    monkeypatch.delenv("TRACKRECORD_MODE")
    backend = SqlStore.open(tmp_path / "server")
    with serving(backend) as server:
        # opening a workspace recovers dead writers' spools, but leaves offline runs to sync
        with trackrecord.Api(dir=client, uri=server) as api:
            assert api.search_runs().rows == []
        assert list(spool.glob("*.log"))

        output = sync(client, "--uri", server)
        assert f"run {run.id} (offline): sent" in output and "synced 1 run" in output
        assert not spool.exists()
        assert list(LocalArtifactStore(client / "outbox").digests()) == []  # sent: not needed
        assert "synced 0 runs" in sync(client, "--uri", server)  # nothing left: nothing resent

        with trackrecord.Api(uri=server, dir=client) as api:
            record = api.run(run.id)
            assert record.status == "finished" and record.params == {"lr": 0.1}
            loss = api.metric_history(run.id, "loss")
            np.testing.assert_array_equal(loss.steps, np.arange(500))
            with api.open_artifact(run.id, "notes.txt") as handle:
                assert handle.read() == b"written offline"
            assert api.verify(run.id).ok
    assert backend.get_run(run.id).head_seq == len(list(backend.read_events(run.id)))
    assert connections(sock) == 0
    backend.close()


def test_an_offline_run_syncs_to_the_embedded_store(tmp_path: Path) -> None:
    client = tmp_path / "client"
    run = log_offline(client, mode="offline")
    with pytest.raises(trackrecord.ConfigurationError, match="offline wait for `trackrecord sync"):
        trackrecord.Api(dir=client)  # no store until synced
    assert f"run {run.id} (offline): sent" in sync(client)
    with trackrecord.Api(dir=client) as api:
        assert api.run(run.id).status == "finished"
        assert api.verify(run.id).ok


@pytest.mark.parametrize(
    ("env", "argument", "message"),
    [
        ("ofline", None, "TRACKRECORD_MODE='ofline' is not a logging mode; use one of: online, "),
        (None, "remote", "mode='remote' is not a logging mode; use one of: online, offline"),
    ],
)
def test_an_unknown_mode_names_the_choices(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    env: str | None,
    argument: str | None,
    message: str,
) -> None:
    if env is not None:
        monkeypatch.setenv("TRACKRECORD_MODE", env)
    with pytest.raises(trackrecord.ConfigurationError, match=message):
        trackrecord.init("p", dir=tmp_path, capture=False, mode=argument)
    assert not (tmp_path / "spool").exists()


def test_mode_names_ignore_case_and_online_is_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKRECORD_MODE", " Offline ")
    with trackrecord.init("p", dir=tmp_path, capture=False) as run:
        run.log({"x": 1.0})
    assert run.workspace.offline
    with trackrecord.init("p", dir=tmp_path, capture=False, mode="ONLINE") as online:
        online.log({"x": 1.0})
    monkeypatch.delenv("TRACKRECORD_MODE")
    with trackrecord.init("p", dir=tmp_path, capture=False) as default:
        pass
    assert not online.workspace.offline and not default.workspace.offline
    with trackrecord.Api(dir=tmp_path) as api:
        assert {r.id for r in api.store.search_runs().runs} == {online.id, default.id}


def test_resuming_offline_is_refused_with_the_fix(tmp_path: Path) -> None:
    with trackrecord.init("p", dir=tmp_path, capture=False) as run:
        pass
    with pytest.raises(trackrecord.ConfigurationError, match="Resume it online"):
        trackrecord.init(dir=tmp_path, capture=False, resume=run.id, mode="offline")


def test_resuming_an_offline_run_before_it_is_synced_is_refused_with_the_fix(
    tmp_path: Path,
) -> None:
    with trackrecord.init("p", dir=tmp_path, capture=False) as first:
        pass  # makes the embedded store
    run = log_offline(tmp_path, mode="offline")
    with pytest.raises(trackrecord.ConfigurationError, match="run `trackrecord sync` first"):
        trackrecord.init(dir=tmp_path, capture=False, resume=run.id)
    assert f"run {run.id} (offline): sent" in sync(tmp_path)
    with trackrecord.init(dir=tmp_path, capture=False, resume=run.id) as resumed:
        resumed.log({"loss": 0.0})
    with trackrecord.Api(dir=tmp_path) as api:
        assert api.verify(run.id).ok and api.verify(first.id).ok
