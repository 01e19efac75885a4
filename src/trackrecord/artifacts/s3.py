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

Presigned URLs (:class:`~trackrecord.artifacts.base.PresigningStore`) let a
server's clients skip the server. A presigned PUT goes straight to a digest's
key and signs an ``x-amz-checksum-sha256`` header of that digest, so the S3
server itself refuses any other bytes. Not every S3-compatible server checks
it, so before its first presigned PUT the store probes its server once: an
honest PUT must succeed; a PUT of bytes that miss the checksum, or with an
unsigned ``x-amz-copy-source``, must be refused. Otherwise, and for contents
over 5 GiB (the most one PUT carries), uploads go through :meth:`put`.

A presigned PUT may also carry a receipt, as signed user metadata: a server
hands it only to the client it offers the PUT to, and reads it back afterwards
(:meth:`S3ArtifactStore.receipt`) as proof that this client sent the bytes.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import logging
import re
import threading
import urllib.parse
import uuid
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO, Final, cast

from trackrecord.artifacts.base import CHUNK_SIZE, PresignedRequest, check_digest
from trackrecord.errors import InvalidValueError, NotFoundError, StoreError, missing

__all__ = ["S3ArtifactStore"]

PART_SIZE: Final = 8 << 20
_COPY_LIMIT: Final = 5 << 30  # the largest object a single CopyObject may copy
PUT_LIMIT: Final = 5 << 30  # the largest object a single PutObject may carry
_MAX_EXPIRY: Final = 7 * 24 * 3600  # what SigV4 allows
_PROBE_TIMEOUT: Final = 10.0
_log = logging.getLogger(__name__)
_MISSING_CODES: Final = frozenset({"404", "NoSuchKey", "NotFound"})
_RECEIPT: Final = "trackrecord-receipt"  # user metadata: x-amz-meta-trackrecord-receipt
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
        presign: whether to hand out presigned URLs (:meth:`presign_get`,
            :meth:`presign_put`); turn it off when clients cannot reach the endpoint.

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
        presign: bool = True,
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
        self.presign = presign
        self._checks_checksums: bool | None = None  # probed before the first presigned PUT
        self._probe_lock = threading.Lock()

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

    def presign_get(self, sha256: str, expires_in: int) -> str | None:
        """A URL that reads stored content for *expires_in* seconds, without credentials.

        None when presigning is off; NotFoundError if the content is absent.

        Example:
            >>> url = store.presign_get(digest, expires_in=300)  # doctest: +SKIP
            >>> httpx.get(url).content  # doctest: +SKIP
            b'weights'
        """
        key = self._key(sha256)
        _check_expiry(expires_in)
        if not self.presign:
            return None
        if self._head(key) is None:
            raise self._not_found(sha256)
        with self._failures(f"presign a read of {sha256}"):
            params = {"Bucket": self.bucket, "Key": key}
            return str(self._client.generate_presigned_url("get_object", params, expires_in))

    def presign_put(
        self, sha256: str, size: int, expires_in: int, receipt: str | None = None
    ) -> PresignedRequest | None:
        """A PUT of *size* bytes to *sha256*'s key for *expires_in* seconds, which the S3
        server refuses unless the bytes hash to *sha256*. None when it would not refuse
        them (see the module's notes), when presigning is off, or over 5 GiB: :meth:`put`.
        With *receipt*, the PUT must also send it as signed user metadata, which
        :meth:`receipt` reads back.

        Example:
            >>> request = store.presign_put(digest, size, expires_in=900)  # doctest: +SKIP
            >>> httpx.put(request.url, content=data, headers=request.headers)  # doctest: +SKIP
        """
        key = self._key(sha256)
        _check_expiry(expires_in)
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise InvalidValueError(f"size {size!r} must be a whole number of bytes")
        if not self.presign or size > PUT_LIMIT or not self._enforces_checksums():
            return None
        checksum = base64.b64encode(bytes.fromhex(sha256)).decode()
        url = self._presigned_put_url(key, checksum, expires_in, receipt)
        headers = {"x-amz-checksum-sha256": checksum}
        if receipt is not None:
            headers[f"x-amz-meta-{_RECEIPT}"] = receipt
        return PresignedRequest("PUT", url, headers, expires_in)

    def receipt(self, sha256: str) -> str | None:
        """The receipt a presigned PUT stored with the content (None: absent, or stored
        otherwise, as :meth:`put` does)."""
        head = self._head(self._key(sha256))
        found = None if head is None else (head.get("Metadata") or {}).get(_RECEIPT)
        return found if isinstance(found, str) else None

    def _presigned_put_url(
        self, key: str, checksum: str, expires_in: int, receipt: str | None = None
    ) -> str:
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key, "ChecksumSHA256": checksum}
        if receipt is not None:  # a signed header: the PUT must carry exactly this value
            params["Metadata"] = {_RECEIPT: receipt}
        with self._failures(f"presign an upload to {key}"):
            return str(self._client.generate_presigned_url("put_object", params, expires_in))

    def _enforces_checksums(self) -> bool:
        """Whether the server refuses presigned PUTs of bytes that miss their checksum."""
        with self._probe_lock:
            if self._checks_checksums is None:
                problem = self._probe_checksums()
                if problem is not None:
                    _log.warning(
                        "presigned uploads to %s are off, uploads go through the server: %s",
                        self.endpoint, problem,
                    )  # fmt: skip
                self._checks_checksums = problem is None
            return self._checks_checksums

    def _probe_checksums(self) -> str | None:
        """Try an honest, a lying and a smuggling presigned PUT; what went wrong, or None."""
        body = b"trackrecord checksum probe"
        honest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        other = base64.b64encode(hashlib.sha256(body + b"!").digest()).decode()
        keys = [f"{self.prefix}tmp/probe-{uuid.uuid4().hex}" for _ in range(3)]
        copy = {"x-amz-copy-source": f"{self.bucket}/{keys[0]}"}
        try:
            status = _send_put(self._presigned_put_url(keys[0], honest, 60), body, honest)
            if not 200 <= status < 300:
                return f"an honest presigned PUT got {status} (does the client sign with SigV4?)"
            if _send_put(self._presigned_put_url(keys[1], other, 60), body, other) < 300:
                return "the server stored bytes that do not match their x-amz-checksum-sha256"
            if _send_put(self._presigned_put_url(keys[2], other, 60), b"", other, copy) < 300:
                return "the server accepted an unsigned x-amz-copy-source header"
            return None
        except (OSError, http.client.HTTPException, StoreError) as exc:
            return f"the probe failed: {exc}"
        finally:
            for key in keys:
                with contextlib.suppress(Exception):
                    self._client.delete_object(Bucket=self.bucket, Key=key)

    def _head(self, key: str) -> dict[str, Any] | None:
        with self._failures(f"look up {key}"):
            try:
                return cast(dict[str, Any], self._client.head_object(Bucket=self.bucket, Key=key))
            except self._boto_errors as exc:
                if _is_missing(exc):
                    return None
                raise

    def _not_found(self, sha256: str) -> NotFoundError:
        # the digest alone: a server answers with this message (its bucket is its own)
        return NotFoundError(f"no artifact content with sha256 {sha256}")

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


