"""Streamed file digests and directory manifests: content only, bounded memory."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from trackrecord.data.digest import FileEntry, hash_directory, hash_file, manifest_digest
from trackrecord.errors import InvalidValueError


def _digest_in_subprocess(path: Path, function: str = "hash_file") -> str:
    code = f"from trackrecord.data.digest import {function}; print({function}({str(path)!r})[0])"
    done = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=60
    )
    return done.stdout.strip()


def test_hash_file_is_the_sha256_of_the_bytes_across_buffer_boundaries(tmp_path: Path) -> None:
    data = os.urandom((1 << 20) * 2 + 123)
    (tmp_path / "f.bin").write_bytes(data)
    assert hash_file(tmp_path / "f.bin") == (hashlib.sha256(data).hexdigest(), len(data))


def test_file_digest_is_equal_in_another_process_and_changes_with_one_byte(
    tmp_path: Path,
) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b\n1,2\n")
    digest = hash_file(path)[0]
    assert _digest_in_subprocess(path) == digest
    path.write_bytes(b"a,b\n1,3\n")
    assert hash_file(path)[0] != digest


def test_hash_file_refuses_a_directory_and_a_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError, match="hash_directory"):
        hash_file(tmp_path)
    with pytest.raises(InvalidValueError, match="does not exist"):
        hash_file(tmp_path / "nope")


def _make_tree(root: Path, order: list[str]) -> None:
    contents = {"b.txt": b"bee", "a/x.bin": b"\x00\x01", "a/z/deep.txt": b"deep", "c": b""}
    for name in order:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(contents[name])


def test_directory_digest_ignores_creation_order_and_mtime(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    _make_tree(first, ["b.txt", "a/x.bin", "a/z/deep.txt", "c"])
    _make_tree(second, ["c", "a/z/deep.txt", "a/x.bin", "b.txt"])
    os.utime(second / "b.txt", (1_000_000, 1_000_000))
    digest, entries = hash_directory(first)
    assert hash_directory(second, workers=3) == (digest, entries)
    assert [e.path for e in entries] == ["a/x.bin", "a/z/deep.txt", "b.txt", "c"]
    assert entries[0] == FileEntry("a/x.bin", hashlib.sha256(b"\x00\x01").hexdigest(), 2)
    assert _digest_in_subprocess(first, "hash_directory") == digest


def test_directory_digest_changes_with_a_byte_a_name_or_a_new_file(tmp_path: Path) -> None:
    _make_tree(tmp_path, ["b.txt", "a/x.bin", "a/z/deep.txt", "c"])
    digests = {hash_directory(tmp_path)[0]}
    (tmp_path / "b.txt").write_bytes(b"bee!")
    digests.add(hash_directory(tmp_path)[0])
    (tmp_path / "b.txt").rename(tmp_path / "B.txt")
    digests.add(hash_directory(tmp_path)[0])
    (tmp_path / "new").write_bytes(b"")
    digests.add(hash_directory(tmp_path)[0])
    assert len(digests) == 4


def test_directory_follows_file_links_and_skips_fifos_and_broken_links(tmp_path: Path) -> None:
    (tmp_path / "real.txt").write_bytes(b"real")
    (tmp_path / "link.txt").symlink_to(tmp_path / "real.txt")
    (tmp_path / "broken").symlink_to(tmp_path / "missing")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(tmp_path / "pipe")
    _, entries = hash_directory(tmp_path)
    assert [(e.path, e.size) for e in entries] == [("link.txt", 4), ("real.txt", 4)]


def test_manifest_digest_does_not_depend_on_input_order() -> None:
    entries = [FileEntry(f"f{i}", f"{i:064x}", i) for i in range(5)]
    assert manifest_digest(entries) == manifest_digest(reversed(entries))
    assert manifest_digest(entries) != manifest_digest(entries[:-1])


def test_hash_directory_refuses_a_file_and_zero_workers(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x")
    with pytest.raises(InvalidValueError, match="not a directory"):
        hash_directory(tmp_path / "f")
    with pytest.raises(InvalidValueError, match="at least 1"):
        hash_directory(tmp_path, workers=0)


def test_hashing_a_large_file_keeps_memory_bounded(tmp_path: Path) -> None:
    path = tmp_path / "large.bin"
    size = 512 << 20
    with open(path, "wb") as stream:  # mostly holes, with real blocks spread through it
        for offset in range(0, size, 64 << 20):
            stream.seek(offset)
            stream.write(os.urandom(1 << 20))
        stream.truncate(size)
    code = textwrap.dedent(
        f"""
        import resource
        from trackrecord.data.digest import hash_file
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        digest, size = hash_file({str(path)!r})
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(size, (after - before) * 1024)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120
    )
    hashed, growth = map(int, done.stdout.split())
    assert hashed == size
    assert growth < 64 << 20, f"peak memory grew by {growth} bytes"
