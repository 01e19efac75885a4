"""Criteria sets and evaluations: list, read, compare (and record criteria for a model version).

An evaluation is read with the viewer role in its run's project; a criteria set
with the viewer role in its target's project (a run's, or a registered model's).
What does not exist and what the caller may not see answer the same 404, which
names only what was asked for.
"""

from __future__ import annotations

import dataclasses

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trackrecord.compliance.comparison import compare_evaluations
from trackrecord.errors import InvalidValueError, NotFoundError
from trackrecord.identity import Identity
from trackrecord.server.guard import Guard
from trackrecord.server.http import Handler, Json, endpoint, identity_of
from trackrecord.server.settings import ServerSettings
from trackrecord.store.catalog import Catalog, EvaluationRecord
from trackrecord.store.lineage import parse_node

__all__ = ["routes"]


def routes(settings: ServerSettings, guard: Guard) -> list[Route]:
    """The endpoints of criteria and evaluations."""
    catalog: Catalog = settings.store.catalog

    def check_target(identity: Identity, target: str) -> None:
        """Viewer of the target's project; unseen targets are reported missing."""
        kind, rest = parse_node(target)
        if kind == "run":
            guard.run(identity, rest, "viewer", "reading")
            return
        if kind != "model":
            raise InvalidValueError(f"target {target!r} must be run:RUN_ID or model:NAME/VERSION")
        guard.model(identity, rest.rpartition("/")[0])

    def readable(identity: Identity, evaluation_id: str) -> EvaluationRecord:
        found = catalog.evaluation(evaluation_id)
        try:
            guard.run(identity, found.run_id, "viewer", "reading")
        except NotFoundError:
            raise NotFoundError(f"no evaluation {evaluation_id!r}") from None
        return found

    async def criteria_sets(request: Request) -> Response:
        target = request.query_params.get("target")
        if not target:
            raise InvalidValueError("give ?target=model:NAME/VERSION or ?target=run:RUN_ID")
        await run_in_threadpool(check_target, identity_of(request), target)
        found = await run_in_threadpool(catalog.criteria_sets, target)
        return Json([dataclasses.asdict(c) for c in found])

    async def criteria_set(request: Request) -> Response:
        criteria_id = request.path_params["criteria_id"]
        found = await run_in_threadpool(catalog.criteria_set, criteria_id)
        try:
            await run_in_threadpool(check_target, identity_of(request), found.target)
        except NotFoundError:  # the words of an absent set: its target's name stays unsaid
            raise NotFoundError(f"no criteria set {criteria_id!r}") from None
        return Json(dataclasses.asdict(found))

    async def evaluations(request: Request) -> Response:
        q, identity = request.query_params, identity_of(request)
        target, run_id = q.get("target"), q.get("run_id")
        if target is None and run_id is None:
            raise InvalidValueError("give ?target=model:NAME/VERSION or ?run_id=RUN_ID")
        if target is not None:
            await run_in_threadpool(check_target, identity, target)
        if run_id is not None:
            await run_in_threadpool(guard.run, identity, run_id, "viewer", "reading")
        found = await run_in_threadpool(lambda: catalog.evaluations(target, run_id))
        visible = identity.visible_projects()
        if visible is not None:  # a model's evaluations may come from runs of other projects
            found = [e for e in found if guard.project_of(e.run_id) in visible]
        return Json([dataclasses.asdict(e) for e in found])

    async def evaluation(request: Request) -> Response:
        found = await run_in_threadpool(
            readable, identity_of(request), request.path_params["evaluation_id"]
        )
        return Json(dataclasses.asdict(found))

    async def compare(request: Request) -> Response:
        q, identity = request.query_params, identity_of(request)
        if not q.get("a") or not q.get("b"):
            raise InvalidValueError("give two evaluation ids: ?a=eval_...&b=eval_...")
        a = await run_in_threadpool(readable, identity, str(q.get("a")))
        b = await run_in_threadpool(readable, identity, str(q.get("b")))
        return Json(compare_evaluations(a, b))

    def at(path: str, action: str, handler: Handler) -> Route:
        return Route(path, endpoint(settings, action, handler), methods=["GET"])

    return [
        at("/api/v1/criteria", "criteria.list", criteria_sets),
        at("/api/v1/criteria/{criteria_id}", "criteria.get", criteria_set),
        at("/api/v1/evaluations", "evaluations.list", evaluations),
        at("/api/v1/evaluations/compare", "evaluations.compare", compare),
        at("/api/v1/evaluations/{evaluation_id}", "evaluations.get", evaluation),
    ]
