"""`trackrecord sync`: progress, dry runs, interruptions, crashed writers, outbox clean-up."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import trackrecord
from tests.server_thread import free_port, serving, serving_app
from trackrecord import outbox
from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.cli import main
from trackrecord.server.app import create_app
from trackrecord.server.settings import ServerSettings
from trackrecord.store.sql import SqlStore
from trackrecord.workspace import Workspace

Scope = dict[str, Any]


class FailingAppends:
    """An ASGI app in front of a server whose event appends fail from the *n*-th on.

    The *n*-th append is stored but its answer is lost (as when a server dies
    after committing); later ones are refused before they reach the store.
    """

    def __init__(self, app: Any, n: int) -> None:
        self.app, self.n, self.appends, self.failing = app, n, 0, True

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        appending = scope["type"] == "http" and scope["method"] == "POST"
        if not (self.failing and appending and scope["path"].endswith("/events")):
            return await self.app(scope, receive, send)
        self.appends += 1
        if self.appends < self.n:
            return await self.app(scope, receive, send)
        if self.appends == self.n:

            async def lose(message: Any) -> None:
                pass

            await self.app(scope, receive, lose)
        await send({"type": "http.response.start", "status": 503, "headers": []})
        await send({"type": "http.response.body", "body": b"unavailable"})


def log_offline(client: Path, params: int, text: str = "") -> trackrecord.Run:
    with trackrecord.init("sync", dir=client, capture=False, mode="offline") as run:
        run.log_text("first.txt", f"first {text}")
        for i in range(params):
            run.log_params({f"p{i}": i})
        run.log({"loss": 0.5}, step=0)
        run.log_text("last.txt", f"last {text}")
    return run


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["sync", *args])
    return result.exit_code, result.output


def test_an_interrupted_sync_goes_on_where_it_stopped_and_sends_each_event_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = tmp_path / "client"
    first, second = log_offline(client, 45, "a"), log_offline(client, 5, "b")
    total = {first.id: 45 + 5, second.id: 5 + 5}  # start, params, artifacts, metrics, end
    monkeypatch.setattr(outbox, "BATCH_EVENTS", 10)
    backend = SqlStore.open(tmp_path / "server")
    app = FailingAppends(create_app(ServerSettings.for_store(backend)), n=3)
    with serving_app(app) as uri:
        code, output = invoke("--dir", str(client), "--uri", uri)
        assert code == 1, output
        assert f"run {first.id} (offline): interrupted after 20 events" in output
        assert second.id not in output  # the server is away: the next run is not tried
        assert "run `trackrecord sync` again" in output
        assert backend.get_run(first.id).head_seq == 30  # the third batch was stored

        app.failing = False
        code, output = invoke("--dir", str(client), "--uri", uri)
        assert code == 0, output
        assert f"run {first.id} (offline): sent 20 events" in output
        assert f"run {second.id} (offline): sent 10 events" in output
        assert "synced 2 runs: 30 events" in output
        with trackrecord.Api(uri=uri, dir=client) as api:
            for run_id, count in total.items():
                events = list(backend.read_events(run_id))
                assert [e.seq for e in events] == list(range(1, count + 1))
                assert len(api.run(run_id).params) == count - 5
                assert sorted(a.path for a in api.artifacts(run_id)) == ["first.txt", "last.txt"]
                assert api.verify(run_id).ok
    assert not (client / "spool").exists() or not any((client / "spool").iterdir())
    assert list(LocalArtifactStore(client / "outbox").digests()) == []
    backend.close()


def test_a_dry_run_lists_what_waits_and_sends_nothing(tmp_path: Path) -> None:
    client = tmp_path / "client"
    run = log_offline(client, 3)
    code, output = invoke("--dir", str(client), "--uri", f"http://127.0.0.1:{free_port()}",
                          "--dry-run")  # fmt: skip
    assert code == 0, output
    assert f"run {run.id} sync/{run.name} (offline): 8 events (seq 1-8), 2 artifacts (" in output
    assert "dry run: 1 run waiting, up to 8 events" in output and "nothing was sent" in output
    assert list((client / "spool" / run.id).glob("*.log"))


def test_sync_leaves_a_run_that_is_still_being_logged_alone(tmp_path: Path) -> None:
    client = tmp_path / "client"
    with trackrecord.init("sync", dir=client, capture=False, mode="offline") as run:
        run.log({"loss": 0.5}, step=0)
        run.flush()
        code, output = invoke("--dir", str(client))
        assert code == 0, output
        assert f"run {run.id} (offline): skipped, a live process is still writing it" in output
        assert "synced 0 runs" in output
    code, output = invoke("--dir", str(client))
    assert code == 0 and f"run {run.id} (offline): sent 3 events" in output, output


CRASHING = textwrap.dedent("""
    import time, trackrecord
    run = trackrecord.init("sync", capture=False, mode="offline")
    run.log_text("notes.txt", "before the crash")
    for step in range(100):
        run.log({"loss": 1.0 / (step + 1)}, step=step)
    run.flush()
    print(run.id, flush=True)
    time.sleep(60)
""")


def test_sync_ends_a_killed_offline_run_as_crashed(tmp_path: Path) -> None:
    client = tmp_path / "client"
    env = {**os.environ, "TRACKRECORD_DIR": str(client)}
    with subprocess.Popen([sys.executable, "-c", CRASHING], env=env, stdout=subprocess.PIPE,
                          text=True) as process:  # fmt: skip
        assert process.stdout is not None
        run_id = process.stdout.readline().strip()
        process.send_signal(signal.SIGKILL)
    code, output = invoke("--dir", str(client))  # to the embedded store
    assert code == 0, output
    sent = "sent 3 events and 16 bytes of artifacts; ended as crashed"  # start, text, metrics
    assert f"run {run_id} (offline): {sent}" in output
    with trackrecord.Api(dir=client) as api:
        assert api.run(run_id).status == "crashed"
        assert len(api.metric_history(run_id, "loss").steps) == 100
        assert api.verify(run_id).ok


def test_the_outbox_keeps_what_unsent_runs_name_and_drops_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = tmp_path / "client"
    box = LocalArtifactStore(client / "outbox")

    def held() -> set[bytes]:
        return {(box.root / "sha256" / d[:2] / d).read_bytes() for d in box.digests()}

    with trackrecord.init("sync", dir=client, capture=False, mode="offline") as unsent:
        unsent.log_text("shared.txt", "shared")
        unsent.log_text("a.txt", "only a")
    backend = SqlStore.open(tmp_path / "server")
    with serving(backend) as uri:
        monkeypatch.setenv("TRACKRECORD_URI", uri)
        with trackrecord.init("sync", dir=client, capture=False) as sent:
            sent.log_text("shared.txt", "shared")
            sent.log_text("b.txt", "only b")
            sent.workspace.put_artifact(io.BytesIO(b"pending"))  # no event names it yet
            assert sent.flush()
            Workspace.open(client, offline=True).clean_outbox()  # another process cleans
            assert held() == {b"shared", b"only a", b"only b", b"pending"}  # a live run's
        assert held() == {b"shared", b"only a"}  # what the sent run alone needed is gone
        code, output = invoke("--dir", str(client))
        assert code == 0 and "synced 1 run" in output, output
        assert held() == set()
        with trackrecord.Api(uri=uri, dir=client) as api:
            for run, name in ((unsent, "a.txt"), (sent, "b.txt")):
                assert sorted(a.path for a in api.artifacts(run.id)) == [name, "shared.txt"]
                assert api.verify(run.id).ok
    backend.close()
