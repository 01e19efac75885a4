"""Artifacts: a run's list of files, and contents by SHA-256 (streamed both ways).

When the store's artifact store can presign
(:class:`~trackrecord.artifacts.base.PresigningStore`, e.g. S3), clients may
move the bytes without the server in the path:

- ``GET /api/v1/artifacts/{sha256}?redirect=true`` answers ``307`` to a
  presigned URL of the content, after the same authorisation as a plain
  download (which streams the bytes, as it does whenever the store cannot
  presign).
- ``POST /api/v1/artifacts/{sha256}/upload`` with ``{"size": N}`` answers
  ``{"method", "url", "headers", "expires_in", "receipt"}``: a PUT that the
  artifact store itself refuses unless the bytes hash to *sha256*, and that
  stores the receipt with them. ``{"url": null}`` means: send the bytes to
  ``POST /api/v1/artifacts`` instead.
- ``POST /api/v1/artifacts/{sha256}/uploaded`` with ``{"receipt": ...}`` then
  says the PUT was made: the content must carry that receipt.

Every upload names the project it is for (``?project=``; left out, every
project the caller may log to). That project then *holds* the content, and its
runs may name it (see :mod:`trackrecord.server.named_objects`): bytes uploaded
through the server were shown to it, and only the one who sent the PUT of an
offer knows the receipt the stored content carries. An offer alone, for content
someone else stored, proves nothing.
"""

from __future__ import annotations

import hmac
import json
import secrets
import tempfile
from collections.abc import AsyncIterator
from typing import IO, Any, Final

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from trackrecord.artifacts.base import CHUNK_SIZE, PresigningStore, check_digest
from trackrecord.errors import InvalidValueError, NotFoundError
from trackrecord.server.guard import Guard
from trackrecord.server.http import Json, endpoint, identity_of
from trackrecord.server.settings import ServerSettings
from trackrecord.store.base import Store

__all__ = ["DOWNLOAD_URL_SECONDS", "UPLOAD_URL_SECONDS", "routes"]

DOWNLOAD_URL_SECONDS: Final = 300  # S3 checks expiry when a request starts, not as it streams
UPLOAD_URL_SECONDS: Final = 900
_MAX_OFFER_BODY: Final = 1024


