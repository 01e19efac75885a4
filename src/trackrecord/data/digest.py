"""SHA-256 digests of files and directories, streamed with bounded memory.

A file is hashed through one reusable buffer, so memory stays the same whatever
its size; OpenSSL releases the GIL while it hashes, so the files of a directory
are hashed by a pool of threads.

A directory's digest is the digest of its *manifest*: one entry per regular
file (its POSIX path relative to the directory, its SHA-256 and its size),
sorted by path and encoded as::

    b"trackrecord-manifest-v1\\n"
    then, for each entry:  UTF-8(path) b"\\0" sha256-hex b"\\0" decimal(size) b"\\n"

so it depends on names and bytes only: not on the order files were created,
their modification times, permissions or the order the file system lists them.
Symbolic links to files are hashed as the file they point to; links to
directories are not followed (no loops), and broken links, sockets and FIFOs
are left out.

Example:
    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "a.txt").write_bytes(b"hello")
    >>> hash_file(root / "a.txt")
    ('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824', 5)
    >>> digest, entries = hash_directory(root)
    >>> [e.path for e in entries]
    ['a.txt']
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final

from trackrecord.errors import InvalidValueError

__all__ = ["BUFFER_SIZE", "FileEntry", "hash_directory", "hash_file", "manifest_digest"]

BUFFER_SIZE: Final = 1 << 20
MANIFEST_HEADER: Final = b"trackrecord-manifest-v1\n"


@dataclass(frozen=True)
class FileEntry:
    """One file of a directory manifest.

    Attributes:
        path: POSIX path relative to the directory root, such as ``"train/0001.png"``.
        sha256: SHA-256 of the file's bytes, 64 lowercase hex characters.
        size: size in bytes.
    """

    path: str
    sha256: str
    size: int

    def to_dict(self) -> dict[str, str | int]:
        """The entry as a JSON-ready dict: ``{"path", "sha256", "size"}``."""
        return {"path": self.path, "sha256": self.sha256, "size": self.size}


def hash_file(path: str | os.PathLike[str]) -> tuple[str, int]:
    """Stream the file at *path* through SHA-256; return (hex digest, size in bytes).

    Memory stays at one 1 MiB buffer whatever the file's size.

    Raises:
        InvalidValueError: *path* is not a readable regular file.

    Example:
        >>> import tempfile
        >>> with tempfile.NamedTemporaryFile(delete=False) as f:
        ...     _ = f.write(b"")
        >>> hash_file(f.name)[1]
        0
    """
    try:
        return _hash_open_file(path, bytearray(BUFFER_SIZE))
    except IsADirectoryError as exc:
        raise InvalidValueError(
            f"{os.fspath(path)!r} is a directory; use hash_directory() for directories"
        ) from exc
    except FileNotFoundError as exc:
        raise InvalidValueError(
            f"{os.fspath(path)!r} does not exist; pass the path of an existing file"
        ) from exc


def _hash_open_file(path: str | os.PathLike[str], buffer: bytearray) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as stream:
        while count := stream.readinto(view):
            digest.update(view[:count])
            size += count
    return digest.hexdigest(), size


def hash_directory(
    path: str | os.PathLike[str], workers: int | None = None
) -> tuple[str, list[FileEntry]]:
    """Hash every regular file under *path*; return (manifest digest, entries sorted by path).

    Args:
        path: an existing directory.
        workers: threads that hash files at once; default one per CPU (at most 16).

    Raises:
        InvalidValueError: *path* is not a directory.

    Example:
        >>> import tempfile
        >>> hash_directory(tempfile.mkdtemp())[1]
        []
    """
    root = os.fspath(path)
    if not os.path.isdir(root):
        raise InvalidValueError(
            f"{root!r} is not a directory; pass an existing directory, or use hash_file()"
        )
    names = sorted(_regular_files(root), key=_sort_key)
    count = workers if workers is not None else min(16, os.cpu_count() or 1)
    if count < 1:
        raise InvalidValueError(f"workers must be at least 1, not {count}")
    entries = _hash_many(root, names, count)
    return manifest_digest(entries), entries


def _hash_many(root: str, names: list[str], workers: int) -> list[FileEntry]:
    def one(name: str) -> FileEntry:
        sha256, size = _hash_open_file(os.path.join(root, name), _thread_buffer())
        return FileEntry(name, sha256, size)

    if workers == 1 or len(names) < 2:
        return [one(name) for name in names]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="trackrecord-hash") as pool:
        return list(pool.map(one, names))


_local = threading.local()


def _thread_buffer() -> bytearray:
    """This thread's hashing buffer, reused across files; freed when the thread ends."""
    buffer: bytearray | None = getattr(_local, "buffer", None)
    if buffer is None:
        buffer = _local.buffer = bytearray(BUFFER_SIZE)
    return buffer


def _regular_files(root: str, prefix: str = "") -> Iterator[str]:
    """POSIX relative paths of the regular files under *root* (links to files included)."""
    with os.scandir(os.path.join(root, prefix) if prefix else root) as listing:
        for entry in listing:
            name = f"{prefix}{entry.name}"
            try:
                if entry.is_dir(follow_symlinks=False):
                    yield from _regular_files(root, f"{name}/")
                elif entry.is_file(follow_symlinks=True):
                    yield name
            except OSError:  # vanished or unreadable while listing
                continue


def _sort_key(path: str) -> bytes:
    return path.encode("utf-8", "surrogateescape")


def manifest_digest(entries: Iterable[FileEntry]) -> str:
    """The SHA-256 of a manifest, whatever the order of *entries* (see the module docstring).

    Example:
        >>> a, b = FileEntry("a", "0" * 64, 1), FileEntry("b", "1" * 64, 2)
        >>> manifest_digest([a, b]) == manifest_digest([b, a])
        True
    """
    digest = hashlib.sha256(MANIFEST_HEADER)
    for entry in sorted(entries, key=lambda e: _sort_key(e.path)):
        digest.update(_sort_key(entry.path))
        digest.update(f"\0{entry.sha256}\0{entry.size}\n".encode("ascii"))
    return digest.hexdigest()
