"""Artifacts in a local directory, content-addressed: ``sha256/ab/abcdef...``.

Content is written to a temporary file in the same directory while it is
hashed, then renamed into place, so a crash never leaves a partial file under
a digest, and two processes storing the same content both succeed.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from trackrecord.artifacts.base import CHUNK_SIZE, check_digest
from trackrecord.errors import NotFoundError, StoreError

__all__ = ["LocalArtifactStore"]


class LocalArtifactStore:
    """An :class:`~trackrecord.artifacts.base.ArtifactStore` on a local directory.

    Example:
        >>> import io, tempfile
        >>> store = LocalArtifactStore(tempfile.mkdtemp())
        >>> digest, size = store.put(io.BytesIO(b"weights"))
        >>> store.open(digest).read()
        b'weights'
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        check_digest(sha256)
        return self.root / "sha256" / sha256[:2] / sha256

    def put(self, source: BinaryIO) -> tuple[str, int]:
        """Stream *source* into the store; return (sha256, size)."""
        staging = self.root / "tmp"
        try:
            staging.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=staging, prefix="put-")
        except OSError as exc:
            raise StoreError(f"cannot write artifacts under {self.root}: {exc}") from exc
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as out:
                while block := source.read(CHUNK_SIZE):
                    digest.update(block)
                    out.write(block)
                    size += len(block)
            final = self._path(digest.hexdigest())
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise StoreError(f"cannot write artifacts under {self.root}: {exc}") from exc
        return digest.hexdigest(), size

    def open(self, sha256: str) -> BinaryIO:
        """Open stored content for reading."""
        try:
            return self._path(sha256).open("rb")
        except FileNotFoundError:
            raise NotFoundError(
                f"no artifact content with sha256 {sha256} in {self.root}"
            ) from None

    def exists(self, sha256: str) -> bool:
        """Whether content with this digest is stored."""
        return self._path(sha256).is_file()
