"""RemoteStore: the Store protocol as a client of a TrackRecord server.

Artifact bytes stream both ways and are never held whole in memory. When the
server's artifact store can presign (S3), they skip the server: a download
follows the server's redirect to a presigned URL, and an upload of a seekable
source of 8 MiB or more is hashed first, then PUT to a presigned URL that the
store itself refuses unless the bytes match the digest; the offer's receipt,
shown to the server afterwards, proves the bytes were sent. Whenever the direct
way is not offered or fails (the store's endpoint is unreachable from here,
the file changed under us), the bytes go through the server instead. Every
download is hashed as it arrives and checked against the digest asked for.
Uploads name the project they are for: its runs may then name the content.

Example:
    >>> store = RemoteStore("http://127.0.0.1:8080")  # doctest: +SKIP
    >>> store.search_runs('metrics.acc.max > 0.9').runs  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import IO, Any, BinaryIO, Final

from trackrecord.artifacts.base import CHUNK_SIZE, check_digest, file_sha256
from trackrecord.errors import InvalidValueError, NotFoundError, StoreError, missing
from trackrecord.record import wire
from trackrecord.record.events import Event, decode_json
from trackrecord.record.framing import encode_event, read_frames
from trackrecord.store import serialise
from trackrecord.store.base import ArtifactRecord, ProjectRecord, RunPage, RunRecord
from trackrecord.store.remote_catalog import RemoteCatalog
from trackrecord.store.series import Buckets, Series

__all__ = ["DIRECT_UPLOAD_MIN", "RemoteStore"]

DIRECT_UPLOAD_MIN: Final = 8 << 20  # below this, one request through the server is cheaper


class RemoteStore:
    """A :class:`~trackrecord.store.base.Store` served by ``trackrecord server`` at *url*."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 60.0) -> None:
        try:
            import httpx
        except ImportError:
            raise missing("httpx", "server", "logging to a TrackRecord server") from None
        headers = {wire.CLIENT_HEADER: "python"}  # a server without auth wants it on writes
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.url = url.rstrip("/")
        self._httpx = httpx
        # a server that drops packets must not hold the writer (and finish()) for a minute
        limits = httpx.Timeout(timeout, connect=min(timeout, 5.0))
        self._client = httpx.Client(base_url=self.url, headers=headers, timeout=limits)
        self.catalog = RemoteCatalog(self._json)
        """Datasets, logged models, the registry and lineage, from the server."""

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._client.request(method, f"/api/v1{path}", **kwargs)
        except self._httpx.HTTPError as exc:
            raise StoreError(f"cannot reach the TrackRecord server at {self.url}: {exc}") from exc
        if response.status_code >= 400:
            try:
                error = decode_json(response.content)["error"]
            except (ValueError, KeyError, TypeError):
                raise StoreError(
                    f"the server at {self.url} answered {response.status_code}: "
                    f"{response.text[:200]}"
                ) from None
            raise wire.error_for(error["code"], error["message"])
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return decode_json(self._request(method, path, **kwargs).content)

    def append_events(self, events: Sequence[Event]) -> int:
        """See :meth:`Store.append_events`."""
        if not events:
            return 0
        body = b"".join(encode_event(e) for e in events)
        headers = {"Content-Type": wire.EVENTS_TYPE}
        path = f"/runs/{events[0].run_id}/events"
        return int(self._json("POST", path, content=body, headers=headers)["head_seq"])

    def get_run(self, run_id: str) -> RunRecord:
        """See :meth:`Store.get_run`."""
        return serialise.run_from_json(self._json("GET", f"/runs/{run_id}"))

    def search_runs(
        self,
        query: str | None = None,
        project: str | None = None,
        order_by: Sequence[str] = (),
        limit: int = 100,
        cursor: str | None = None,
        deleted: bool = False,
        projects: Collection[str] | None = None,
    ) -> RunPage:
        """See :meth:`Store.search_runs` (the server narrows *projects* further to those
        the token may read)."""
        if projects is not None and not projects:
            return RunPage([], None)
        params: list[tuple[str, str]] = [("limit", str(limit))]
        params += [("projects", p) for p in sorted(projects or ())]
        params += [(k, v) for k, v in (("q", query), ("project", project), ("cursor", cursor))
                   if v is not None]  # fmt: skip
        params += [("order", o) for o in order_by]
        if deleted:
            params.append(("deleted", "true"))
        data = self._json("GET", "/runs", params=params)
        return RunPage([serialise.run_from_json(r) for r in data["runs"]], data["next_cursor"])

    def list_projects(self) -> list[ProjectRecord]:
        """See :meth:`Store.list_projects`."""
        return [serialise.project_from_json(p) for p in self._json("GET", "/projects")]

    def read_events(
        self, run_id: str, since_seq: int = 0, types: Collection[str] | None = None
    ) -> Iterator[Event]:
        """See :meth:`Store.read_events`."""
        params = [("since", str(since_seq)), *(("type", t) for t in types or ())]
        body = self._request("GET", f"/runs/{run_id}/events", params=params).content
        return iter(list(read_frames(io.BytesIO(body), strict=True)))

    def metric_series(
        self, run_id: str, key: str, start: int | None = None, end: int | None = None
    ) -> Series:
        """See :meth:`Store.metric_series`."""
        params = {k: str(v) for k, v in (("from", start), ("to", end)) if v is not None}
        body = self._request("GET", f"/runs/{run_id}/metrics/{key}", params=params).content
        return serialise.series_from_bytes(key, body)

    def metric_buckets(
        self, run_id: str, key: str, buckets: int, start: int | None = None, end: int | None = None
    ) -> Buckets:
        """See :meth:`Store.metric_buckets`."""
        params = {k: str(v) for k, v in (("buckets", buckets), ("from", start), ("to", end))
                  if v is not None}  # fmt: skip
        return serialise.buckets_from_json(self._json("GET", f"/runs/{run_id}/metrics/{key}",
                                                 params=params))  # fmt: skip

    def put_artifact(self, source: BinaryIO, project: str | None = None) -> tuple[str, int]:
        """See :meth:`Store.put_artifact` (the body is streamed, never read whole).

        The bytes are always sent, even when the server has them already: a project may
        name only content it was shown (see :mod:`trackrecord.server.named_objects`).
        """
        params = {} if project is None else {"project": project}
        direct = self._put_direct(source, params)
        if direct is not None:
            return direct
        blocks = iter(lambda: source.read(CHUNK_SIZE), b"")
        data = self._json("POST", "/artifacts", content=blocks, params=params)
        return str(data["sha256"]), int(data["size"])

    def _put_direct(self, source: BinaryIO, params: dict[str, str]) -> tuple[str, int] | None:
        """PUT *source* straight to the artifact store if the server offers a presigned
        upload, then show the server the offer's receipt; None (with *source* rewound)
        when the bytes must go through the server."""
        start = _position(source)
        if start is None:
            return None
        digest, size = file_sha256(source)
        source.seek(start)
        if size < DIRECT_UPLOAD_MIN:
            return None
        path = f"/artifacts/{digest}"
        try:
            offer = self._json("POST", f"{path}/upload", json={"size": size}, params=params)
        except (NotFoundError, StoreError):  # a server without presigning, or one too old
            return None
        if not isinstance(offer, Mapping) or offer.get("url") is None:
            return None
        if not self._send_offer(offer, source, size):
            source.seek(start)  # e.g. the file changed since it was hashed: S3 refused it
            return None
        try:
            receipt = {"receipt": offer.get("receipt")}
            self._json("POST", f"{path}/uploaded", json=receipt, params=params)
        except (NotFoundError, StoreError, InvalidValueError):  # stored again meanwhile
            source.seek(start)
            return None
        return digest, size

    def _send_offer(self, offer: Mapping[str, Any], source: BinaryIO, size: int) -> bool:
        """Send the bytes as the offer says; whether the artifact store took them."""
        headers = {**offer.get("headers", {}), "Content-Length": str(size)}
        try:
            with self._httpx.Client(timeout=self._client.timeout) as direct:
                method, url = str(offer.get("method", "PUT")), str(offer["url"])
                response = direct.request(
                    method, url, content=_blocks(source, size), headers=headers
                )
        except self._httpx.HTTPError:
            return False
        return response.status_code < 300

    def open_artifact(self, sha256: str) -> BinaryIO:
        """See :meth:`Store.open_artifact` (spooled to a temporary file as it arrives).

        Raises StoreError if the bytes that arrive do not hash to *sha256*.
        """
        check_digest(sha256)
        spooled = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller, who closes it
        try:
            location, found = self._download(f"/api/v1/artifacts/{sha256}?redirect=true", spooled)
            if location is not None and self._download_direct(location, spooled) != sha256:
                spooled.seek(0)
                spooled.truncate()
                _, found = self._download(f"/api/v1/artifacts/{sha256}", spooled)
            elif location is not None:
                found = sha256
            if found != sha256:
                raise StoreError(
                    f"the content {sha256} downloaded from {self.url} hashes to {found}: it "
                    f"was damaged in the store or on the way; try again, and check the "
                    f"runs that hold it with `trackrecord verify`"
                )
        except BaseException:
            spooled.close()
            raise
        spooled.seek(0)
        return spooled

    def _download(self, path: str, spooled: IO[bytes]) -> tuple[str | None, str | None]:
        """Spool the server's answer to GET *path*: (where it redirects to, None) or
        (None, the SHA-256 of the bytes spooled)."""
        try:
            with self._client.stream("GET", path) as response:
                if response.status_code >= 400:
                    response.read()
                    self._raise(response)
                if response.is_redirect and "location" in response.headers:
                    return str(response.headers["location"]), None
                return None, _spool(response, spooled)
        except self._httpx.HTTPError as exc:
            raise StoreError(f"cannot download from the server at {self.url}: {exc}") from exc

    def _download_direct(self, url: str, spooled: IO[bytes]) -> str | None:
        """Spool GET *url* from the artifact store; the SHA-256 of the bytes, or None if
        the store could not be reached or refused."""
        try:
            with (
                self._httpx.Client(timeout=self._client.timeout) as direct,
                direct.stream("GET", url) as response,
            ):
                return _spool(response, spooled) if response.status_code == 200 else None
        except self._httpx.HTTPError:
            return None

    def _raise(self, response: Any) -> None:
        try:
            error = decode_json(response.content)["error"]
        except (ValueError, KeyError, TypeError):
            raise StoreError(
                f"the server at {self.url} answered {response.status_code}: {response.text[:200]}"
            ) from None
        raise wire.error_for(error["code"], error["message"])

    def list_artifacts(self, run_id: str) -> list[ArtifactRecord]:
        """See :meth:`Store.list_artifacts`."""
        return [
            serialise.artifact_from_json(a) for a in self._json("GET", f"/runs/{run_id}/artifacts")
        ]

    def close(self) -> None:
        """See :meth:`Store.close`."""
        self._client.close()


def _position(source: BinaryIO) -> int | None:
    """Where a seekable *source* stands; None if it cannot be read twice."""
    try:
        return source.tell() if source.seekable() else None
    except (AttributeError, OSError, ValueError):
        return None


def _blocks(source: BinaryIO, size: int) -> Iterator[bytes]:
    """*size* bytes of *source*, a block at a time (never more, if the file grew)."""
    left = size
    while left > 0 and (block := source.read(min(CHUNK_SIZE, left))):
        left -= len(block)
        yield block


def _spool(response: Any, spooled: IO[bytes]) -> str:
    """Write a streamed body to *spooled*; return its SHA-256."""
    digest = hashlib.sha256()
    for block in response.iter_bytes(CHUNK_SIZE):
        digest.update(block)
        spooled.write(block)
    return digest.hexdigest()
