"""Faults with real processes: a `trackrecord server` that dies or goes away under a training
subprocess. Nothing logged is lost or duplicated, and the training loop does not slow down."""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

import trackrecord
from tests.server_thread import free_port
from trackrecord.artifacts.local import LocalArtifactStore

TRAINING = textwrap.dedent("""
    import json, os, statistics, sys, time
    import trackrecord

    stop, batch = sys.argv[1], int(sys.argv[2])
    batches, step = [], 0
    with trackrecord.init("faults", config={"lr": 0.1}, capture=False) as run:
        print(run.id, flush=True)
        run.log_text("before.txt", "logged before the fault")
        while not os.path.exists(stop):
            started, calls = time.time(), []
            for _ in range(batch):
                tick = time.perf_counter()
                run.log({"loss": 1.0 / (step + 1), "acc": step % 7}, step=step)
                calls.append(time.perf_counter() - tick)
                step += 1
                time.sleep(0.0002)  # the training step
            batches.append([started, time.time(), statistics.median(calls),
                            statistics.fmean(calls)])
        run.log_text("after.txt", "logged after the fault")
    print(json.dumps({"steps": step, "batches": batches}), flush=True)
""")


class Server:
    """`trackrecord server` as a process on a fixed port, over one SQLite store directory."""

    def __init__(self, store: Path, log: Path) -> None:
        self.store, self.log = store, log
        self.port = free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [str(Path(sys.executable).parent / "trackrecord"), "server", "--store",
                   str(self.store), "--port", str(self.port)]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self.healthy, 30, "the server to answer /healthz")

    def healthy(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"the server exited: {self.log.read_text()[-2000:]}")
        try:
            return httpx.get(f"{self.uri}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self, sig: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(sig)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def head(self, run_id: str) -> int:
        response = httpx.get(f"{self.uri}/api/v1/runs/{run_id}", timeout=5)
        return int(response.json()["head_seq"]) if response.status_code == 200 else 0


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path / "server", tmp_path / "server.log")
    running.start()
    yield running
    running.stop(signal.SIGKILL)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@dataclass
class Training:
    """The training subprocess: started, told to stop, and what it reported."""

    process: subprocess.Popen[str]
    run_id: str
    stop_file: Path

    @classmethod
    def start(cls, tmp_path: Path, uri: str, batch: int) -> Training:
        env = {k: v for k, v in os.environ.items() if k != "TRACKRECORD_STRICT"}
        env.update(TRACKRECORD_URI=uri, TRACKRECORD_DIR=str(tmp_path / "client"))
        stop = tmp_path / "stop"
        process = subprocess.Popen([sys.executable, "-c", TRAINING, str(stop), str(batch)],
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)  # fmt: skip
        assert process.stdout is not None
        return cls(process, process.stdout.readline().strip(), stop)

    def finish(self) -> tuple[dict[str, Any], str]:
        self.stop_file.touch()
        out, err = self.process.communicate(timeout=60)
        assert self.process.returncode == 0, err
        report: dict[str, Any] = json.loads(out.splitlines()[-1])
        return report, err


@pytest.fixture
def train(tmp_path: Path, server: Server) -> Iterator[Callable[[int], Training]]:
    """Start the training subprocess (logging to *server*); kill it if the test fails first."""
    started: list[Training] = []

    def start(batch: int) -> Training:
        started.append(Training.start(tmp_path, server.uri, batch))
        return started[-1]

    yield start
    for training in started:
        if training.process.poll() is None:
            training.process.kill()
            training.process.communicate()


def check_everything_arrived_once(server: Server, tmp_path: Path, run_id: str, steps: int) -> None:
    """The server holds each logged point and event once, and the record verifies."""
    with trackrecord.Api(uri=server.uri, dir=tmp_path / "reader") as api:
        run = api.run(run_id)
        assert run.status == "finished"
        assert [e.seq for e in api.store.read_events(run_id)] == list(range(1, run.head_seq + 1))
        for key in ("loss", "acc"):
            np.testing.assert_array_equal(api.metric_history(run_id, key).steps, np.arange(steps))
        assert sorted(a.path for a in api.artifacts(run_id)) == ["after.txt", "before.txt"]
        assert api.verify(run_id).ok
    client = tmp_path / "client"
    assert not list(client.glob("spool/*/*.log"))  # everything was sent by the run itself
    assert list(LocalArtifactStore(client / "outbox").digests()) == []  # and cleaned up


def test_a_server_killed_mid_run_and_restarted_loses_and_duplicates_nothing(
    tmp_path: Path, server: Server, train: Callable[[int], Training]
) -> None:
    training = train(200)
    wait_for(lambda: server.head(training.run_id) >= 4, 30, "metrics to reach the server")
    server.stop(signal.SIGKILL)  # likely in the middle of a request: the writer sends 4 a second
    time.sleep(1.0)  # the training goes on; its writer fails and backs off
    assert training.process.poll() is None
    server.start()
    before = server.head(training.run_id)
    wait_for(lambda: server.head(training.run_id) > before, 15, "the writer to resume sending")
    report, stderr = training.finish()
    assert stderr.count("TrackRecordWarning") == 1  # warned once, then carried on
    check_everything_arrived_once(server, tmp_path, training.run_id, report["steps"])


OUTAGE = 30.0


def test_thirty_seconds_without_a_server_do_not_slow_the_training_loop(
    tmp_path: Path, server: Server, train: Callable[[int], Training]
) -> None:
    training = train(500)
    wait_for(lambda: server.head(training.run_id) >= 2, 30, "the run to reach the server")
    time.sleep(2.0)  # a few seconds of batches logged while the server answers
    server.stop(signal.SIGTERM)
    down = time.time()
    time.sleep(OUTAGE)  # nothing listens on the port
    up = time.time()
    server.start()
    report, _ = training.finish()

    batches = np.array(report["batches"])
    start, end = batches[:, 0], batches[:, 1]
    before = batches[(start > start[0] + 0.5) & (end < down)]
    during = batches[(start > down + 0.5) & (end < up)]
    assert len(before) >= 3 and len(during) >= 30, (len(before), len(during))
    medians = {name: (statistics.median(part[:, 2]), statistics.median(part[:, 3]))
               for name, part in (("before", before), ("during", during))}  # fmt: skip
    print("per log() call (µs), median over batches of the batch median and the batch mean:",
          {k: [round(v * 1e6, 2) for v in pair] for k, pair in medians.items()})  # fmt: skip
    for column in (0, 1):  # the typical call, and the mean call (which counts stalls)
        assert medians["during"][column] < 2 * medians["before"][column] + 5e-6, medians
    check_everything_arrived_once(server, tmp_path, training.run_id, report["steps"])