def _check_expiry(expires_in: int) -> None:
    if (
        isinstance(expires_in, bool)
        or not isinstance(expires_in, int)
        or (not 1 <= expires_in <= _MAX_EXPIRY)
    ):
        raise InvalidValueError(
            f"expires_in={expires_in!r} must be a whole number of seconds from 1 to {_MAX_EXPIRY}"
        )


def _send_put(url: str, body: bytes, checksum: str, extra: Mapping[str, str] | None = None) -> int:
    """Send a presigned PUT as a client would; return the HTTP status (OSError if the
    server cannot be reached). http.client adds no headers of its own, unlike urllib."""
    parts = urllib.parse.urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.netloc, timeout=_PROBE_TIMEOUT)
    try:
        target = f"{parts.path}?{parts.query}" if parts.query else parts.path
        headers = {"x-amz-checksum-sha256": checksum, **(extra or {})}
        connection.request("PUT", target, body, headers)
        answer = connection.getresponse()
        answer.read()
        return int(answer.status)
    finally:
        connection.close()


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
    config = Config(  # presigned URLs need SigV4 to sign a checksum header
        signature_version="s3v4", s3={"addressing_style": "path"} if endpoint_url else {}
    )
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=region or ("us-east-1" if endpoint_url else None),
        config=config,
    )