def routes(settings: ServerSettings, guard: Guard) -> list[Route]:
    """The endpoints of artifacts."""
    store = settings.store

    async def listing(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        await run_in_threadpool(guard.project_of, run_id)  # an unknown run is 404, not []
        await run_in_threadpool(guard.run, identity_of(request), run_id, "viewer", "reading")
        found = await run_in_threadpool(store.list_artifacts, run_id)
        return Json([a.__dict__ for a in found])

    async def upload(request: Request) -> Response:
        projects = guard.upload(identity_of(request), request.query_params.get("project"))
        with tempfile.TemporaryFile() as spooled:  # streamed to disk, never whole in memory
            await _spool(request, spooled)
            digest, size = await run_in_threadpool(store.put_artifact, spooled)
        await run_in_threadpool(_grant, store, projects, digest)  # the bytes were shown
        return Json({"sha256": digest, "size": size})

    async def direct_upload(request: Request) -> Response:
        digest = check_digest(request.path_params["sha256"])
        guard.upload(identity_of(request), request.query_params.get("project"))
        size = _declared_size(await _small_body(request))
        presigner = _presigner(store)
        offer, receipt = None, secrets.token_hex(16)
        if presigner is not None:
            offer = await run_in_threadpool(
                presigner.presign_put, digest, size, UPLOAD_URL_SECONDS, receipt
            )
        if offer is None:
            return Json({"url": None})
        return Json({"method": offer.method, "url": offer.url, "headers": dict(offer.headers),
                     "expires_in": offer.expires_in, "receipt": receipt})  # fmt: skip

    async def uploaded(request: Request) -> Response:
        digest = check_digest(request.path_params["sha256"])
        projects = guard.upload(identity_of(request), request.query_params.get("project"))
        receipt = _receipt(await _small_body(request))
        presigner = _presigner(store)
        stored = None if presigner is None else await run_in_threadpool(presigner.receipt, digest)
        if stored is None or not hmac.compare_digest(stored, receipt):
            raise NotFoundError(
                f"no content {digest} was stored with this receipt (it was not uploaded, or "
                f"has been stored again since); send the bytes to POST /api/v1/artifacts"
            )
        await run_in_threadpool(_grant, store, projects, digest)
        return Json({"sha256": digest})

    async def download(request: Request) -> Response:
        digest = check_digest(request.path_params["sha256"])
        await run_in_threadpool(guard.artifact, identity_of(request), digest)
        presigner = _presigner(store)
        if presigner is not None and request.query_params.get("redirect") == "true":
            url = await run_in_threadpool(presigner.presign_get, digest, DOWNLOAD_URL_SECONDS)
            if url is not None:
                return RedirectResponse(url, 307, headers={"Cache-Control": "no-store"})
        handle = await run_in_threadpool(store.open_artifact, digest)
        return StreamingResponse(_chunks(handle), media_type="application/octet-stream")

    return [
        Route("/api/v1/runs/{run_id}/artifacts", endpoint(settings, "artifacts.list", listing)),
        Route(
            "/api/v1/artifacts", endpoint(settings, "artifacts.upload", upload), methods=["POST"]
        ),
        Route(
            "/api/v1/artifacts/{sha256}/upload",
            endpoint(settings, "artifacts.direct_upload", direct_upload),
            methods=["POST"],
        ),
        Route(
            "/api/v1/artifacts/{sha256}/uploaded",
            endpoint(settings, "artifacts.uploaded", uploaded),
            methods=["POST"],
        ),
        Route("/api/v1/artifacts/{sha256}", endpoint(settings, "artifacts.download", download)),
    ]


def _grant(store: Store, projects: list[str], digest: str) -> None:
    """Record that *projects* hold content *digest* (a SQL store keeps the ledger)."""
    grants = getattr(store, "grants", None)
    if grants is not None:
        for project in projects:
            grants.grant(project, [digest])


def _receipt(body: bytes) -> str:
    try:
        receipt = json.loads(body)["receipt"]
    except (ValueError, KeyError, TypeError):
        receipt = None
    if not isinstance(receipt, str) or not receipt:
        raise InvalidValueError(
            'the body must be JSON like {"receipt": "..."}: the receipt of the upload offer'
        )
    return receipt


def _presigner(store: Store) -> PresigningStore | None:
    """The store's artifact store, if it can presign (an S3 bucket; not a directory)."""
    artifacts = getattr(store, "artifacts", None)
    return artifacts if isinstance(artifacts, PresigningStore) else None


async def _small_body(request: Request) -> bytes:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > _MAX_OFFER_BODY:
            raise InvalidValueError(
                f'the body must be JSON like {{"size": 123}}, not {len(body)} bytes or more'
            )
    return body


def _declared_size(body: bytes) -> int:
    try:
        size = json.loads(body)["size"]
    except (ValueError, KeyError, TypeError):
        size = None
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise InvalidValueError(
            'the body must be JSON like {"size": 123}: the size in bytes of the content to upload'
        )
    return size


async def _spool(request: Request, spooled: IO[bytes]) -> None:
    """Write the request body to *spooled* (then rewound), a MiB at a time: the body
    arrives in small chunks, and a thread hop per chunk would cost more than the write."""
    pending: list[bytes] = []
    held = 0
    async for chunk in request.stream():
        pending.append(chunk)
        held += len(chunk)
        if held >= CHUNK_SIZE:
            await run_in_threadpool(spooled.write, b"".join(pending))
            pending, held = [], 0
    await run_in_threadpool(spooled.write, b"".join(pending))
    spooled.seek(0)


async def _chunks(handle: Any) -> AsyncIterator[bytes]:
    try:
        async for block in iterate_in_threadpool(iter(lambda: handle.read(CHUNK_SIZE), b"")):
            yield block
    finally:
        handle.close()
