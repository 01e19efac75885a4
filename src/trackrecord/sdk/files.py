"""Turning files, directories and in-memory objects into artifact records."""

from __future__ import annotations

import io
import os
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Protocol

from trackrecord.artifacts.base import check_artifact_path
from trackrecord.errors import InvalidValueError
from trackrecord.media.types import media_type

__all__ = ["ArtifactSink", "artifact_name", "store_bytes", "store_path"]


class ArtifactSink(Protocol):
    """Where artifact bytes go: a store, or a workspace's outbox while a server is away."""

    def put_artifact(self, source: BinaryIO) -> tuple[str, int]:
        """Store bytes content-addressed; return (sha256, size)."""
        ...


def artifact_name(name: str) -> str:
    """Check an artifact path inside a run and return it in canonical form.

    ``./`` and doubled ``/`` are dropped, and on Windows ``\\`` becomes ``/``; what
    remains must pass :func:`~trackrecord.artifacts.base.check_artifact_path`
    (relative, no ``..``, no backslash or NUL, no percent-encoded traversal).

    Example:
        >>> artifact_name("./plots//loss.png")
        'plots/loss.png'
    """
    if not isinstance(name, str) or not name.strip():
        raise InvalidValueError(
            f"artifact name {name!r} must be a non-empty string such as 'model/weights.pt'"
        )
    return check_artifact_path(str(PurePosixPath(name.replace(os.sep, "/"))), "artifact name")


def store_bytes(
    store: ArtifactSink, name: str, content: bytes, kind: str | None = None
) -> dict[str, Any]:
    """Store *content* as artifact *name*; return its file record."""
    path = artifact_name(name)
    sha256, size = store.put_artifact(io.BytesIO(content))
    return {
        "path": path,
        "sha256": sha256,
        "size": size,
        "media_type": kind or media_type(name),
    }


def _file_record(store: ArtifactSink, source: Path, name: str) -> dict[str, Any]:
    with source.open("rb") as handle:
        sha256, size = store.put_artifact(handle)
    return {"path": name, "sha256": sha256, "size": size, "media_type": media_type(name)}


def _member_name(prefix: str, relative: str, full: Path) -> str:
    try:
        return check_artifact_path(f"{prefix}/{relative}")
    except InvalidValueError as exc:
        raise InvalidValueError(
            f"log_artifact: cannot store {str(full)!r} under its own name: {exc}. "
            f"Rename the file, or log it alone with log_artifact(path, name=...)"
        ) from None


def store_path(
    store: ArtifactSink, path: str | os.PathLike[str], name: str | None
) -> list[dict[str, Any]]:
    """Store a file or a directory tree (files in sorted order); return the file records."""
    source = Path(path)
    if source.is_file():
        return [_file_record(store, source, artifact_name(source.name if name is None else name))]
    if not source.is_dir():
        raise InvalidValueError(
            f"log_artifact: {str(source)!r} is neither a file nor a directory;"
            f" check the path (relative paths start at {Path.cwd()})"
        )
    prefix = artifact_name(source.name if name is None else name)
    records = []
    for root, dirs, files in os.walk(source):
        dirs.sort()
        for file in sorted(files):
            full = Path(root) / file
            if full.is_file():
                relative = full.relative_to(source).as_posix()
                records.append(_file_record(store, full, _member_name(prefix, relative, full)))
    return records
