"""Presigned URLs of the S3 store, against a real SeaweedFS: reads, and writes that the
S3 server itself refuses unless the bytes hash to the digest they are sent under."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from trackrecord.artifacts.base import PresigningStore
from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.artifacts.s3 import PUT_LIMIT, S3ArtifactStore
from trackrecord.errors import InvalidValueError, NotFoundError

from .seaweed import Seaweed, new_bucket, seaweed

__all__ = ["seaweed"]  # a fixture, used by name

MiB = 1 << 20


@pytest.fixture
def store(seaweed: Seaweed) -> S3ArtifactStore:
    return S3ArtifactStore(new_bucket(seaweed), prefix="team/artifacts", client=seaweed.client())


def test_only_the_s3_store_presigns(store: S3ArtifactStore, tmp_path: Path) -> None:
    assert isinstance(store, PresigningStore)
    assert not isinstance(LocalArtifactStore(tmp_path), PresigningStore)


def test_a_presigned_get_reads_the_content_without_credentials(store: S3ArtifactStore) -> None:
    content = os.urandom(3 * MiB)
    digest, _ = store.put(io.BytesIO(content))
    url = store.presign_get(digest, expires_in=60)
    assert url is not None and "X-Amz-Signature" in url
    assert httpx.get(url).content == content
    assert (
        httpx.get(url.replace(digest, "0" * 64)).status_code == 403
    )  # the signature binds the key


def test_presigning_absent_or_malformed_content_fails(store: S3ArtifactStore) -> None:
    with pytest.raises(NotFoundError, match=r"a{64}"):
        store.presign_get("a" * 64, expires_in=60)
    with pytest.raises(InvalidValueError, match="SHA-256"):
        store.presign_get("../../etc/passwd", expires_in=60)
    with pytest.raises(InvalidValueError, match="expires_in"):
        store.presign_put("a" * 64, 10, expires_in=0)
    with pytest.raises(InvalidValueError, match="size"):
        store.presign_put("a" * 64, -1, expires_in=60)


def test_a_presigned_put_stores_exactly_the_content_of_its_digest(store: S3ArtifactStore) -> None:
    content = os.urandom(9 * MiB)
    digest = hashlib.sha256(content).hexdigest()
    request = store.presign_put(digest, len(content), expires_in=60)
    assert request is not None and request.method == "PUT"
    sent = httpx.put(request.url, content=content, headers=dict(request.headers))
    assert sent.status_code == 200, sent.text
    assert store.exists(digest) and store.size(digest) == len(content)
    with store.open(digest) as handle:
        assert handle.read() == content


def test_a_presigned_put_refuses_other_bytes_and_leaves_nothing(store: S3ArtifactStore) -> None:
    content = os.urandom(MiB)
    digest = hashlib.sha256(content).hexdigest()
    request = store.presign_put(digest, len(content), expires_in=60)
    assert request is not None
    forged = httpx.put(request.url, content=os.urandom(MiB), headers=dict(request.headers))
    assert forged.status_code == 400 and b"BadDigest" in forged.content
    bare = httpx.put(request.url, content=os.urandom(MiB))  # without the signed checksum
    assert bare.status_code == 403
    assert not store.exists(digest)


class CarelessS3(BaseHTTPRequestHandler):
    """An "S3 server" that stores whatever it is sent: it checks no checksum or signature.

    SeaweedFS and AWS check them; this stands for a server that does not.
    """

    puts: ClassVar[list[str]] = []

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).puts.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_DELETE(self) -> None:
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def careless_s3() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), CarelessS3)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def test_no_presigned_put_where_the_server_would_not_check_the_checksum(
    careless_s3: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = S3ArtifactStore("bucket", endpoint_url=careless_s3, access_key="AK", secret_key="SK")
    with caplog.at_level(logging.WARNING, logger="trackrecord.artifacts.s3"):
        assert store.presign_put("a" * 64, 10, expires_in=60) is None
        assert store.presign_put("b" * 64, 10, expires_in=60) is None
    assert len(CarelessS3.puts) == 2  # one probe: an honest PUT, then a lying one, accepted
    assert caplog.text.count("presigned uploads") == 1
    assert "do not match their x-amz-checksum-sha256" in caplog.text


def test_no_presigned_urls_when_turned_off_or_too_large(seaweed: Seaweed) -> None:
    bucket = new_bucket(seaweed)
    off = S3ArtifactStore(bucket, client=seaweed.client(), presign=False)
    digest, _ = off.put(io.BytesIO(b"data"))
    assert off.presign_get(digest, expires_in=60) is None
    assert off.presign_put(digest, 4, expires_in=60) is None
    on = S3ArtifactStore(bucket, client=seaweed.client())
    assert on.presign_put(digest, PUT_LIMIT + 1, expires_in=60) is None  # too big for one PUT
    assert on.presign_put(digest, PUT_LIMIT, expires_in=60) is not None
