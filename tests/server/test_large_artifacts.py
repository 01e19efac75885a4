"""Large artifacts stream: a real ``trackrecord server`` process on SeaweedFS, and a real
client process using RemoteStore, move a file of gigabytes up and down while the peak
resident memory of each process stays far below the file's size.

Two ways through: straight between the client and SeaweedFS with presigned URLs
(the server only signs), and, when the client cannot reach SeaweedFS, through the
server (which streams to a temporary file, then to S3 in multipart parts). Then the
direct transfers in detail, on a server in a thread: who gets a URL, what S3 refuses,
and the fallbacks.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.artifacts.seaweed import Seaweed, new_bucket, seaweed
from tests.server_thread import free_port, serving
from tests.store.conftest import Chain
from trackrecord.artifacts.s3 import S3ArtifactStore
from trackrecord.errors import NotFoundError, StoreError
from trackrecord.record import wire
from trackrecord.server.settings import ServerSettings
from trackrecord.store.remote import DIRECT_UPLOAD_MIN, RemoteStore
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.accounts import SqlAccounts
from trackrecord.store.sql.audit import SqlAuditLog

__all__ = ["seaweed"]  # a fixture, used by name

MiB = 1 << 20
# Sizes, measured here (2 shared cores): 2 GiB straight to SeaweedFS and back took 41-63 s
# per test, with the machine's load; through the server, which spools the upload to disk
# before sending it on to S3, 1 GiB took 38-71 s, so 2 GiB would take well over a minute.
# The route through the server therefore moves 1 GiB, the largest size near a minute.
DIRECT_SIZE = 2048 * MiB
THROUGH_SERVER_SIZE = 1024 * MiB
PEAK_LIMIT = 200 * MiB

CLIENT = textwrap.dedent("""
    import hashlib, json, sys, time
    from trackrecord.store.remote import RemoteStore

    url, path = sys.argv[1:3]
    store = RemoteStore(url, timeout=120)
    started = time.perf_counter()
    with open(path, "rb") as source:
        digest, size = store.put_artifact(source)
    uploaded = time.perf_counter()
    read_back, count = hashlib.sha256(), 0
    with store.open_artifact(digest) as handle:
        while block := handle.read(1 << 20):
            read_back.update(block)
            count += len(block)
    downloaded = time.perf_counter()
    peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
    print(json.dumps({"digest": digest, "size": size, "read_back": read_back.hexdigest(),
                      "read_size": count, "peak": int(peak.split()[1]) * 1024,
                      "up_s": uploaded - started, "down_s": downloaded - uploaded}))
""")


@dataclass(frozen=True)
class Generated:
    path: Path
    sha256: str
    size: int


def generate(path: Path, size: int) -> Generated:
    """A file of *size* bytes: one random MiB repeated with a counter in each copy, so it
    is fast to make and neither compressible nor deduplicated by block."""
    block, digest = bytearray(os.urandom(MiB)), hashlib.sha256()
    with path.open("wb") as out:
        for index in range(size // MiB):
            block[:8] = index.to_bytes(8, "little")
            digest.update(block)
            out.write(block)
    return Generated(path, digest.hexdigest(), size)


def peak_rss(pid: int) -> int:
    """The peak resident memory of a running process, in bytes (VmHWM)."""
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM"))
    return int(line.split()[1]) * 1024


@dataclass(frozen=True)
class Server:
    url: str
    process: subprocess.Popen[bytes]
    store_dir: Path
    log: Path


def wait_ready(server: Server, timeout: float = 60.0) -> None:
    """Poll ``/readyz`` until the server answers; fail with its log if it exits or stalls."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.process.poll() is None:
        try:
            if httpx.get(f"{server.url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)  # a polling interval, not a guess at readiness
    pytest.fail(f"the server did not start:\n{server.log.read_text(errors='replace')[-3000:]}")


@pytest.fixture
def server(seaweed: Seaweed, tmp_path: Path) -> Iterator[Server]:
    """``trackrecord server`` in its own process, keeping artifacts in a fresh bucket.

    It listens on ``localhost`` so a client can route 127.0.0.1 (SeaweedFS) elsewhere.
    """
    port, store_dir, log = free_port(), tmp_path / "store", tmp_path / "server.log"
    command = [
        sys.executable, "-c", "from trackrecord.cli import main; main()", "server",
        "--host", "localhost", "--port", str(port), "--store", str(store_dir),
        "--artifacts", f"s3://{new_bucket(seaweed)}/team/artifacts",
    ]  # fmt: skip
    env = {**os.environ, **seaweed.environment()}
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    running = Server(f"http://localhost:{port}", process, store_dir, log)
    try:
        wait_ready(running)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def run_client(server: Server, file: Generated, env: dict[str, str]) -> dict[str, float]:
    """Upload and download *file* in a client process with *env* (and no other proxy)."""
    plain = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    done = subprocess.run(
        [sys.executable, "-c", CLIENT, server.url, str(file.path)],
        env={**plain, **env}, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, float] = json.loads(done.stdout)
    return result


def audited_actions(server: Server) -> list[str]:
    store = SqlStore.open(server.store_dir)
    try:
        return actions(store)
    finally:
        store.close()


# httpx sends requests for 127.0.0.1 (SeaweedFS) to a proxy that is not there, and
# those for localhost (the server) straight: the client cannot reach the bytes' store.
UNREACHABLE_S3 = {"HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": "localhost"}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("route", "size"), [("direct", DIRECT_SIZE), ("through-server", THROUGH_SERVER_SIZE)]
)
def test_a_large_artifact_streams_up_and_down_in_bounded_memory(
    server: Server, tmp_path: Path, route: str, size: int
) -> None:
    started = time.perf_counter()
    large_file = generate(tmp_path / "weights.bin", size)
    try:
        result = run_client(server, large_file, UNREACHABLE_S3 if route == "through-server" else {})
    finally:
        large_file.path.unlink()  # pytest keeps the last runs' temporary directories
    server_peak = peak_rss(server.process.pid)
    print(
        f"\n{route}: {size / MiB:.0f} MiB up in {result['up_s']:.1f} s, down in "
        f"{result['down_s']:.1f} s; peak RSS client {result['peak'] / MiB:.0f} MiB, "
        f"server {server_peak / MiB:.0f} MiB; {time.perf_counter() - started:.1f} s in all"
    )
    assert result["digest"] == result["read_back"] == large_file.sha256
    assert result["size"] == result["read_size"] == size
    assert result["peak"] < PEAK_LIMIT
    assert server_peak < PEAK_LIMIT
    actions = audited_actions(server)
    assert actions.count("artifacts.direct_upload") == 1  # the client asked for a URL
    assert actions.count("artifacts.upload") == (1 if route == "through-server" else 0)


