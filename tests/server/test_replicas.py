"""Stateless replicas: two `trackrecord server` processes sharing only PostgreSQL and S3.

Each replica runs in its own working directory, so nothing but the database and
the bucket can carry data from one to the other. The S3 endpoint and keys reach
the servers through boto3's usual environment variables (``AWS_ENDPOINT_URL``,
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np
import pytest

import trackrecord
from tests.artifacts.seaweed import Seaweed, new_bucket, seaweed
from tests.pg import fresh_database
from tests.server_thread import free_port
from tests.store.conftest import Chain
from trackrecord.store.remote import RemoteStore
from trackrecord.store.sql.audit import SqlAuditLog
from trackrecord.store.sql.postgres import PostgresDatabase

__all__ = ["seaweed"]  # a fixture, used by name

TRAINING = textwrap.dedent("""
    import sys
    import trackrecord
    with trackrecord.init("replicated", config={"lr": 0.01, "layers": 4}, capture=False) as run:
        for step in range(500):
            run.log({"loss": 1.0 / (step + 1), "acc": step / 500}, step=step)
        run.log_artifact(sys.argv[1], name="weights.bin")
        print(run.id, flush=True)
""")


@contextmanager
def replica(workdir: Path, store: str, artifacts: str, s3: Seaweed) -> Iterator[str]:
    """A `trackrecord server` subprocess in *workdir*; yields its URL."""
    workdir.mkdir(parents=True)
    port = free_port()
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": s3.endpoint,
        "AWS_ACCESS_KEY_ID": s3.access_key,
        "AWS_SECRET_ACCESS_KEY": s3.secret_key,
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    command = [str(Path(sys.executable).parent / "trackrecord"), "server", "--store", store,
               "--artifacts", artifacts, "--port", str(port)]  # fmt: skip
    log = workdir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(process, url, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:  # refused, or answered with an error: not ready yet
            time.sleep(0.1)
    pytest.fail(f"the replica at {url} did not start ({process.poll()}):\n{log.read_text()}")


@pytest.fixture
def replicas(seaweed: Seaweed, tmp_path: Path) -> Iterator[tuple[str, str, str, str]]:
    """Two replicas on one fresh database and one fresh bucket: (url A, url B, bucket,
    database URL)."""
    bucket = new_bucket(seaweed)
    with fresh_database() as db, ExitStack() as stack:
        a = stack.enter_context(replica(tmp_path / "a", db, f"s3://{bucket}/tr", seaweed))
        b = stack.enter_context(replica(tmp_path / "b", db, f"s3://{bucket}/tr", seaweed))
        yield a, b, bucket, db


def test_a_run_logged_through_one_replica_reads_back_through_the_other(
    replicas: tuple[str, str, str, str], seaweed: Seaweed, tmp_path: Path
) -> None:
    a, b, bucket, _ = replicas
    weights = tmp_path / "weights.bin"
    weights.write_bytes(np.random.default_rng(7).bytes(300_000))
    env = {k: v for k, v in os.environ.items() if k != "TRACKRECORD_STRICT"}
    env.update(TRACKRECORD_URI=a, TRACKRECORD_DIR=str(tmp_path / "client"))
    done = subprocess.run([sys.executable, "-c", TRAINING, str(weights)], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip()

    with trackrecord.Api(uri=b) as api:
        run = api.run(run_id)
        assert (run.project, run.status) == ("replicated", "finished")
        assert run.params == {"lr": 0.01, "layers": 4}
        assert run.summaries["loss"].count == 500 and run.summaries["acc"].max == 499 / 500
        history = api.metric_history(run_id, "loss")
        np.testing.assert_array_equal(history.steps, np.arange(500))
        np.testing.assert_array_equal(history.values, 1.0 / (np.arange(500) + 1))
        with api.open_artifact(run_id, "weights.bin") as handle:
            assert handle.read() == weights.read_bytes()
        assert api.verify(run_id).ok
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    listed = seaweed.client().list_objects_v2(Bucket=bucket, Prefix="tr/sha256/")
    assert f"tr/sha256/{digest[:2]}/{digest}" in {o["Key"] for o in listed.get("Contents", [])}


def _log_runs(url: str, count: int) -> list[str]:
    """*count* runs in project ``shared`` through *url*, each in three appends."""
    store = RemoteStore(url)
    ids = []
    for i in range(count):
        chain = Chain(project="shared", config={"replica": url, "i": i})
        store.append_events(chain.events)
        chain.metrics(loss=([0, 1], [1.0, 0.5]))
        store.append_events(chain.events)
        chain.add("run.end", {"status": "finished"})
        store.append_events(chain.events)
        ids.append(chain.run_id)
    store.close()
    return ids


def test_concurrent_writes_through_both_replicas_are_all_searchable_and_audited(
    replicas: tuple[str, str, str, str],
) -> None:
    a, b, _, db = replicas
    with ThreadPoolExecutor(6) as pool:
        batches = list(pool.map(_log_runs, [a, b, a, b, a, b], [8] * 6))
    expected = {run_id for batch in batches for run_id in batch}
    assert len(expected) == 48
    for url in (a, b):
        with trackrecord.Api(uri=url) as api:
            page = api.search_runs('metrics.loss.last = 0.5 and status = "finished"',
                                   project="shared", limit=1000)  # fmt: skip
            assert {run.id for run in page.runs} == expected
            assert [p.run_count for p in api.projects()] == [48]
            via_other = api.search_runs(f'params.replica = "{b if url == a else a}"',
                                        project="shared", limit=1000)  # fmt: skip
            assert len(via_other.runs) == 24
    database = PostgresDatabase(db)  # both replicas batch their audit entries: one chain
    log = SqlAuditLog(database)
    assert log.verify() == []
    appends = [e.target for e in log.entries() if e.action == "runs.append_events"]
    assert sorted(appends) == sorted(run_id for run_id in expected for _ in range(3))
    database.close()
