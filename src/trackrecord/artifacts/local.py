"""Artifacts in a local directory, content-addressed: ``sha256/ab/abcdef...``.

Content is written to a temporary file in ``tmp/`` while it is hashed, then
renamed into place, so a crash never leaves a partial file under a digest, and
two processes storing the same content both succeed. Storing content again
renames a fresh file over the old one, so a file's modification time is when
its content was last stored: :meth:`LocalArtifactStore.remove` and
:meth:`LocalArtifactStore.digests` use it to spare contents stored recently.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Final

from trackrecord.artifacts.base import CHUNK_SIZE, check_digest
from trackrecord.errors import InvalidValueError, NotFoundError, StoreError

__all__ = ["LocalArtifactStore"]

_DIGEST: Final = re.compile(r"[0-9a-f]{64}")


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
            raise NotFoundError(_missing(sha256)) from None

    def exists(self, sha256: str) -> bool:
        """Whether content with this digest is stored."""
        return self._path(sha256).is_file()

    def digests(self, stored_before: float | None = None) -> Iterator[str]:
        """Every stored digest (those stored before *stored_before*, if given); skips ``tmp/``."""
        base = self.root / "sha256"
        if not base.is_dir():
            return
        for shard in sorted(base.iterdir()):
            if not shard.is_dir():
                continue
            with os.scandir(shard) as entries:
                for entry in entries:
                    if not _DIGEST.fullmatch(entry.name) or entry.name[:2] != shard.name:
                        continue  # not ours (an editor's backup, a stray file)
                    if stored_before is None or entry.stat().st_mtime < stored_before:
                        yield entry.name

    def size(self, sha256: str) -> int:
        """The size in bytes of stored content."""
        try:
            return self._path(sha256).stat().st_size
        except FileNotFoundError:
            raise NotFoundError(_missing(sha256)) from None

    def remove(self, sha256: str, stored_before: float | None = None) -> int:
        """Delete stored content; return the bytes freed (0: absent, or stored since)."""
        path = self._path(sha256)
        try:
            if stored_before is not None and path.stat().st_mtime >= stored_before:
                return 0
            held = self._staging() / f"gc-{sha256}-{os.getpid()}"
            os.replace(path, held)  # atomic: a put() racing with us re-creates path whole
            stat = held.stat()
            if stored_before is not None and stat.st_mtime >= stored_before:
                os.replace(held, path)  # stored again since we looked: same bytes, keep them
                return 0
            held.unlink()
        except FileNotFoundError:
            return 0
        except OSError as exc:
            raise StoreError(
                f"cannot remove artifact content {sha256} from {self.root}: {exc}"
            ) from exc
        return stat.st_size

    def stale_staging(self, stored_before: float) -> list[tuple[str, int]]:
        """Files in ``tmp/`` untouched since *stored_before*: (name, size) of each.

        They are left by processes that died while storing content; a put that
        is still writing touches its file all the time, so it is never stale.
        """
        staging = self.root / "tmp"
        if not staging.is_dir():
            return []
        found = []
        with os.scandir(staging) as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False):
                    stat = entry.stat(follow_symlinks=False)
                    if stat.st_mtime < stored_before:
                        found.append((entry.name, stat.st_size))
        return sorted(found)

    def remove_staging(self, name: str) -> int:
        """Delete one file of ``tmp/`` (a name from :meth:`stale_staging`); return its size."""
        if "/" in name or "\\" in name or name in ("", ".", ".."):
            raise InvalidValueError(f"{name!r} is not a file name in {self.root / 'tmp'}")
        path = self.root / "tmp" / name
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return 0
        except OSError as exc:
            raise StoreError(f"cannot remove {path}: {exc}") from exc
        return size

    def _staging(self) -> Path:
        staging = self.root / "tmp"
        staging.mkdir(parents=True, exist_ok=True)
        return staging


def _missing(sha256: str) -> str:
    # the digest alone: a server answers with this message, and its paths are none of its
    # clients' business
    return f"no artifact content with sha256 {sha256}"
