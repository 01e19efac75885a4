"""What only the S3 store does: multipart streaming, temporary keys, dedup by copy, errors."""

from __future__ import annotations

import hashlib
import io
import os
import sys
import tracemalloc
from typing import Any, BinaryIO, cast

import pytest
from botocore.exceptions import ClientError

from trackrecord.artifacts.s3 import S3ArtifactStore
from trackrecord.errors import MissingDependencyError, StoreError

from .seaweed import Seaweed, new_bucket, seaweed

__all__ = ["seaweed"]  # a fixture, used by name

MiB = 1 << 20
PREFIX = "team/artifacts"


class GeneratedStream(io.RawIOBase):
    """*size* random bytes made on demand (never all in memory); fails after *fail_after*."""

    def __init__(self, size: int, fail_after: int | None = None) -> None:
        self.left, self.fail_after, self.sent = size, fail_after, 0
        self.digest = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        if self.fail_after is not None and self.sent >= self.fail_after:
            raise OSError("the source disk went away")
        block = os.urandom(min(self.left, MiB if n < 0 else n))
        self.left -= len(block)
        self.sent += len(block)
        self.digest.update(block)
        return block


@pytest.fixture
def bucket(seaweed: Seaweed) -> str:
    return new_bucket(seaweed)


@pytest.fixture
def store(seaweed: Seaweed, bucket: str) -> S3ArtifactStore:
    return S3ArtifactStore(bucket, prefix=PREFIX, client=seaweed.client())


def keys(seaweed: Seaweed, bucket: str) -> list[str]:
    listing = seaweed.client().list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def pending_uploads(seaweed: Seaweed, bucket: str) -> list[Any]:
    return list(seaweed.client().list_multipart_uploads(Bucket=bucket).get("Uploads", []))


def count_calls(store: S3ArtifactStore, operation: str) -> list[str]:
    calls: list[str] = []
    store._client.meta.events.register(
        f"before-call.s3.{operation}", lambda **_: calls.append(operation)
    )
    return calls


def test_large_content_goes_up_in_parts_and_reads_back(store: S3ArtifactStore) -> None:
    parts = count_calls(store, "UploadPart")
    source = GeneratedStream(40 * MiB + 123)
    digest, size = store.put(cast(BinaryIO, source))
    assert (digest, size) == (source.digest.hexdigest(), 40 * MiB + 123)
    assert len(parts) == 6  # five full 8 MiB parts and a short last one
    read_back = hashlib.sha256()
    with store.open(digest) as handle:
        while block := handle.read(MiB):
            read_back.update(block)
    assert read_back.hexdigest() == digest and store.size(digest) == size


def test_same_content_twice_leaves_one_object_and_no_temporary_keys(
    store: S3ArtifactStore, seaweed: Seaweed, bucket: str
) -> None:
    content = os.urandom(9 * MiB)  # multipart, then dedup
    digest, _ = store.put(io.BytesIO(content))
    assert store.put(io.BytesIO(content))[0] == digest
    assert keys(seaweed, bucket) == [f"{PREFIX}/sha256/{digest[:2]}/{digest}"]
    assert pending_uploads(seaweed, bucket) == []


def test_failed_source_leaves_nothing_behind(
    store: S3ArtifactStore, seaweed: Seaweed, bucket: str
) -> None:
    with pytest.raises(OSError, match="went away"):
        store.put(cast(BinaryIO, GeneratedStream(40 * MiB, fail_after=20 * MiB)))
    assert keys(seaweed, bucket) == []
    assert pending_uploads(seaweed, bucket) == []


def test_server_failure_mid_upload_is_a_store_error_and_leaves_nothing(
    store: S3ArtifactStore, seaweed: Seaweed, bucket: str
) -> None:
    parts = count_calls(store, "UploadPart")

    def fail_third_part(**_: Any) -> None:
        if len(parts) == 3:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "boom"}}, "UploadPart")

    store._client.meta.events.register("before-call.s3.UploadPart", fail_third_part)
    with pytest.raises(StoreError, match=rf"cannot store content in S3 bucket '{bucket}'"):
        store.put(cast(BinaryIO, GeneratedStream(40 * MiB)))
    assert keys(seaweed, bucket) == []
    assert pending_uploads(seaweed, bucket) == []


def test_putting_a_large_stream_holds_a_few_parts_at_most(store: S3ArtifactStore) -> None:
    source = GeneratedStream(64 * MiB)
    tracemalloc.start()
    try:
        store.put(cast(BinaryIO, source))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # one part's blocks and their joined copy (16 MiB), well under the 64 MiB streamed
    assert peak < 2.5 * store.part_size
    assert store.exists(source.digest.hexdigest())


def test_wrong_credentials_are_a_clear_store_error(seaweed: Seaweed, bucket: str) -> None:
    store = S3ArtifactStore(bucket, client=seaweed.client(secret_key="wrong"))
    with pytest.raises(StoreError, match=rf"'{bucket}' at {seaweed.endpoint}.*credentials"):
        store.put(io.BytesIO(b"data"))
    with pytest.raises(StoreError, match="credentials"):
        store.exists("a" * 64)  # refused, not absent


def test_missing_boto3_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'trackrecord\[s3\]'"):
        S3ArtifactStore("artifacts", endpoint_url="http://127.0.0.1:1")
