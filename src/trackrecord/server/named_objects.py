"""What a run's events name outside the run, checked against who appends them.

A run belongs to one project, but its events may name things beyond it: artifact
content by SHA-256 (``artifact`` and ``model`` files, a ``dataset``'s manifest, an
``evaluation``'s result) and the registered model version an ``evaluation``
targets. Each write is authorised against the object it names, not only against
the run's project:

- content may be named only if the run's project holds it (it was uploaded for
  that project, or a run of it recorded it), or if the caller may read it in a
  project they see (they could download it and upload it again). Otherwise the
  bytes must be uploaded first: knowing a digest proves nothing.
- an evaluation may target its own run, or a registered model version whose
  project the caller is an editor of (it shows in that version's Annex IV).
- a run may name as its parent only a run the caller may read (the link shows in
  the parent's lineage), logged before it.

Refusals say the same whether the object is another project's or does not exist.
Dataset names need no check here: they are namespaced per project (a run's
``dataset`` event always names its own project's dataset).

Example:
    >>> NamedObjects(store).check(identity, "vision", events)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from trackrecord.errors import InvalidValueError, NotFoundError
from trackrecord.identity import Identity
from trackrecord.record.events import Event
from trackrecord.store.base import Store

__all__ = ["NamedObjects", "named_digests"]


def _digest(value: object) -> list[str]:
    return [value] if isinstance(value, str) else []


def _file_digests(files: object) -> list[str]:
    if not isinstance(files, list):
        return []
    return [d for f in files if isinstance(f, Mapping) for d in _digest(f.get("sha256"))]


def named_digests(event: Event) -> list[str]:
    """The artifact contents (SHA-256) an event names: what a store would record of it.

    A body too malformed to name them is refused by the store when it is applied.
    """
    body: Mapping[str, Any] = event.body
    if event.type in ("artifact", "model"):
        return _file_digests(body.get("files"))
    if event.type == "dataset" and isinstance(body.get("manifest"), Mapping):
        return _digest(body["manifest"].get("sha256"))
    if event.type == "evaluation" and isinstance(body.get("result"), Mapping):
        return _digest(body["result"].get("sha256"))
    return []


class NamedObjects:
    """Checks the objects that events name, in the server's *store*."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def check(self, identity: Identity, project: str, events: Sequence[Event]) -> None:
        """Refuse *events* of a run of *project* that name what *identity* may not name.

        Raises:
            NotFoundError: content the project does not hold and the caller may not read,
                an evaluation target that is not a model version the caller may edit, or
                a parent run the caller may not read.
            InvalidValueError: an evaluation target that is neither its run nor a model.
        """
        for event in events:
            if event.type == "evaluation":
                self._check_target(identity, event)
            elif event.type == "run.start" and event.body.get("parent") is not None:
                self._check_parent(identity, event)
        self._check_contents(identity, project, events)

    def _check_contents(self, identity: Identity, project: str, events: Sequence[Event]) -> None:
        named = {digest for event in events for digest in named_digests(event)}
        grants = getattr(self._store, "grants", None)
        if not named:
            return
        held = grants.held(project, named) if grants is not None else set()
        visible = identity.visible_projects()
        for event in events:
            for digest in named_digests(event):
                if digest in held:
                    continue
                readable = grants is not None and (
                    visible is None or bool(visible & grants.holders(digest))
                )
                if not readable:
                    raise NotFoundError(
                        f"the {event.type} event {event.seq} of run {event.run_id} names "
                        f"artifact content {digest}, which project {project!r} does not hold; "
                        f"upload the bytes for this project first (the SDK does; by hand: "
                        f"POST /api/v1/artifacts?project={project})"
                    )
                held.add(digest)

    def _check_target(self, identity: Identity, event: Event) -> None:
        target = event.body.get("target")
        if target is None or target == f"run:{event.run_id}":
            return
        where = f"the evaluation event {event.seq} of run {event.run_id}"
        if not isinstance(target, str) or not target.startswith("model:"):
            raise InvalidValueError(
                f"{where} targets {target!r}; an evaluation targets its own run (leave the "
                f"target out) or a registered model version, model:NAME/VERSION"
            )
        refusal = NotFoundError(
            f"{where} targets {target}, which is not a registered model version you may "
            f"evaluate: evaluating a model version needs the editor role in its project"
        )
        name, _, version = target.removeprefix("model:").rpartition("/")
        if not version.isdigit():
            raise refusal
        catalog = self._store.catalog
        try:
            project = catalog.registered_model(name).project
            catalog.model_version(name, int(version))
        except NotFoundError:
            raise refusal from None
        if not identity.can(project, "editor"):
            raise refusal

    def _check_parent(self, identity: Identity, event: Event) -> None:
        parent = event.body["parent"]
        try:
            project = self._store.get_run(str(parent)).project
        except NotFoundError:
            project = None
        if project is None or not identity.can(project, "viewer"):
            raise NotFoundError(
                f"run {event.run_id} names {parent} as its parent, which is not a run you may "
                f"read; a parent must be a run you can see, logged before its children"
            )
