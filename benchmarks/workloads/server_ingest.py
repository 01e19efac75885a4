"""i. Sustained ingestion into a PostgreSQL-backed server from 4 concurrent logging processes.

Each measurement gets a fresh PostgreSQL database and a fresh server process on it
(TrackRecord: `trackrecord server`; MLflow: `mlflow server`, 4 workers by default).
Four client processes (`worker.py --log-client`) each start a run and build their
data, untimed, then wait; all are released at once and log KEYS metrics per step
(TrackRecord: `run.log(dict, step=i)`; MLflow: `MlflowClient.log_batch` of 1,000
`Metric`s) and finish. The time runs from the first client's first call to the last
client's `finish()` returning, which both trackers return only once the server has
stored everything; the parent then reads every run back through the server and
checks each key's point count before the figure counts.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from harness.series import loss_curve
from harness.servers import fresh_database
from trackers import TrackerSpec
from workloads.base import Metric

NAME = "server_ingest"
TITLE = (
    "sustained ingestion: 4 processes logging 10 metrics per step into a server on PostgreSQL,"
    " first call → everything stored"
)
CLIENTS: Final = 4
KEYS: Final = 10
NOMINAL = 4_000_000  # points in all: 4 processes × 10 keys × 100,000 steps
ITEM = "point"
PER_MODE = False
TRACKERS = ("trackrecord", "mlflow")
MLFLOW_DIVISOR: Final = 100  # log_batch into MLflow's server: ~10k points/s
ONCE_OVER_S = 60.0
SERVERS: Final = {"trackrecord": "trackers.trackrecord_server", "mlflow": "trackers.mlflow_server"}
WORKER: Final = Path(__file__).resolve().parent.parent / "worker.py"
MARK: Final = "@@bench "  # prefixes the client's own lines: peers may print to stdout too
METRICS = (
    Metric("ingest", "4M points stored", target=8.0, scaling="linear", per_item=True),
    Metric("rate", "points/s", unit="/s", scaling="free", compare=False),
    Metric("loop", "slowest client's loop", compare=False),
)
NOTES = (
    f"TrackRecord target ≤ 8 s is ≥ 500,000 points/s. MLflow logs 1/{MLFLOW_DIVISOR} of the"
    " points (its time is scaled linearly; points/s is its measured rate).",
    "loop: the slowest client's logging calls alone; TrackRecord's writer thread ships"
    " batches while the loop runs, MLflow's log_batch waits for each batch to be stored.",
)


def server_module(spec: TrackerSpec) -> ModuleType:
    """The tracker's server adapter (`trackers/<tracker>_server.py`)."""
    return importlib.import_module(SERVERS[spec.name])


def count(spec: TrackerSpec, mode: str, scale: float) -> int:
    divisor = MLFLOW_DIVISOR if spec.name == "mlflow" else 1
    return max(CLIENTS * KEYS, int(NOMINAL * scale) // divisor)


def measure(spec: TrackerSpec, mode: str, workdir: Path, n: int) -> dict[str, float]:
    """Serve a fresh database, release the clients together, check what was stored."""
    steps = n // (CLIENTS * KEYS)
    server = server_module(spec)
    with fresh_database() as database, server.serve(workdir, database) as uri:
        clients = [_start_client(spec, uri, steps, workdir / f"client-{i}") for i in range(CLIENTS)]
        try:
            results = _release(clients)
        finally:
            for client in clients:
                if client.poll() is None:
                    client.kill()
                client.wait()
        for result in results:
            stored = server.stored_points(uri, result["run_id"])
            want = {f"m{k}": steps for k in range(KEYS)}
            if stored != want:
                raise AssertionError(f"run {result['run_id']} holds {stored}, not {want}")
    seconds = max(r["finished"] for r in results) - min(r["started"] for r in results)
    points = steps * KEYS * CLIENTS
    return {"ingest": seconds, "rate": points / seconds, "loop": max(r["loop"] for r in results)}


def _release(clients: list[subprocess.Popen[str]]) -> list[Any]:
    """Wait until every client is ready, let them all go, and collect their reports."""
    for client in clients:
        _expect(client, "ready")
    for client in clients:  # all released within a few microseconds of each other
        assert client.stdin is not None
        client.stdin.write("go\n")
        client.stdin.flush()
    return [_expect(client, "done") for client in clients]


def _start_client(spec: TrackerSpec, uri: str, steps: int, workdir: Path) -> subprocess.Popen[str]:
    workdir.mkdir()
    command = [sys.executable, str(WORKER), "--log-client", spec.name, uri, str(steps),
               str(workdir)]  # fmt: skip
    return subprocess.Popen(
        command, cwd=workdir, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def _expect(client: subprocess.Popen[str], what: str, timeout: float = 1200) -> Any:
    """The client's next own line, which must say *what*; its JSON payload."""
    assert client.stdout is not None
    deadline = time.monotonic() + timeout
    for line in client.stdout:
        if line.startswith(MARK):
            said, _, payload = line[len(MARK) :].strip().partition(" ")
            if said != what:
                raise RuntimeError(f"a client said {said!r} instead of {what!r}")
            return json.loads(payload or "null")
        if time.monotonic() > deadline:
            break
    client.kill()
    raise RuntimeError(f"a logging client exited (status {client.wait()}) before {what!r}")


def client_main(tracker: str, uri: str, steps: int, workdir: Path) -> None:
    """`worker.py --log-client`: set up, say ready, wait for go, log, finish, report."""
    from trackers import TRACKERS

    server = server_module(TRACKERS[tracker])
    names = [f"m{k}" for k in range(KEYS)]
    _, values = loss_curve(steps * KEYS, seed=hash(str(workdir)) % 1000)
    rows = [values[i * KEYS : (i + 1) * KEYS] for i in range(steps)]
    logger = server.Logger(uri, workdir)
    print(MARK + "ready", flush=True)
    sys.stdin.readline()
    started = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process on Linux
    logger.log(names, rows)
    looped = time.monotonic()
    logger.finish()
    finished = time.monotonic()
    report = {"run_id": logger.run_id, "started": started, "finished": finished,
              "loop": looped - started}  # fmt: skip
    print(MARK + "done " + json.dumps(report), flush=True)