# Direct transfers in detail, on a server in a thread (with auth on) over the same SeaweedFS.


@dataclass
class Team:
    url: str
    store: SqlStore
    bucket: str
    tokens: dict[str, str]
    opened: list[RemoteStore] = field(default_factory=list)

    def remote(self, who: str) -> RemoteStore:
        self.opened.append(RemoteStore(self.url, self.tokens[who]))
        return self.opened[-1]

    def client(self, who: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.tokens[who]}"}
        )


@pytest.fixture
def team(seaweed: Seaweed, tmp_path: Path) -> Iterator[Team]:
    """alice edits vision, bob views it, carol edits nlp; artifacts in a fresh bucket."""
    store = SqlStore.open(tmp_path / "server")
    bucket = new_bucket(seaweed)
    store.artifacts = S3ArtifactStore(bucket, prefix="team", client=seaweed.client())
    accounts = SqlAccounts(store.database)
    for name, project, role in (("alice", "vision", "editor"), ("bob", "vision", "viewer"),
                                ("carol", "nlp", "editor")):  # fmt: skip
        accounts.create_user(name)
        accounts.grant(name, project, role)
    tokens = {name: accounts.create_token(name)[1] for name in ("alice", "bob", "carol")}
    with serving(ServerSettings.for_store(store)) as url:
        team = Team(url, store, bucket, tokens)
        yield team
        for remote in team.opened:
            remote.close()
    store.close()


def record(remote: RemoteStore, project: str, digest: str, size: int) -> None:
    chain = Chain(project)
    chain.add("artifact", {"files": [{"path": "w.bin", "sha256": digest, "size": size,
                                      "media_type": "application/octet-stream"}]})  # fmt: skip
    remote.append_events(chain.events)


def actions(store: SqlStore) -> list[str]:
    return [entry.action for entry in SqlAuditLog(store.database).entries()]


def test_a_download_redirects_to_a_presigned_url_only_for_those_who_may_read(team: Team) -> None:
    content = os.urandom(DIRECT_UPLOAD_MIN + 5)
    alice = team.remote("alice")
    digest, size = alice.put_artifact(io.BytesIO(content))
    record(alice, "vision", digest, size)
    with team.client("alice") as client:
        redirected = client.get(f"/api/v1/artifacts/{digest}", params={"redirect": "true"})
        assert redirected.status_code == 307 and "X-Amz-Signature" in redirected.headers["location"]
        assert httpx.get(redirected.headers["location"]).content == content  # no token needed
        assert client.get(f"/api/v1/artifacts/{digest}").content == content  # streamed
    with team.client("carol") as client:
        hidden = client.get(f"/api/v1/artifacts/{digest}", params={"redirect": "true"})
        assert hidden.status_code == 404 and "location" not in hidden.headers
    with alice.open_artifact(digest) as handle:
        assert handle.read() == content
    assert actions(team.store).count("artifacts.direct_upload") == 1
    assert "artifacts.upload" not in actions(team.store)  # the bytes never crossed the server


