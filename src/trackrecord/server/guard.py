"""Authorisation: what a request's identity may see and do, by the project involved.

A run belongs to one project for life, so the guard remembers each run's
project after the first lookup. What an identity may not see is reported as
missing (404), so that a token of one project learns nothing of another;
what it may see but not change is refused (403).

Example:
    >>> guard = Guard(store)  # doctest: +SKIP
    >>> guard.run(identity, run_id, "editor")  # doctest: +SKIP
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Final

from trackrecord.errors import NotFoundError, PermissionDeniedError
from trackrecord.events import Event
from trackrecord.identity import Identity, Role
from trackrecord.query.lexer import quote
from trackrecord.store.base import Store

__all__ = ["Guard"]

_REMEMBERED: Final = 100_000


class Guard:
    """Checks identities against the projects of runs and artifacts in *store*."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._projects: dict[str, str] = {}
        self._lock = threading.Lock()

    def project_of(self, run_id: str) -> str:
        """The project of a run (:class:`NotFoundError` if there is no such run)."""
        with self._lock:
            known = self._projects.get(run_id)
        if known is None:
            known = self._store.get_run(run_id).project
            with self._lock:
                if len(self._projects) >= _REMEMBERED:
                    self._projects.clear()
                self._projects[run_id] = known
        return known

    def project(self, identity: Identity, project: str, role: Role, doing: str) -> None:
        """Require *role* in *project* for *doing* (words for the error message)."""
        if identity.can(project, role):
            return
        held = identity.role_in(project)
        where = f"is a {held} of project {project!r}" if held else f"has no role in {project!r}"
        raise PermissionDeniedError(
            f"{identity.user} {where}; {doing} needs the {role} role there (a project admin "
            f"grants it with: trackrecord admin grant {identity.user} {project} {role})"
        )

    def run(self, identity: Identity, run_id: str, role: Role, doing: str) -> None:
        """Require *role* in the project of a run; unseen runs are reported missing."""
        if _unlimited(identity):
            return
        project = self.project_of(run_id)
        if identity.role_in(project) is None:
            raise NotFoundError(f"no run with id {run_id!r}")
        self.project(identity, project, role, doing)

    def append(self, identity: Identity, run_id: str, events: Sequence[Event]) -> None:
        """Require the editor role for appending *events* to a run (they may start it)."""
        if _unlimited(identity):
            return
        try:
            self.run(identity, run_id, "editor", "logging runs")
        except NotFoundError:
            if not events or events[0].type != "run.start" or self._exists(run_id):
                raise
            body = events[0].body  # not yet checked: it may be anything
            project = str(body.get("project", "")) if isinstance(body, Mapping) else ""
            self.project(identity, project, "editor", "logging runs")

    def _exists(self, run_id: str) -> bool:
        try:
            self.project_of(run_id)
        except NotFoundError:
            return False
        return True

    def search(self, identity: Identity, query: str | None, project: str | None) -> str | None:
        """*query* limited to the projects *identity* sees ("" when it sees none)."""
        visible = identity.visible_projects()
        if visible is None:
            return query
        if project is not None:
            return query if project in visible else ""
        if not visible:
            return ""
        scope = f"project in ({', '.join(quote(p) for p in sorted(visible))})"
        return f"{scope} and ({query})" if query and query.strip() else scope

    def artifact(self, identity: Identity, sha256: str) -> None:
        """Require that a run in a project *identity* sees recorded these bytes."""
        visible = identity.visible_projects()
        if visible is None:
            return
        holders = getattr(self._store, "projects_with_artifact", None)
        if holders is None or not visible & set(holders(sha256)):
            raise NotFoundError(f"no artifact with SHA-256 {sha256}")

    def upload(self, identity: Identity) -> None:
        """Require the editor role somewhere for uploading artifact bytes."""
        if _unlimited(identity):
            return
        projects = {*identity.roles, *([identity.token_project] if identity.token_project else [])}
        if not any(identity.can(p, "editor") for p in projects):
            raise PermissionDeniedError(
                f"{identity.user} is an editor of no project; uploading artifacts needs the "
                f"editor role in the project of the run"
            )


def _unlimited(identity: Identity) -> bool:
    """A server admin with a token for every project: no check needed."""
    return identity.is_admin and identity.token_project is None
