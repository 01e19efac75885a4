"""Servers the server workloads measure: fresh PostgreSQL databases and server processes.

PostgreSQL is the machine's own (127.0.0.1:5432, trust auth, user postgres; override
with BENCH_PG, e.g. `postgresql://postgres@127.0.0.1:5433`); each database is created
for one measurement (`bench_<random>`) and dropped afterwards. Servers run as
subprocesses on free loopback ports, their output in a log file of the work directory,
and are stopped (SIGTERM, then SIGKILL) when the measurement ends.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

PG_SERVER = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _admin(sql: str, server: str = PG_SERVER) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(sql)  # type: ignore[arg-type]  # names are ours, never user input


def create_database(name: str) -> str:
    """Create the empty database *name*; its URL."""
    _admin(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}"


def drop_database(name: str, server: str = PG_SERVER) -> None:
    """Drop *name* (on *server*) and whatever is still connected to it."""
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', server)


@contextmanager
def fresh_database(prefix: str = "bench") -> Iterator[str]:
    """An empty PostgreSQL database for the block; its URL. Dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    url = create_database(name)
    try:
        yield url
    finally:
        drop_database(name)


@contextmanager
def serving(
    command: Sequence[str], ready_path: str, log: Path, env: dict[str, str] | None = None,
    timeout: float = 120.0,
) -> Iterator[str]:  # fmt: skip
    """Run *command* (which must listen on the port given as ``{port}``) until the block ends.

    Yields the base URL once ``GET <url><ready_path>`` answers 200.
    """
    port = free_port()
    argv = [part.replace("{port}", str(port)) for part in command]
    with log.open("ab") as out:
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(process, url + ready_path, log, timeout)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(15)


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:  # refused, or answered with an error: not ready yet
            time.sleep(0.1)
    tail = log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"the server did not answer {url} (exit code {process.poll()}):\n{tail}")
