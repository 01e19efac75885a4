"""The ArtifactStore protocol: content-addressed bytes, by SHA-256.

Example:
    >>> import io, tempfile
    >>> from trackrecord.artifacts.local import LocalArtifactStore
    >>> store = LocalArtifactStore(tempfile.mkdtemp())
    >>> store.put(io.BytesIO(b"hello"))[1]
    5
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import BinaryIO, Final, Protocol, runtime_checkable

from trackrecord.errors import InvalidValueError

__all__ = ["CHUNK_SIZE", "ArtifactStore", "check_digest", "file_sha256"]

CHUNK_SIZE: Final = 1 << 20
_HEX64 = re.compile(r"[0-9a-f]{64}")


@runtime_checkable
class ArtifactStore(Protocol):
    """Stores bytes under their SHA-256; the same content is kept once."""

    def put(self, source: BinaryIO) -> tuple[str, int]:
        """Stream *source* in; return (sha256, size)."""
        ...

    def open(self, sha256: str) -> BinaryIO:
        """Open stored content (NotFoundError if absent)."""
        ...

    def exists(self, sha256: str) -> bool:
        """Whether content with this digest is stored."""
        ...

    def digests(self, stored_before: float | None = None) -> Iterator[str]:
        """The digest of every stored content, in no particular order.

        With *stored_before* (a Unix time in seconds), only contents stored
        (or stored again) before then: a garbage collector passes it to spare
        contents whose run has not recorded its ``artifact`` event yet.
        """
        ...

    def size(self, sha256: str) -> int:
        """The size in bytes of stored content (NotFoundError if absent)."""
        ...

    def remove(self, sha256: str, stored_before: float | None = None) -> int:
        """Delete stored content; return the bytes freed (0 if it was not there).

        With *stored_before*, content stored (again) at or after that time is
        kept and 0 returned, so content that a new run stored between a
        garbage collector's plan and its removal survives.
        """
        ...


def check_digest(sha256: str) -> str:
    """Return *sha256* if it is 64 lowercase hex characters; raise otherwise."""
    if not _HEX64.fullmatch(sha256):
        raise InvalidValueError(
            f"{sha256!r} is not a SHA-256 digest; expected 64 lowercase hex characters"
        )
    return sha256


def file_sha256(source: BinaryIO) -> tuple[str, int]:
    """Hash a stream without holding it in memory; return (sha256, size)."""
    digest, size = hashlib.sha256(), 0
    while block := source.read(CHUNK_SIZE):
        digest.update(block)
        size += len(block)
    return digest.hexdigest(), size
