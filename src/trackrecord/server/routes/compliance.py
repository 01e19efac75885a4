"""A model version's compliance: its Annex IV document, sign-offs, policies and retention,
and the files kept with it (documents, attachments, reference data) by their SHA-256.

Read with the viewer role in the registered model's project. The document is
built from the records as they are (``?verify=true`` also re-checks every chain,
artifact and signature behind it, which takes longer); signatures need the
server's store to be SQL (they always are for ``trackrecord server``).
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from trackrecord.artifacts.base import check_digest
from trackrecord.errors import InvalidValueError, NotFoundError, StoreError
from trackrecord.identity import Identity
from trackrecord.server.guard import Guard
from trackrecord.server.http import Handler, Json, endpoint, identity_of
from trackrecord.server.settings import ServerSettings

__all__ = ["routes"]


def routes(settings: ServerSettings, guard: Guard) -> list[Route]:
    """The endpoints of a model version's compliance records."""
    store = settings.store

    def check(identity: Identity, name: str) -> str:
        return guard.model(identity, name).project

    def signoffs() -> Any:
        database = getattr(store, "database", None)
        if database is None:
            raise StoreError("sign-offs need a SQL store")
        from trackrecord.store.sql.signoffs import SqlSignoffs

        return SqlSignoffs(database)

    def document(name: str, version: str, kind: str, verify: bool) -> Response:
        from trackrecord.api import Api
        from trackrecord.compliance.annex_iv import build_annex_iv, render_html, render_pdf
        from trackrecord.compliance.annex_iv.report import verification_summary

        api = Api.over(store)
        number = api.model_version(name, version).version
        checked = verification_summary(api, name, number) if verify else None
        doc = build_annex_iv(api, name, number, None, checked)
        if kind == "json":
            return Response(doc.to_json(), media_type="application/json")
        if kind == "html":
            return HTMLResponse(render_html(doc))
        with tempfile.TemporaryDirectory() as scratch:
            path = render_pdf(doc, Path(scratch) / "annex-iv.pdf")
            content = path.read_bytes()
        disposition = f'attachment; filename="annex-iv-{name}-v{number}.pdf"'
        return Response(content, media_type="application/pdf",
                        headers={"Content-Disposition": disposition})  # fmt: skip

    async def annex_iv(request: Request) -> Response:
        name, version = request.path_params["name"], request.path_params["version"]
        kind = request.query_params.get("format", "json")
        if kind not in ("json", "html", "pdf"):
            raise InvalidValueError("format must be json, html or pdf")
        await run_in_threadpool(check, identity_of(request), name)
        verify = request.query_params.get("verify") == "true"
        return await run_in_threadpool(document, name, version, kind, verify)

    async def signatures(request: Request) -> Response:
        target = request.query_params.get("target", "")
        kind, _, rest = target.partition(":")
        if kind == "model":
            await run_in_threadpool(check, identity_of(request), rest.rpartition("/")[0])
        elif kind == "evaluation":
            run_id = (await run_in_threadpool(store.catalog.evaluation, rest)).run_id
            try:
                await run_in_threadpool(
                    guard.run, identity_of(request), run_id, "viewer", "reading"
                )
            except NotFoundError:  # as for an absent evaluation: its run's id stays unsaid
                raise NotFoundError(f"no evaluation {rest!r}") from None
        elif kind == "run":
            await run_in_threadpool(guard.run, identity_of(request), rest, "viewer", "reading")
        else:
            raise InvalidValueError(
                "give ?target=model:NAME/VERSION, evaluation:EVAL_ID or run:RUN_ID"
            )
        from trackrecord.signing import verify_signatures

        found = await run_in_threadpool(verify_signatures, store, target)
        return Json([{**dataclasses.asdict(record), "valid": ok, "problem": reason}
                     for record, ok, reason in found])  # fmt: skip

    async def policies(request: Request) -> Response:
        name = request.path_params["name"]
        await run_in_threadpool(check, identity_of(request), name)
        return Json(await run_in_threadpool(lambda: signoffs().policies(name)))

    async def retention(request: Request) -> Response:
        name, version = request.path_params["name"], request.path_params["version"]
        await run_in_threadpool(check, identity_of(request), name)
        number = (await run_in_threadpool(store.catalog.model_version, name, version)).version
        from trackrecord.store.sql.retention import SqlRetention

        keeper = SqlRetention(store)  # type: ignore[arg-type]

        def read() -> dict[str, Any]:
            from trackrecord.store.sql.evidence import SqlEvidence

            found = keeper.placement(name, number)
            node = f"model:{name}/{number}"
            period = keeper.log_retention()
            kept = SqlEvidence(keeper.store).kept(name, number)
            return {
                "placed": None if found is None else {
                    "placed_at": found.placed_at, "retention_days": found.retention_days,
                    "actor": found.actor, "until": found.until},
                "holds": [dataclasses.asdict(h) for h in keeper.holds() if h.target == node],
                "log_retention": str(period),
                "log_retention_days": period.shortest_days(),
                "kept": [{**dataclasses.asdict(k), "node": k.node} for k in kept],
            }  # fmt: skip

        return Json(await run_in_threadpool(read))

    def kept_bytes(name: str, version: str, digest: str) -> bytes:
        from trackrecord.store.sql.evidence import SqlEvidence

        number = store.catalog.model_version(name, version).version
        kept = SqlEvidence(store).kept(name, number)  # type: ignore[arg-type]
        if not any(f.sha256 == digest for k in kept for f in k.files):
            raise NotFoundError(f"no file {digest} is kept with {name} v{number}; see "
                                f"GET .../versions/{number}/retention")  # fmt: skip
        with store.open_artifact(digest) as handle:
            return handle.read()

    async def kept_file(request: Request) -> Response:
        name, version = request.path_params["name"], request.path_params["version"]
        digest = check_digest(request.path_params["sha256"])
        await run_in_threadpool(check, identity_of(request), name)
        content = await run_in_threadpool(kept_bytes, name, version, digest)
        return Response(content, media_type="application/octet-stream")

    def at(path: str, action: str, handler: Handler) -> Route:
        return Route(path, endpoint(settings, action, handler), methods=["GET"])

    version_path = "/api/v1/models/{name}/versions/{version}"
    return [
        at(f"{version_path}/annex-iv", "compliance.annex_iv", annex_iv),
        at(f"{version_path}/retention", "compliance.retention", retention),
        at(f"{version_path}/kept/{{sha256}}", "compliance.kept_file", kept_file),
        at("/api/v1/models/{name}/policies", "compliance.policies", policies),
        at("/api/v1/signatures", "compliance.signatures", signatures),
    ]
