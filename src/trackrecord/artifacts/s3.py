"""Artifacts in an S3-compatible bucket, content-addressed: ``<prefix>/sha256/ab/abcdef...``.

:meth:`S3ArtifactStore.put` streams: it hashes the content while uploading it
to a temporary key under ``<prefix>/tmp/`` (one ``PutObject`` for contents
smaller than a part, a multipart upload otherwise), then copies it to its
digest's key and deletes the temporary key, so a failed upload never leaves
partial content under a digest. Storing content that is already there copies
the stored object onto itself instead, which refreshes its ``LastModified``:
like the local store, an object's ``LastModified`` is when its content was
last stored, and ``digests``/``remove`` use it to spare recent contents.

A process killed in the middle of a put can leave a temporary key or an
unfinished multipart upload behind; a bucket lifecycle rule that expires
``<prefix>/tmp/`` and aborts incomplete uploads after a day cleans them up.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import uuid
from collections.abc import Iterator
from typing import Any, BinaryIO, Final, cast

from trackrecord.artifacts.base import CHUNK_SIZE, check_digest
from trackrecord.errors import NotFoundError, StoreError, missing

__all__ = ["S3ArtifactStore"]

PART_SIZE: Final = 8 << 20
_COPY_LIMIT: Final = 5 << 30  # the largest object a single CopyObject may copy
_MISSING_CODES: Final = frozenset({"404", "NoSuchKey", "NotFound"})
_KEY: Final = re.compile(r"sha256/([0-9a-f]{2})/(\1[0-9a-f]{62})")


class S3ArtifactStore:
    """An :class:`~trackrecord.artifacts.base.ArtifactStore` on an S3-compatible bucket.

    Args:
        bucket: the bucket, which must exist.
        prefix: a key prefix under which everything is stored (``""``: the bucket's root).
        client: a ready boto3 S3 client; if ``None``, one is made from the other arguments
            (and boto3's usual environment variables and config files).
        endpoint_url: the server of a non-AWS store (SeaweedFS, MinIO...); path-style
            addressing is used with it.
        access_key, secret_key, region: credentials and region for the client made here.
        part_size: the size of each part of a multipart upload (at least 5 MiB).

    Raises:
        MissingDependencyError: boto3 is not installed (``pip install 'trackrecord[s3]'``).
        StoreError: the server failed or refused a request; the message names the
            bucket and endpoint.

    Example:
        >>> store = S3ArtifactStore("artifacts", prefix="team-a",  # doctest: +SKIP
        ...     endpoint_url="http://127.0.0.1:8333", access_key="AK", secret_key="SK")
        >>> digest, size = store.put(io.BytesIO(b"weights"))  # doctest: +SKIP
        >>> with store.open(digest) as handle:  # doctest: +SKIP
        ...     handle.read()
        b'weights'
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        client: Any = None,
        endpoint_url: str | None = None,
        *,
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str | None = None,
        part_size: int = PART_SIZE,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.part_size = max(part_size, 5 << 20)  # S3 refuses smaller parts but the last
        self._client = (
            client
            if client is not None
            else _make_client(endpoint_url, access_key, secret_key, region)
        )
        self.endpoint = endpoint_url or str(self._client.meta.endpoint_url)
        self._boto_errors = _boto_errors()

    def _key(self, sha256: str) -> str:
        check_digest(sha256)
        return f"{self.prefix}sha256/{sha256[:2]}/{sha256}"

    def put(self, source: BinaryIO) -> tuple[str, int]:
        """Stream *source* into the store; return (sha256, size)."""
        temp = f"{self.prefix}tmp/{uuid.uuid4().hex}"
        with self._failures("store content"):
            try:
                digest, size = self._upload(source, temp)
                self._settle(temp, self._key(digest), size)
            finally:
                # best effort: a leftover temporary key wastes space but is never read
                with contextlib.suppress(Exception):
                    self._client.delete_object(Bucket=self.bucket, Key=temp)
        return digest, size

    def _upload(self, source: BinaryIO, key: str) -> tuple[str, int]:
        digest = hashlib.sha256()
        part = _read_part(source, self.part_size, digest)
        if len(part) < self.part_size:
            self._client.put_object(Bucket=self.bucket, Key=key, Body=part)
            return digest.hexdigest(), len(part)
        upload = self._client.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
        parts: list[dict[str, Any]] = []
        size = 0
        try:
            while part:
                number = len(parts) + 1
                answer = self._client.upload_part(
                    Bucket=self.bucket, Key=key, UploadId=upload, PartNumber=number, Body=part
                )
                parts.append({"ETag": answer["ETag"], "PartNumber": number})
                size += len(part)
                part = b""  # let the sent part go before reading the next one
                part = _read_part(source, self.part_size, digest)
            self._client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            with contextlib.suppress(Exception):
                self._client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload)
            raise
        return digest.hexdigest(), size

    def _settle(self, temp: str, final: str, size: int) -> None:
        """Move the uploaded *temp* to *final*, or refresh *final* if it is already there."""
        if self._head(final) is not None and size <= _COPY_LIMIT:
            source = final  # same bytes: a copy onto itself just refreshes LastModified
            extra = {"MetadataDirective": "REPLACE"}
        else:
            source, extra = temp, {}
        copy = {"Bucket": self.bucket, "Key": source}
        if size <= _COPY_LIMIT:
            self._client.copy_object(Bucket=self.bucket, Key=final, CopySource=copy, **extra)
        else:  # a managed multipart copy
            self._client.copy(copy, self.bucket, final)

    def open(self, sha256: str) -> BinaryIO:
        """Open stored content for streaming reads (``read(n)``, ``with``)."""
        key = self._key(sha256)
        with self._failures(f"read artifact content {sha256}"):
            try:
                answer = self._client.get_object(Bucket=self.bucket, Key=key)
            except self._boto_errors as exc:
                if _is_missing(exc):
                    raise self._not_found(sha256) from None
                raise
        return cast(BinaryIO, answer["Body"])  # botocore's StreamingBody is an io.IOBase

    def exists(self, sha256: str) -> bool:
        """Whether content with this digest is stored."""
        return self._head(self._key(sha256)) is not None

    def size(self, sha256: str) -> int:
        """The size in bytes of stored content."""
        head = self._head(self._key(sha256))
        if head is None:
            raise self._not_found(sha256)
        return int(head["ContentLength"])

    def digests(self, stored_before: float | None = None) -> Iterator[str]:
        """Every stored digest (those stored before *stored_before*, if given)."""
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}sha256/"
        )
        with self._failures("list artifact contents"):
            for page in pages:
                for item in page.get("Contents", []):
                    found = _KEY.fullmatch(item["Key"][len(self.prefix) :])
                    if found is None:
                        continue  # not ours
                    if stored_before is None or item["LastModified"].timestamp() < stored_before:
                        yield found.group(2)

    def remove(self, sha256: str, stored_before: float | None = None) -> int:
        """Delete stored content; return the bytes freed (0: absent, or stored since).

        S3 has no conditional delete, so a put of the same content in the instant
        between this check and the delete can still lose its object.
        """
        key = self._key(sha256)
        head = self._head(key)
        if head is None:
            return 0
        if stored_before is not None and head["LastModified"].timestamp() >= stored_before:
            return 0
        with self._failures(f"remove artifact content {sha256}"):
            self._client.delete_object(Bucket=self.bucket, Key=key)
        return int(head["ContentLength"])

    def _head(self, key: str) -> dict[str, Any] | None:
        with self._failures(f"look up {key}"):
            try:
                return cast(dict[str, Any], self._client.head_object(Bucket=self.bucket, Key=key))
            except self._boto_errors as exc:
                if _is_missing(exc):
                    return None
                raise

    def _not_found(self, sha256: str) -> NotFoundError:
        return NotFoundError(
            f"no artifact content with sha256 {sha256} in s3://{self.bucket}/{self.prefix}"
        )

    @contextlib.contextmanager
    def _failures(self, action: str) -> Iterator[None]:
        """Turn boto3's errors into a StoreError that says where and what to check."""
        try:
            yield
        except self._boto_errors as exc:
            raise StoreError(
                f"cannot {action} in S3 bucket {self.bucket!r} at {self.endpoint}: {exc}. "
                "Check that the endpoint is reachable, that the bucket exists, and that the "
                "credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or those passed in) "
                "may read, write and list it."
            ) from exc


def _read_part(source: BinaryIO, part_size: int, digest: Any) -> bytes:
    """Read up to *part_size* bytes (fewer only at the end), hashing them."""
    blocks: list[bytes] = []
    held = 0
    while held < part_size and (block := source.read(min(CHUNK_SIZE, part_size - held))):
        digest.update(block)
        blocks.append(block)
        held += len(block)
    return b"".join(blocks)


def _is_missing(exc: Exception) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
    return str(code) in _MISSING_CODES


def _boto_errors() -> tuple[type[Exception], ...]:
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        raise missing("boto3", "s3", "the S3 artifact store") from None
    return (BotoCoreError, ClientError)


def _make_client(
    endpoint_url: str | None, access_key: str | None, secret_key: str | None, region: str | None
) -> Any:
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise missing("boto3", "s3", "the S3 artifact store") from None
    config = Config(s3={"addressing_style": "path"} if endpoint_url else {})
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=region or ("us-east-1" if endpoint_url else None),
        config=config,
    )
