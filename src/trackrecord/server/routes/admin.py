"""Who am I, users, project roles, tokens and the audit log.

Server admins manage users and read the audit log; a project's admins grant
and take away roles in their project; every user may make, list and revoke
their own tokens. These endpoints exist only when auth is on: without users,
a server listens on localhost only and is managed with ``trackrecord admin``.

A token never makes a wider one: a token limited to a project makes tokens
limited to it, and sees and revokes only its user's tokens of that project; a
token that expires makes tokens that expire no later (see
:meth:`Identity.token_limits`). A token with a server admin's powers (of an
admin, limited to no project) needs a fresh sign-in: the caller's own password
in the request, checked and counted as a sign-in is.
"""

from __future__ import annotations

import dataclasses
import time

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trackrecord.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidValueError,
    PermissionDeniedError,
)
from trackrecord.identity import Identity
from trackrecord.server.http import (
    Handler,
    Json,
    body_field,
    client_address,
    endpoint,
    identity_of,
    int_param,
    json_body,
)
from trackrecord.server.settings import Accounts, AuditTrail, ServerSettings

__all__ = ["routes"]

_DAY_MS = 86_400_000


def _require_admin(identity: Identity, doing: str) -> None:
    if not identity.is_admin or identity.token_project is not None:
        raise PermissionDeniedError(f"{doing} needs a server admin's token ({identity.user} "
                                    f"is not a server admin, or the token is limited to one "
                                    f"project)")  # fmt: skip


