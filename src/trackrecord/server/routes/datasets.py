"""Dataset versions, the datasets and models a run recorded, and the lineage graph.

What a caller sees follows the projects they may read. Dataset names are
namespaced per project: ``?project=`` says whose, and may be left out when only
one project the caller reads has a dataset of that name. The lineage graph
leaves out the runs and dataset versions (and what hangs only on them) of other
projects. What does not exist and what the caller may not see answer the same 404.
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
from trackrecord.store.catalog import Catalog, dataset_node, split_dataset_node
from trackrecord.store.lineage import LineageGraph, parse_node

__all__ = ["dataset_project", "routes", "visible_graph"]


def _dicts(records: list[Any]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(r) for r in records]


def dataset_project(catalog: Catalog, identity: Identity, name: str, asked: str | None) -> str:
    """The project whose dataset *name* the caller means: *asked*, or the one project they
    may read that has a dataset of that name. Absent and unseen answer the same 404."""
    visible = identity.visible_projects()
    candidates = [
        p
        for p in catalog.dataset_projects(name)
        if (asked is None or p == asked) and (visible is None or p in visible)
    ]
    if not candidates:
        raise NotFoundError(f"no dataset named {name!r} in the projects you may read")
    if len(candidates) > 1:
        raise InvalidValueError(
            f"projects {', '.join(map(repr, candidates))} each have a dataset named {name!r}; "
            f"say which with ?project={candidates[0]}"
        )
    return candidates[0]


def visible_graph(
    graph: LineageGraph, identity: Identity, model_project: Callable[[str], str]
) -> LineageGraph:
    """*graph* without the runs, dataset versions and model versions of projects *identity*
    may not read."""
    visible = identity.visible_projects()
    if visible is None:
        return graph
    keep = {}
    for node_id, node in graph.nodes.items():
        if node.kind in ("run", "dataset") and node.attrs.get("project") not in visible:
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

    def project_of(request: Request) -> str:
        name, asked = request.path_params["name"], request.query_params.get("project")
        return dataset_project(catalog, identity_of(request), name, asked)

    async def versions(request: Request) -> Response:
        name = request.path_params["name"]
        project = await run_in_threadpool(project_of, request)
        return Json(_dicts(await run_in_threadpool(catalog.dataset_versions, name, project)))

    async def version(request: Request) -> Response:
        name, number = request.path_params["name"], request.path_params["version"]
        project = await run_in_threadpool(project_of, request)
        found = await run_in_threadpool(catalog.dataset_version, name, number, project)
        return Json(dataclasses.asdict(found))

    async def uses(request: Request) -> Response:
        name = request.path_params["name"]
        project = await run_in_threadpool(project_of, request)
        digest = request.query_params.get("digest")
        if digest is not None:
            found_version = await run_in_threadpool(catalog.dataset_version, name, digest, project)
            digest = found_version.digest
        found = await run_in_threadpool(
            lambda: catalog.dataset_uses(name=name, digest=digest, project=project)
        )
        return Json(_dicts(found))

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
        q, identity = request.query_params, identity_of(request)
        node = q.get("node")
        if not node:
            raise InvalidValueError("give the node to start from: ?node=model:NAME/VERSION")
        depth = int_param(request, "depth")
        projects: dict[str, str] = {}

        def model_project(model: str) -> str:
            if model not in projects:
                projects[model] = catalog.registered_model(model).project
            return projects[model]

        def visible_lineage() -> LineageGraph:
            start = node
            kind, rest = parse_node(node)
            if kind == "dataset":  # dataset:NAME@V means the caller's one dataset of that name
                project, name, version = split_dataset_node(rest)
                owner = dataset_project(catalog, identity, name, project)
                start = dataset_node(owner, name, version)
            way = q.get("direction", "both")
            graph = catalog.lineage(start, way, 10 if depth is None else depth)
            return visible_graph(graph, identity, model_project)

        try:
            shown = await run_in_threadpool(visible_lineage)
        except NotFoundError:  # absent or unseen: one answer, naming only what was asked
            raise NotFoundError(
                f"no lineage node {node!r}; check the name, version or run id"
            ) from None
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
