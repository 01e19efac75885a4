"""RemoteStore: the Store protocol as a client of a TrackRecord server.

Example:
    >>> store = RemoteStore("http://127.0.0.1:8080")  # doctest: +SKIP
    >>> store.search_runs('metrics.acc.max > 0.9').runs  # doctest: +SKIP
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Collection, Iterator, Sequence
from typing import Any, BinaryIO

from trackrecord.errors import StoreError, missing
from trackrecord.events import Event, decode_json
from trackrecord.server import wire
from trackrecord.spool import encode_event, read_frames
from trackrecord.store.base import ArtifactRecord, ProjectRecord, RunPage, RunRecord
from trackrecord.store.series import Buckets, Series

__all__ = ["RemoteStore"]


class RemoteStore:
    """A :class:`~trackrecord.store.base.Store` served by ``trackrecord server`` at *url*."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 60.0) -> None:
        try:
            import httpx
        except ImportError:
            raise missing("httpx", "server", "logging to a TrackRecord server") from None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.url = url.rstrip("/")
        self._httpx = httpx
        self._client = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

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
        return wire.run_from_json(self._json("GET", f"/runs/{run_id}"))

    def search_runs(
        self,
        query: str | None = None,
        project: str | None = None,
        order_by: Sequence[str] = (),
        limit: int = 100,
        cursor: str | None = None,
        deleted: bool = False,
    ) -> RunPage:
        """See :meth:`Store.search_runs`."""
        params: list[tuple[str, str]] = [("limit", str(limit))]
        params += [(k, v) for k, v in (("q", query), ("project", project), ("cursor", cursor))
                   if v is not None]  # fmt: skip
        params += [("order", o) for o in order_by]
        if deleted:
            params.append(("deleted", "true"))
        data = self._json("GET", "/runs", params=params)
        return RunPage([wire.run_from_json(r) for r in data["runs"]], data["next_cursor"])

    def list_projects(self) -> list[ProjectRecord]:
        """See :meth:`Store.list_projects`."""
        return [wire.project_from_json(p) for p in self._json("GET", "/projects")]

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
        return wire.series_from_bytes(key, body)

    def metric_buckets(
        self, run_id: str, key: str, buckets: int, start: int | None = None, end: int | None = None
    ) -> Buckets:
        """See :meth:`Store.metric_buckets`."""
        params = {k: str(v) for k, v in (("buckets", buckets), ("from", start), ("to", end))
                  if v is not None}  # fmt: skip
        return wire.buckets_from_json(self._json("GET", f"/runs/{run_id}/metrics/{key}",
                                                 params=params))  # fmt: skip

    def put_artifact(self, source: BinaryIO) -> tuple[str, int]:
        """See :meth:`Store.put_artifact` (the body is streamed, never read whole)."""
        blocks = iter(lambda: source.read(1 << 20), b"")
        data = self._json("POST", "/artifacts", content=blocks)
        return str(data["sha256"]), int(data["size"])

    def open_artifact(self, sha256: str) -> BinaryIO:
        """See :meth:`Store.open_artifact` (spooled to a temporary file as it arrives)."""
        spooled = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller, who closes it
        try:
            with self._client.stream("GET", f"/api/v1/artifacts/{sha256}") as response:
                if response.status_code >= 400:
                    response.read()
                    self._raise(response)
                for block in response.iter_bytes(1 << 20):
                    spooled.write(block)
        except BaseException:
            spooled.close()
            raise
        spooled.seek(0)
        return spooled

    def _raise(self, response: Any) -> None:
        error = decode_json(response.content)["error"]
        raise wire.error_for(error["code"], error["message"])

    def list_artifacts(self, run_id: str) -> list[ArtifactRecord]:
        """See :meth:`Store.list_artifacts`."""
        return [wire.artifact_from_json(a) for a in self._json("GET", f"/runs/{run_id}/artifacts")]

    def close(self) -> None:
        """See :meth:`Store.close`."""
        self._client.close()