def routes(settings: ServerSettings) -> list[Route]:
    """The endpoints of accounts and the audit log."""

    def accounts() -> Accounts:
        if settings.accounts is None:
            raise ConfigurationError(
                "auth is off on this server (it has no users); manage users with "
                "'trackrecord admin' on the server's store"
            )
        return settings.accounts

    def audit() -> AuditTrail:
        if settings.audit is None:
            raise ConfigurationError("this server keeps no audit log")
        return settings.audit

    async def login(request: Request) -> Response:
        data = await json_body(request)
        name, password = body_field(data, "user", str), body_field(data, "password", str)
        if not name or not password:
            raise InvalidValueError('give "user" and "password"')
        request.state.audit_target = name
        record, text = await run_in_threadpool(
            accounts().login, name, password, source=client_address(request)
        )
        request.state.identity = Identity(name)  # the audit log says who signed in
        return Json({"user": name, "token": text, "expires_at": record.expires_at}, 201)

    async def whoami(request: Request) -> Response:
        identity = identity_of(request)
        return Json({"user": identity.user, "is_admin": identity.is_admin,
                     "roles": dict(identity.roles), "token": identity.token_id,
                     "token_project": identity.token_project,
                     "token_expires_at": identity.token_expires_at})  # fmt: skip

    async def list_users(request: Request) -> Response:
        _require_admin(identity_of(request), "listing users")
        found = await run_in_threadpool(accounts().users)
        return Json([dataclasses.asdict(u) | {"roles": dict(u.roles)} for u in found])

    async def create_user(request: Request) -> Response:
        _require_admin(identity_of(request), "creating users")
        data = await json_body(request)
        name = body_field(data, "name", str)
        if name is None:
            raise InvalidValueError("give the new user's 'name'")
        admin = bool(body_field(data, "admin", bool, False))
        request.state.audit_target = name
        await run_in_threadpool(accounts().create_user, name, admin)
        return Json({"name": name, "is_admin": admin}, 201)

    async def disable_user(request: Request) -> Response:
        _require_admin(identity_of(request), "disabling users")
        await run_in_threadpool(accounts().disable_user, request.path_params["name"])
        return Json({"disabled": request.path_params["name"]})

    def project_admin(request: Request) -> tuple[str, str]:
        identity, project = identity_of(request), request.path_params["project"]
        if not identity.can(project, "admin"):
            raise PermissionDeniedError(
                f"managing the members of project {project!r} needs its admin role"
            )
        return request.path_params["name"], project

    async def grant(request: Request) -> Response:
        name, project = project_admin(request)
        role = body_field(await json_body(request), "role", str)
        if role is None:
            raise InvalidValueError("give the 'role': viewer, editor or admin")
        await run_in_threadpool(accounts().grant, name, project, role)
        return Json({"user": name, "project": project, "role": role})

    async def revoke_role(request: Request) -> Response:
        name, project = project_admin(request)
        await run_in_threadpool(accounts().revoke_role, name, project)
        return Json({"user": name, "project": project, "role": None})

    def self_or_admin(request: Request, user: str, doing: str) -> None:
        identity = identity_of(request)
        if identity.user != user:
            _require_admin(identity, doing)

    async def fresh_sign_in(request: Request, password: str | None) -> None:
        """Require the caller's own password, checked (and counted) as a sign-in."""
        identity = identity_of(request)
        if not password:
            raise PermissionDeniedError(
                f"a token with a server admin's powers needs a fresh sign-in: send your own "
                f'password ({identity.user}\'s) as "password" in the request, or limit the '
                f'token to one "project"'
            )
        try:
            await run_in_threadpool(accounts().check_sign_in, identity.user, password,
                                    client_address(request))  # fmt: skip
        except AuthenticationError as refused:
            raise PermissionDeniedError(
                f"a token with a server admin's powers needs a fresh sign-in; {refused}"
            ) from None

    async def create_token(request: Request) -> Response:
        name, identity = request.path_params["name"], identity_of(request)
        self_or_admin(request, name, "making tokens for another user")
        data = await json_body(request)
        days = body_field(data, "expires_in_days", int)
        if days is not None and not 1 <= days <= 36_500:
            raise InvalidValueError("'expires_in_days' must be between 1 and 36500")
        asked = None if days is None else time.time_ns() // 1_000_000 + days * _DAY_MS
        project, expires = identity.token_limits(body_field(data, "project", str), asked)
        if project is not None and not identity.can(project, "viewer"):
            raise PermissionDeniedError(f"a token limited to {project!r} needs a role in it")
        if project is None and (await run_in_threadpool(accounts().user, name)).is_admin:
            await fresh_sign_in(request, body_field(data, "password", str))
        record, text = await run_in_threadpool(
            accounts().create_token, name, body_field(data, "label", str, ""), expires, project
        )
        return Json(dataclasses.asdict(record) | {"token": text}, 201)

    async def list_tokens(request: Request) -> Response:
        identity = identity_of(request)
        user = request.query_params.get("user")
        if user != identity.user:
            _require_admin(identity, "listing other users' tokens")
        found = await run_in_threadpool(accounts().tokens, user)
        now = time.time_ns() // 1_000_000
        return Json([dataclasses.asdict(t) | {"state": t.state(now)}
                     for t in found if identity.covers(t)])  # fmt: skip

    async def revoke_token(request: Request) -> Response:
        token_id, identity = request.path_params["token_id"], identity_of(request)
        mine = await run_in_threadpool(accounts().tokens, identity.user)
        if all(t.id != token_id or not identity.covers(t) for t in mine):
            _require_admin(identity, "revoking another user's token (or one of another project)")
        await run_in_threadpool(accounts().revoke_token, token_id)
        return Json({"revoked": token_id})

    async def read_audit(request: Request) -> Response:
        _require_admin(identity_of(request), "reading the audit log")
        since = int_param(request, "since") or 0
        limit = max(1, min(int_param(request, "limit") or 1000, 10_000))
        found = await run_in_threadpool(lambda: list(audit().entries(since, limit)))
        return Json({"entries": [dataclasses.asdict(e) for e in found]})

    async def verify_audit(request: Request) -> Response:
        _require_admin(identity_of(request), "verifying the audit log")
        problems = await run_in_threadpool(audit().verify)
        return Json({"ok": not problems, "problems": problems})

    def at(path: str, action: str, handler: Handler, method: str = "GET") -> Route:
        return Route(f"/api/v1{path}", endpoint(settings, action, handler), methods=[method])

    return [
        Route(
            "/api/v1/login", endpoint(settings, "users.login", login, public=True), methods=["POST"]
        ),
        at("/whoami", "whoami", whoami),
        at("/admin/users", "users.list", list_users),
        at("/admin/users", "users.create", create_user, "POST"),
        at("/admin/users/{name}", "users.disable", disable_user, "DELETE"),
        at("/admin/users/{name}/roles/{project}", "roles.grant", grant, "PUT"),
        at("/admin/users/{name}/roles/{project}", "roles.revoke", revoke_role, "DELETE"),
        at("/admin/users/{name}/tokens", "tokens.create", create_token, "POST"),
        at("/admin/tokens", "tokens.list", list_tokens),
        at("/admin/tokens/{token_id}", "tokens.revoke", revoke_token, "DELETE"),
        at("/admin/audit", "audit.read", read_audit),
        at("/admin/audit/verify", "audit.verify", verify_audit),
    ]
