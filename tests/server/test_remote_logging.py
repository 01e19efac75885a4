"""Training code logs to a server by changing one variable, and loses nothing when it is down."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
from click.testing import CliRunner

import trackrecord
from tests.server_thread import free_port, serving
from trackrecord.cli import main
from trackrecord.store.sql import SqlStore

TRAINING = textwrap.dedent("""
    import sys, time
    import trackrecord
    with trackrecord.init("remote", config={"lr": 0.1}, capture=False) as run:
        started = time.perf_counter()
        for step in range(3000):
            run.log({"loss": 1.0 / (step + 1)}, step=step)
        run.log_text("notes.txt", "trained remotely")
        print(run.id, time.perf_counter() - started, flush=True)
""")


def train(client_dir: Path, uri: str) -> tuple[str, float, str]:
    env = {k: v for k, v in os.environ.items() if k != "TRACKRECORD_STRICT"}
    env.update(TRACKRECORD_URI=uri, TRACKRECORD_DIR=str(client_dir))
    done = subprocess.run([sys.executable, "-c", TRAINING], env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    run_id, loop = done.stdout.split()
    return run_id, float(loop), done.stderr


def check_run(uri: str, run_id: str) -> None:
    with trackrecord.Api(uri=uri) as api:
        run = api.run(run_id)
        assert run.status == "finished" and run.params == {"lr": 0.1}
        np.testing.assert_array_equal(api.metric_history(run_id, "loss").steps, np.arange(3000))
        with api.open_artifact(run_id, "notes.txt") as handle:
            assert handle.read() == b"trained remotely"
        assert api.verify(run_id).ok


def test_logging_to_a_server(tmp_path: Path) -> None:
    backend = SqlStore.open(tmp_path / "server")
    with serving(backend) as uri:
        run_id, _, _ = train(tmp_path / "client", uri)
        check_run(uri, run_id)
    assert not any((tmp_path / "client" / "spool").glob("*/*.log"))  # nothing left to send
    backend.close()


def test_a_server_that_is_down_costs_nothing_and_sync_sends_everything_once(
    tmp_path: Path,
) -> None:
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    run_id, loop, stderr = train(tmp_path / "client", uri)  # nobody listens on the port
    assert loop < 5.0 and "TrackRecordWarning" in stderr
    assert list((tmp_path / "client" / "spool" / run_id).glob("*.log"))  # kept on disk
    backend = SqlStore.open(tmp_path / "server")
    with serving(backend, port):
        runner = CliRunner()
        for _ in range(2):  # a second sync has nothing left to send
            result = runner.invoke(main, ["sync", "--dir", str(tmp_path / "client"),
                                          "--uri", uri])  # fmt: skip
            assert result.exit_code == 0, result.output
        check_run(uri, run_id)
        assert backend.get_run(run_id).head_seq == len(list(backend.read_events(run_id)))
    assert not (tmp_path / "client" / "spool" / run_id).exists()
    backend.close()
