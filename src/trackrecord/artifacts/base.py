"""The ArtifactStore protocol: content-addressed bytes, by SHA-256; and the checks of
the names that bytes go by (a digest, a path inside a run).

A store that can hand out presigned URLs (S3) also implements
:class:`PresigningStore`, so that a server may let its clients move bytes
straight to and from the store; a local directory does not.

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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import BinaryIO, Final, Protocol, runtime_checkable
from urllib.parse import unquote

from trackrecord.errors import InvalidValueError

__all__ = [
    "CHUNK_SIZE",
    "ArtifactStore",
    "PresignedRequest",
    "PresigningStore",
    "check_artifact_path",
    "check_digest",
    "file_sha256",
]

CHUNK_SIZE: Final = 1 << 20
MAX_PATH_LENGTH: Final = 4096
_HEX64 = re.compile(r"[0-9a-f]{64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DRIVE = re.compile(r"[A-Za-z]:")
_DOTS_AND_SPACES = re.compile(r"[. ]+")  # Windows drops trailing dots and spaces: '.. ' is '..'


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


@dataclass(frozen=True)
class PresignedRequest:
    """A request that anyone may send, until it expires, straight to the artifact store.

    The client sends *method* to *url* with *headers* (and the body, for a PUT);
    it adds no credentials of its own.
    """

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    expires_in: int = 0


@runtime_checkable
class PresigningStore(Protocol):
    """An artifact store that can let clients read and write it without its credentials."""

    def presign_get(self, sha256: str, expires_in: int) -> str | None:
        """A URL that reads the content for *expires_in* seconds (NotFoundError if absent);
        None when this store hands out no URLs (read it with :meth:`ArtifactStore.open`)."""
        ...

    def presign_put(
        self, sha256: str, size: int, expires_in: int, receipt: str | None = None
    ) -> PresignedRequest | None:
        """A PUT that stores *size* bytes under *sha256*, which the store itself refuses
        unless the bytes hash to *sha256*; None when the store cannot guarantee that
        (the bytes must then go through :meth:`ArtifactStore.put`). With *receipt*, the
        PUT must also store that text with the content (see :meth:`receipt`)."""
        ...

    def receipt(self, sha256: str) -> str | None:
        """The receipt the content was last stored with by a presigned PUT; None if it is
        absent or was stored otherwise. Only whoever was handed the PUT knows it, so it
        proves that they sent these bytes."""
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


def check_artifact_path(path: str, what: str = "artifact path") -> str:
    """Return *path* if it is a canonical relative path inside a run; raise otherwise.

    Allowed: ``/``-separated names such as ``model/weights.pt``. Refused, so that no
    reader that joins it to a directory or URL-decodes it can leave that directory:
    an absolute path or drive (``/etc/passwd``, ``C:/x``), ``.``, ``..`` or empty
    segments, segments of only dots and spaces, backslashes, control characters
    (NUL included), and anything that becomes one of these once percent-decoded
    (``%2e%2e/``, ``..%2f``). *what* names the path in the error message.

    Example:
        >>> check_artifact_path("plots/loss.png")
        'plots/loss.png'
        >>> check_artifact_path("../secrets")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        trackrecord.errors.InvalidValueError: artifact path '../secrets' ...
    """
    if not isinstance(path, str) or not path:
        raise InvalidValueError(
            f"{what} {path!r} must be a non-empty string such as 'model/weights.pt'"
        )
    if len(path) > MAX_PATH_LENGTH:
        raise InvalidValueError(
            f"{what} {path[:60]!r}... is {len(path)} characters long; "
            f"at most {MAX_PATH_LENGTH} are allowed"
        )
    seen = path
    for _ in range(3):  # decoding twice more catches double-encoded traversal (%252e)
        problem = _path_problem(seen)
        if problem is not None:
            decoded = "" if seen == path else f" (percent-decoded: {seen!r})"
            raise InvalidValueError(
                f"{what} {path!r}{decoded} {problem}; use a relative '/'-separated "
                f"path inside the run such as 'plots/loss.png'"
            )
        seen, before = unquote(seen), seen
        if seen == before:
            break
    return path


def _path_problem(path: str) -> str | None:
    """What makes *path* unsafe, in words; None if nothing does."""
    if _CONTROL.search(path):
        return "contains a control character (such as NUL)"
    if "\\" in path:
        return "contains a backslash"
    if path.startswith("/") or _DRIVE.match(path):
        return "is absolute"
    for segment in path.split("/"):
        if not segment:
            return "has an empty segment (a leading, trailing or doubled '/')"
        if _DOTS_AND_SPACES.fullmatch(segment):
            return f"has a {segment!r} segment"
    return None
