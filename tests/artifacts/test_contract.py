"""The ArtifactStore contract: every implementation listed in STORES passes all of it."""

from __future__ import annotations

import hashlib
import io
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from trackrecord.artifacts.base import ArtifactStore
from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.artifacts.s3 import S3ArtifactStore
from trackrecord.errors import InvalidValueError, NotFoundError

from .seaweed import new_bucket, seaweed

__all__ = ["seaweed"]  # a fixture, used by name

STORES = ["local", "s3"]


@pytest.fixture(params=STORES)
def artifacts(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ArtifactStore]:
    if request.param == "s3":
        server = request.getfixturevalue("seaweed")
        yield S3ArtifactStore(new_bucket(server), prefix="runs/artifacts", client=server.client())
    else:
        yield LocalArtifactStore(tmp_path / "artifacts")


def test_put_returns_the_sha256_and_size_and_open_reads_it_back(artifacts: ArtifactStore) -> None:
    content = os.urandom(3 * (1 << 20) + 17)  # spans several read blocks
    digest, size = artifacts.put(io.BytesIO(content))
    assert (digest, size) == (hashlib.sha256(content).hexdigest(), len(content))
    assert artifacts.exists(digest)
    with artifacts.open(digest) as handle:
        assert handle.read() == content


def test_same_content_is_kept_once(artifacts: ArtifactStore, tmp_path: Path) -> None:
    first = artifacts.put(io.BytesIO(b"same"))
    assert artifacts.put(io.BytesIO(b"same")) == first
    assert list(artifacts.digests()) == [first[0]]
    if isinstance(artifacts, LocalArtifactStore):  # S3's layout: see test_s3.py
        stored = [p for p in (tmp_path / "artifacts").rglob("*") if p.is_file()]
        assert len(stored) == 1


def test_empty_content(artifacts: ArtifactStore) -> None:
    digest, size = artifacts.put(io.BytesIO(b""))
    assert size == 0 and digest == hashlib.sha256(b"").hexdigest()


def test_missing_and_malformed_digests(artifacts: ArtifactStore) -> None:
    assert not artifacts.exists("a" * 64)
    with pytest.raises(NotFoundError, match=r"a{64}"):
        artifacts.open("a" * 64)
    with pytest.raises(InvalidValueError, match="SHA-256"):
        artifacts.open("../../etc/passwd")


def test_concurrent_puts_of_the_same_content(artifacts: ArtifactStore) -> None:
    content = os.urandom(1 << 20)
    with ThreadPoolExecutor(8) as pool:
        results = set(pool.map(lambda _: artifacts.put(io.BytesIO(content)), range(16)))
    assert len(results) == 1
    with artifacts.open(results.pop()[0]) as handle:
        assert handle.read() == content


def test_digests_size_and_remove(artifacts: ArtifactStore) -> None:
    a, size = artifacts.put(io.BytesIO(b"aaa"))
    b, _ = artifacts.put(io.BytesIO(b"bbbb"))
    assert set(artifacts.digests()) == {a, b}
    assert set(artifacts.digests(stored_before=time.time() - 60)) == set()
    assert artifacts.size(b) == 4
    assert artifacts.remove(a, stored_before=time.time() - 60) == 0  # too recent: kept
    assert artifacts.remove(a) == size and not artifacts.exists(a)
    assert artifacts.remove(a) == 0  # already gone
    with pytest.raises(NotFoundError):
        artifacts.size(a)
    assert set(artifacts.digests()) == {b}


def test_local_listing_skips_staging_and_stray_files(tmp_path: Path) -> None:
    artifacts = LocalArtifactStore(tmp_path)
    a, _ = artifacts.put(io.BytesIO(b"aaa"))
    (tmp_path / "tmp").mkdir(exist_ok=True)
    (tmp_path / "tmp" / ("f" * 64)).write_bytes(b"staging")  # not a stored content
    (tmp_path / "sha256" / a[:2] / "notes.swp").write_bytes(b"stray")
    assert set(artifacts.digests()) == {a}