def test_an_upload_offer_stores_only_the_bytes_of_its_digest(team: Team) -> None:
    content = os.urandom(DIRECT_UPLOAD_MIN)
    digest = hashlib.sha256(content).hexdigest()
    with team.client("bob") as viewer:
        refused = viewer.post(f"/api/v1/artifacts/{digest}/upload", json={"size": len(content)})
        assert refused.status_code == 403
    with team.client("alice") as client:
        offer = client.post(f"/api/v1/artifacts/{digest}/upload", json={"size": len(content)})
        assert offer.status_code == 200, offer.text
        bad = client.post(f"/api/v1/artifacts/{digest}/upload", json={"size": "big"})
        assert bad.status_code == 400 and "size" in bad.json()["error"]["message"]
    put = offer.json()
    forged = httpx.put(put["url"], content=os.urandom(len(content)), headers=put["headers"])
    assert forged.status_code == 400
    assert not team.store.artifacts.exists(digest)
    honest = httpx.put(put["url"], content=content, headers=put["headers"])
    assert honest.status_code == 200
    with team.store.open_artifact(digest) as handle:
        assert handle.read() == content


def test_an_upload_offer_proves_nothing_until_its_put_is_sent(team: Team) -> None:
    content = os.urandom(DIRECT_UPLOAD_MIN)
    alice = team.remote("alice")
    digest, size = alice.put_artifact(io.BytesIO(content), "vision")
    record(alice, "vision", digest, size)
    assert team.store.grants.holders(digest) == {"vision"}
    carol = team.remote("carol")
    with team.client("carol") as client:  # carol knows the digest, not the bytes
        offer = client.post(
            f"/api/v1/artifacts/{digest}/upload", params={"project": "nlp"}, json={"size": size}
        )
        assert offer.status_code == 200 and offer.json()["receipt"]
        for receipt in (offer.json()["receipt"], "made-up"):
            claimed = client.post(
                f"/api/v1/artifacts/{digest}/uploaded",
                params={"project": "nlp"},
                json={"receipt": receipt},
            )
            assert claimed.status_code == 404, claimed.text
        assert client.get(f"/api/v1/artifacts/{digest}").status_code == 404
    with pytest.raises(NotFoundError, match="upload the bytes"):
        record(carol, "nlp", digest, size)
    assert team.store.grants.holders(digest) == {"vision"}
    assert carol.put_artifact(io.BytesIO(content), "nlp") == (digest, size)  # she shows them
    record(carol, "nlp", digest, size)
    assert actions(team.store).count("artifacts.uploaded") == 4  # alice's, two refused, carol's


class ChangingFile(io.BytesIO):
    """A file that is rewritten between the client hashing it and sending it."""

    def __init__(self, first: bytes, then: bytes) -> None:
        super().__init__(first)
        self.then = then

    def seek(self, offset: int, whence: int = 0) -> int:
        if self.tell() == len(self.getbuffer()) and self.then:  # hashed to the end: rewrite
            self.then, fresh = b"", self.then
            self.truncate(0)
            super().seek(0)
            self.write(fresh)
        return super().seek(offset, whence)


def test_a_file_that_changes_after_hashing_is_refused_by_s3_and_sent_through_the_server(
    team: Team,
) -> None:
    first, then = os.urandom(DIRECT_UPLOAD_MIN), os.urandom(DIRECT_UPLOAD_MIN)
    digest, size = team.remote("alice").put_artifact(ChangingFile(first, then))
    assert digest == hashlib.sha256(then).hexdigest() and size == len(then)
    assert not team.store.artifacts.exists(hashlib.sha256(first).hexdigest())
    with team.store.open_artifact(digest) as handle:
        assert handle.read() == then
    assert actions(team.store).count("artifacts.upload") == 1  # the fallback


def test_damaged_content_is_reported_not_returned(team: Team, seaweed: Seaweed) -> None:
    alice = team.remote("alice")
    digest, size = alice.put_artifact(io.BytesIO(os.urandom(DIRECT_UPLOAD_MIN)))
    record(alice, "vision", digest, size)
    key = f"team/sha256/{digest[:2]}/{digest}"
    seaweed.client().put_object(Bucket=team.bucket, Key=key, Body=os.urandom(size))  # bit rot
    with pytest.raises(StoreError, match=f"{digest} downloaded from .* hashes to"):
        alice.open_artifact(digest)


def test_a_local_store_streams_everything_through_the_server(tmp_path: Path) -> None:
    store = SqlStore.open(tmp_path / "server")
    content = os.urandom(DIRECT_UPLOAD_MIN + 1)
    headers = {wire.CLIENT_HEADER: "test"}  # a server without auth wants it on writes
    with serving(store) as url, httpx.Client(base_url=url, headers=headers) as client:
        remote = RemoteStore(url)
        digest, _ = remote.put_artifact(io.BytesIO(content))
        offer = client.post(f"/api/v1/artifacts/{digest}/upload", json={"size": len(content)})
        assert offer.json() == {"url": None}
        streamed = client.get(f"/api/v1/artifacts/{digest}", params={"redirect": "true"})
        assert streamed.status_code == 200 and streamed.content == content
        with remote.open_artifact(digest) as handle:
            assert handle.read() == content
        remote.close()
    assert actions(store).count("artifacts.upload") == 1
    store.close()
