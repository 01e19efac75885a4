"""Authorisation: what a request's identity may see and do, by the project involved.

A run belongs to one project for life, so the guard remembers each run's
project after the first lookup. What an identity may not see is reported as
missing (404), in the same words as what does not exist, so that a token of one
project learns nothing of another; what it may see but not change is refused
(403). Events are also checked against what they name beyond their run
(artifact bytes, an evaluation's target: :mod:`.named_objects`).

The guard's own lookups see every project (:func:`~trackrecord.store.scope.unrestricted`),
even inside a request's read scope: under PostgreSQL's row-level security a run of another
project would otherwise look absent, and "taken by another project" must never look "free".

Example:
    >>> guard = Guard(store)  # doctest: +SKIP
    >>> guard.run(identity, run_id, "editor")  # doctest: +SKIP
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from typing import Final

from trackrecord.errors import NotFoundError, PermissionDeniedError
from trackrecord.identity import Identity, Role
from trackrecord.record.events import Event
from trackrecord.server.named_objects import NamedObjects
from trackrecord.store.base import Store
from trackrecord.store.catalog import RegisteredModel
from trackrecord.store.scope import unrestricted

__all__ = ["Guard"]

_REMEMBERED: Final = 100_000


class Guard:
    """Checks identities against the projects of runs and artifacts in *store*."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._named = NamedObjects(store)
        self._projects: dict[str, str] = {}
        self._lock = threading.Lock()

    def project_of(self, run_id: str) -> str:
        """The project of a run (:class:`NotFoundError` if there is no such run)."""
        with self._lock:
            known = self._projects.get(run_id)
        if known is None:
            try:
                with unrestricted():
                    known = self._store.get_run(run_id).project
            except NotFoundError:  # the same words as for a run the caller may not see
                raise NotFoundError(f"no run with id {run_id!r}") from None
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

    def model(
        self, identity: Identity, name: str, role: Role = "viewer", doing: str = "reading models"
    ) -> RegisteredModel:
        """The registered model *name*, requiring *role* in its project for *doing*. A model
        that does not exist and one that *identity* may not see get the same 404."""
        try:
            found = self._store.catalog.registered_model(name)
        except NotFoundError:
            found = None
        if found is None or (not _unlimited(identity) and identity.role_in(found.project) is None):
            raise NotFoundError(
                f"no registered model {name!r} in the projects you may read; register one "
                f"with: trackrecord models register RUN_ID MODEL_NAME --name {name}"
            )
        self.project(identity, found.project, role, doing)
        return found

    def append(self, identity: Identity, run_id: str, events: Sequence[Event]) -> None:
        """Require the editor role for appending *events* to a run (they may start it), and
        that what they name outside the run may be named (see :mod:`.named_objects`)."""
        if _unlimited(identity):
            return
        try:
            self.run(identity, run_id, "editor", "logging runs")
            project = self.project_of(run_id)
        except NotFoundError:
            if not events or events[0].type != "run.start" or self._exists(run_id):
                raise
            body = events[0].body  # not yet checked: it may be anything
            project = str(body.get("project", "")) if isinstance(body, Mapping) else ""
            self.project(identity, project, "editor", "logging runs")
        self._named.check(identity, project, events)

    def _exists(self, run_id: str) -> bool:
        try:
            self.project_of(run_id)
        except NotFoundError:
            return False
        return True

    def search(
        self, identity: Identity, projects: Collection[str] | None = None
    ) -> frozenset[str] | None:
        """The projects a search by *identity* may cover (None: every project): those it may
        read, narrowed to *projects* when the caller asks for fewer. The store ANDs this set
        with the parsed query as a node of its syntax tree (``Store.search_runs(...,
        projects=...)``); it is never pasted into the query's text."""
        visible = identity.visible_projects()
        if projects is None:
            return visible
        wanted = frozenset(projects)
        return wanted if visible is None else wanted & visible

    def artifact(self, identity: Identity, sha256: str) -> None:
        """Require that a project *identity* sees holds these bytes: they were uploaded for
        it, or a run of it recorded them (see :mod:`.named_objects`)."""
        visible = identity.visible_projects()
        if visible is None:
            return
        holders = getattr(self._store, "projects_with_artifact", None)
        if holders is None or not visible & set(holders(sha256)):
            raise NotFoundError(f"no artifact with SHA-256 {sha256}")

    def upload(self, identity: Identity, project: str | None) -> list[str]:
        """The projects an upload of artifact bytes is for (which then hold them): *project*,
        which needs the editor role; or, not given, every project *identity* may log to
        (none for a server admin's unlimited token, which needs no grant)."""
        if project is not None:
            self.project(identity, project, "editor", "uploading artifacts")
            return [project]
        if _unlimited(identity):
            return []
        projects = {*identity.roles, *([identity.token_project] if identity.token_project else [])}
        editable = sorted(p for p in projects if identity.can(p, "editor"))
        if not editable:
            raise PermissionDeniedError(
                f"{identity.user} is an editor of no project; uploading artifacts needs the "
                f"editor role in the project of the run"
            )
        return editable


def _unlimited(identity: Identity) -> bool:
    """A server admin with a token for every project: no check needed."""
    return identity.is_admin and identity.token_project is None
