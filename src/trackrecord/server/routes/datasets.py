"""Dataset versions, the datasets and models a run recorded, and the lineage graph.

What a caller sees follows the projects they may read: a dataset name is
visible when a run of such a project used it, and the lineage graph leaves out
the runs (and what hangs only on them) of other projects.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trackrecord.errors import InvalidValueError, NotFoundError
from trackrecord.identity import Identity
from trackrecord.server.guard import Guard
from trackrecord.server.http import Handler, Json, endpoint, identity_of, int_param
from trackrecord.server.settings import ServerSettings
from trackrecord.store.catalog import Catalog, DatasetUse
from trackrecord.store.lineage import LineageGraph

__all__ = ["routes", "visible_graph"]


def _dicts(records: list[Any]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(r) for r in records]


def _visible_uses(identity: Identity, uses: list[DatasetUse]) -> list[DatasetUse]:
    visible = identity.visible_projects()
    return uses if visible is None else [u for u in uses if u.project in visible]


def _check_dataset(catalog: Catalog, identity: Identity, name: str) -> None:
    """A dataset name that no visible run used is reported missing."""
    if identity.visible_projects() is None:
        return
    if not _visible_uses(identity, catalog.dataset_uses(name=name)):
        raise NotFoundError(f"no dataset named {name!r}")


def visible_graph(
    graph: LineageGraph, identity: Identity, model_project: Callable[[str], str]
) -> LineageGraph:
    """*graph* without the runs and model versions of projects *identity* may not read."""
    visible = identity.visible_projects()
    if visible is None:
        return graph
    keep = {}
    for node_id, node in graph.nodes.items():
        if node.kind == "run" and node.attrs.get("project") not in visible:
            continue
        if (
            node.kind in ("model", "alias")
            and model_project(str(node.attrs["model"])) not in visible
        ):
            continue
        keep[node_id] = node
    if graph.root not in keep:
        raise NotFoundError(f"no lineage node {graph.root!r}")
    edges = [e for e in graph.edges if e.source in keep and e.target in keep]
    return dataclasses.replace(graph, nodes=keep, edges=edges)


def routes(settings: ServerSettings, guard: Guard) -> list[Route]:
    """The endpoints of datasets, a run's datasets and models, and lineage."""
    catalog = settings.store.catalog

    async def names(request: Request) -> Response:
        visible = identity_of(request).visible_projects()
        return Json(_dicts(await run_in_threadpool(catalog.dataset_names, visible)))

    async def versions(request: Request) -> Response:
        name = request.path_params["name"]
        await run_in_threadpool(_check_dataset, catalog, identity_of(request), name)
        return Json(_dicts(await run_in_threadpool(catalog.dataset_versions, name)))

    async def version(request: Request) -> Response:
        name, number = request.path_params["name"], request.path_params["version"]
        await run_in_threadpool(_check_dataset, catalog, identity_of(request), name)
        found = await run_in_threadpool(catalog.dataset_version, name, number)
        return Json(dataclasses.asdict(found))

    async def uses(request: Request) -> Response:
        name = request.path_params["name"]
        identity = identity_of(request)
        await run_in_threadpool(_check_dataset, catalog, identity, name)
        digest = request.query_params.get("digest")
        if digest is not None:
            digest = (await run_in_threadpool(catalog.dataset_version, name, digest)).digest
        found = await run_in_threadpool(lambda: catalog.dataset_uses(name=name, digest=digest))
        return Json(_dicts(_visible_uses(identity, found)))

    async def run_datasets(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        await run_in_threadpool(guard.run, identity_of(request), run_id, "viewer", "reading")
        return Json(_dicts(await run_in_threadpool(lambda: catalog.dataset_uses(run_id=run_id))))

    async def run_models(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        await run_in_threadpool(guard.run, identity_of(request), run_id, "viewer", "reading")
        return Json(_dicts(await run_in_threadpool(catalog.logged_models, run_id)))

    async def run_model(request: Request) -> Response:
        run_id, name = request.path_params["run_id"], request.path_params["name"]
        await run_in_threadpool(guard.run, identity_of(request), run_id, "viewer", "reading")
        return Json(dataclasses.asdict(await run_in_threadpool(catalog.logged_model, run_id, name)))

    async def lineage(request: Request) -> Response:
        q = request.query_params
        node = q.get("node")
        if not node:
            raise InvalidValueError("give the node to start from: ?node=model:NAME/VERSION")
        depth = int_param(request, "depth")
        graph = await run_in_threadpool(
            catalog.lineage, node, q.get("direction", "both"), 10 if depth is None else depth
        )
        projects: dict[str, str] = {}

        def model_project(model: str) -> str:
            if model not in projects:
                projects[model] = catalog.registered_model(model).project
            return projects[model]

        shown = await run_in_threadpool(visible_graph, graph, identity_of(request), model_project)
        return Json(shown.to_dict())

    def at(path: str, action: str, handler: Handler) -> Route:
        return Route(path, endpoint(settings, action, handler), methods=["GET"])

    return [
        at("/api/v1/datasets", "datasets.list", names),
        at("/api/v1/datasets/{name}/versions", "datasets.versions", versions),
        at("/api/v1/datasets/{name}/versions/{version}", "datasets.version", version),
        at("/api/v1/datasets/{name}/uses", "datasets.uses", uses),
        at("/api/v1/runs/{run_id}/datasets", "runs.datasets", run_datasets),
        at("/api/v1/runs/{run_id}/models", "runs.models", run_models),
        at("/api/v1/runs/{run_id}/models/{name}", "runs.model", run_model),
        at("/api/v1/lineage", "lineage.get", lineage),
    ]
