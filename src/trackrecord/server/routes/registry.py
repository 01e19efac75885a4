"""The model registry: registered models, versions, aliases and their history.

A registered model belongs to a project: reading it needs the viewer role
there, changing it (new versions, aliases, descriptions, deprecation) the
editor role. A model that does not exist and one the caller may not see answer
the same 404. Names are unique across projects: registering a name another
project has is refused as taken, whatever the caller may see of it. Every
change is a hash-chained registry event naming who made it (the caller's user;
``actor`` from the body only when auth is off), when, and the ``reason`` given.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trackrecord.errors import InvalidValueError, NotFoundError
from trackrecord.identity import Identity, Role
from trackrecord.server.guard import Guard
from trackrecord.server.http import Handler, Json, body_field, endpoint, identity_of, json_body
from trackrecord.server.settings import ServerSettings
from trackrecord.store.catalog import Catalog, ModelVersion, name_taken

__all__ = ["routes"]


def _version_json(version: ModelVersion) -> dict[str, Any]:
    return dataclasses.asdict(version)


def _number(text: str) -> int:
    if not text.isdigit():
        raise InvalidValueError(f"version {text!r} must be a whole number")
    return int(text)


def routes(settings: ServerSettings, guard: Guard) -> list[Route]:
    """The endpoints of the model registry."""
    catalog: Catalog = settings.store.catalog
    auth = settings.accounts is not None

    def actor(identity: Identity, body: dict[str, Any]) -> str:
        given = body_field(body, "actor", str)
        return identity.user if auth or not given else str(given)

    def check(identity: Identity, name: str, role: Role, doing: str) -> None:
        """Require *role* in the model's project; absent and unseen models are one 404."""
        guard.model(identity, name, role, doing)

    def version_project(identity: Identity, name: str, body: dict[str, Any], run_id: str) -> str:
        """The project a new version of *name* goes to: the model's, or (a new model) the
        asked one or the run's. A name another project has is refused as taken."""
        asked = body_field(body, "project", str)
        try:
            found = catalog.registered_model(name)
        except NotFoundError:
            project = asked or guard.project_of(run_id)
            guard.project(identity, project, "editor", "registering models")
            return project
        if identity.role_in(found.project) is None or asked not in (None, found.project):
            raise name_taken(name)  # the store's own words: nothing about whose it is
        guard.project(identity, found.project, "editor", "registering versions")
        return found.project

    async def list_models(request: Request) -> Response:
        visible = identity_of(request).visible_projects()
        found = await run_in_threadpool(catalog.registered_models)
        return Json([dataclasses.asdict(m) for m in found
                     if visible is None or m.project in visible])  # fmt: skip

    async def create_model(request: Request) -> Response:
        body, identity = await json_body(request), identity_of(request)
        name, project = body_field(body, "name", str), body_field(body, "project", str)
        if not name or not project:
            raise InvalidValueError('give the model\'s "name" and the "project" it belongs to')
        guard.project(identity, project, "editor", "registering models")
        made = await run_in_threadpool(
            catalog.create_model, name, project, actor(identity, body),
            body_field(body, "description", str), body_field(body, "tags", dict),
        )  # fmt: skip
        return Json(dataclasses.asdict(made), status_code=201)

    async def get_model(request: Request) -> Response:
        name = request.path_params["name"]
        await run_in_threadpool(check, identity_of(request), name, "viewer", "reading models")
        return Json(dataclasses.asdict(await run_in_threadpool(catalog.registered_model, name)))

    async def update_model(request: Request) -> Response:
        name, body, identity = (
            request.path_params["name"],
            await json_body(request),
            identity_of(request),
        )
        await run_in_threadpool(check, identity, name, "editor", "changing models")
        changed = await run_in_threadpool(
            catalog.update_model, name, actor(identity, body),
            body_field(body, "description", str), body_field(body, "tags", dict),
            body_field(body, "reason", str),
        )  # fmt: skip
        return Json(dataclasses.asdict(changed))

    async def versions(request: Request) -> Response:
        name = request.path_params["name"]
        await run_in_threadpool(check, identity_of(request), name, "viewer", "reading models")
        return Json(
            [_version_json(v) for v in await run_in_threadpool(catalog.model_versions, name)]
        )

    async def create_version(request: Request) -> Response:
        name, body, identity = (
            request.path_params["name"],
            await json_body(request),
            identity_of(request),
        )
        run_id, run_model = body_field(body, "run_id", str), body_field(body, "run_model", str)
        if not run_id or not run_model:
            raise InvalidValueError(
                'give "run_id" and "run_model", the name the run logged the model under'
            )
        await run_in_threadpool(guard.run, identity, run_id, "viewer", "registering its models")
        project = await run_in_threadpool(version_project, identity, name, body, run_id)
        made = await run_in_threadpool(
            lambda: catalog.create_version(
                name, run_id, run_model, actor(identity, body),
                body_field(body, "description", str), body_field(body, "tags", dict), project,
            )
        )  # fmt: skip
        return Json(_version_json(made), status_code=201)

    async def get_version(request: Request) -> Response:
        name, version = request.path_params["name"], request.path_params["version"]
        await run_in_threadpool(check, identity_of(request), name, "viewer", "reading models")
        return Json(_version_json(await run_in_threadpool(catalog.model_version, name, version)))

    async def update_version(request: Request) -> Response:
        name, body, identity = (
            request.path_params["name"],
            await json_body(request),
            identity_of(request),
        )
        number = _number(request.path_params["version"])
        await run_in_threadpool(check, identity, name, "editor", "changing models")
        changed = await run_in_threadpool(
            lambda: catalog.update_version(
                name, number, actor(identity, body), body_field(body, "description", str),
                body_field(body, "tags", dict), body_field(body, "status", str),
                body_field(body, "reason", str),
            )
        )  # fmt: skip
        return Json(_version_json(changed))

    async def set_alias(request: Request) -> Response:
        name, alias = request.path_params["name"], request.path_params["alias"]
        body, identity = await json_body(request), identity_of(request)
        version = body_field(body, "version", int)
        if version is None:
            raise InvalidValueError('give the "version" the alias should point to')
        await run_in_threadpool(check, identity, name, "editor", "moving aliases")
        moved = await run_in_threadpool(
            catalog.set_alias, name, alias, version, actor(identity, body),
            body_field(body, "reason", str),
        )  # fmt: skip
        return Json(_version_json(moved))

    async def delete_alias(request: Request) -> Response:
        name, alias = request.path_params["name"], request.path_params["alias"]
        identity, q = identity_of(request), request.query_params
        await run_in_threadpool(check, identity, name, "editor", "moving aliases")
        who = identity.user if auth or not q.get("actor") else str(q.get("actor"))
        await run_in_threadpool(catalog.delete_alias, name, alias, who, q.get("reason"))
        return Json({"deleted": alias})

    async def set_criteria(request: Request) -> Response:
        name, body, identity = (
            request.path_params["name"],
            await json_body(request),
            identity_of(request),
        )
        number = _number(request.path_params["version"])
        await run_in_threadpool(check, identity, name, "editor", "setting criteria")
        criteria = body.get("criteria")
        if not isinstance(criteria, list):
            raise InvalidValueError('give "criteria": [{"metric", "op", "threshold"}, ...]')
        made = await run_in_threadpool(
            catalog.set_criteria, name, number, criteria, actor(identity, body),
            body_field(body, "reason", str),
        )  # fmt: skip
        return Json(dataclasses.asdict(made), status_code=201)

    async def set_policy(request: Request) -> Response:
        name, alias = request.path_params["name"], request.path_params["alias"]
        body, identity = await json_body(request), identity_of(request)
        required = body_field(body, "required", int)
        if required is None:
            raise InvalidValueError('give "required": the number of sign-offs (0 for none)')
        await run_in_threadpool(check, identity, name, "admin", "changing sign-off policies")
        await run_in_threadpool(
            catalog.set_signoff_policy, name, alias, required, actor(identity, body),
            body_field(body, "reason", str),
        )  # fmt: skip
        return Json({"model": name, "alias": alias, "required": required})

    async def history(request: Request) -> Response:
        name = request.path_params["name"]
        await run_in_threadpool(check, identity_of(request), name, "viewer", "reading models")
        events = await run_in_threadpool(catalog.registry_history, name)
        return Json([{"seq": e.seq, "type": e.type, "time": e.time, "prev": e.prev,
                      "hash": e.hash, "body": dict(e.body)} for e in events])  # fmt: skip

    def at(path: str, action: str, handler: Handler, method: str = "GET") -> Route:
        return Route(path, endpoint(settings, action, handler), methods=[method])

    base = "/api/v1/models"
    return [
        at(base, "models.list", list_models),
        at(base, "models.create", create_model, "POST"),
        at(f"{base}/{{name}}", "models.get", get_model),
        at(f"{base}/{{name}}", "models.update", update_model, "PATCH"),
        at(f"{base}/{{name}}/versions", "models.versions", versions),
        at(f"{base}/{{name}}/versions", "models.create_version", create_version, "POST"),
        at(f"{base}/{{name}}/versions/{{version}}", "models.version", get_version),
        at(
            f"{base}/{{name}}/versions/{{version}}",
            "models.update_version",
            update_version,
            "PATCH",
        ),
        at(f"{base}/{{name}}/aliases/{{alias}}", "models.set_alias", set_alias, "PUT"),
        at(f"{base}/{{name}}/aliases/{{alias}}", "models.delete_alias", delete_alias, "DELETE"),
        at(
            f"{base}/{{name}}/versions/{{version}}/criteria",
            "models.set_criteria",
            set_criteria,
            "POST",
        ),
        at(f"{base}/{{name}}/policies/{{alias}}", "models.set_policy", set_policy, "PUT"),
        at(f"{base}/{{name}}/history", "models.history", history),
    ]
