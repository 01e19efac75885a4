"""RemoteCatalog: the catalog (datasets, models, registry, lineage) of a TrackRecord server.

The server decides who the actor of a registry change is (the token's user);
the ``actor`` given here is only used by a server that runs without auth.

Example:
    >>> from trackrecord.store.remote import RemoteStore
    >>> RemoteStore("http://127.0.0.1:8080").catalog.registered_models()  # doctest: +SKIP
    []
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any
from urllib.parse import quote

from trackrecord.errors import InvalidValueError
from trackrecord.record.events import Event
from trackrecord.store.catalog import (
    CriteriaSet,
    DatasetName,
    DatasetUse,
    DatasetVersion,
    EvaluationRecord,
    LoggedModel,
    ModelVersion,
    RegisteredModel,
    chain_id,
)
from trackrecord.store.lineage import LineageGraph

__all__ = ["RemoteCatalog"]

Request = Callable[..., Any]
"""``request(method, path, **httpx_options)`` answering the decoded JSON body."""


def _part(text: str) -> str:
    return quote(str(text), safe="")


def _in(project: str | None) -> dict[str, str]:
    """The query parameters that name a dataset's project, if given."""
    return {} if project is None else {"project": project}


class RemoteCatalog:
    """The :class:`~trackrecord.store.catalog.Catalog` of a server, through *request*."""

    def __init__(self, request: Request) -> None:
        self._json = request

    def dataset_names(self, projects: Collection[str] | None = None) -> list[DatasetName]:
        """See :meth:`Catalog.dataset_names` (the server already limits them to yours)."""
        found = [DatasetName(**d) for d in self._json("GET", "/datasets")]
        return found if projects is None else [d for d in found if d.project in set(projects)]

    def dataset_projects(self, name: str) -> list[str]:
        """See :meth:`Catalog.dataset_projects` (of the projects you may read)."""
        return sorted({d.project for d in self.dataset_names() if d.name == name})

    def dataset_versions(self, name: str, project: str | None = None) -> list[DatasetVersion]:
        """See :meth:`Catalog.dataset_versions`."""
        path = f"/datasets/{_part(name)}/versions"
        return [DatasetVersion(**d) for d in self._json("GET", path, params=_in(project))]

    def dataset_version(
        self, name: str, version: str, project: str | None = None
    ) -> DatasetVersion:
        """See :meth:`Catalog.dataset_version`."""
        path = f"/datasets/{_part(name)}/versions/{_part(version)}"
        return DatasetVersion(**self._json("GET", path, params=_in(project)))

    def dataset_uses(
        self,
        name: str | None = None,
        digest: str | None = None,
        run_id: str | None = None,
        project: str | None = None,
    ) -> list[DatasetUse]:
        """See :meth:`Catalog.dataset_uses` (give *name* or *run_id*)."""
        if run_id is not None:
            found = [DatasetUse(**d) for d in self._json("GET", f"/runs/{_part(run_id)}/datasets")]
            return [
                u
                for u in found
                if (name is None or u.name == name)
                and (digest is None or u.digest == digest)
                and (project is None or u.project == project)
            ]
        if name is None:
            raise InvalidValueError("give a dataset name or a run id to find dataset uses")
        params = _in(project) | ({} if digest is None else {"digest": digest})
        path = f"/datasets/{_part(name)}/uses"
        return [DatasetUse(**d) for d in self._json("GET", path, params=params)]

    def logged_models(self, run_id: str) -> list[LoggedModel]:
        """See :meth:`Catalog.logged_models`."""
        return [LoggedModel(**d) for d in self._json("GET", f"/runs/{_part(run_id)}/models")]

    def logged_model(self, run_id: str, name: str) -> LoggedModel:
        """See :meth:`Catalog.logged_model`."""
        path = f"/runs/{_part(run_id)}/models/{_part(name)}"
        return LoggedModel(**self._json("GET", path))

    def registered_models(self) -> list[RegisteredModel]:
        """See :meth:`Catalog.registered_models`."""
        return [RegisteredModel(**d) for d in self._json("GET", "/models")]

    def registered_model(self, name: str) -> RegisteredModel:
        """See :meth:`Catalog.registered_model`."""
        return RegisteredModel(**self._json("GET", f"/models/{_part(name)}"))

    def model_versions(self, name: str) -> list[ModelVersion]:
        """See :meth:`Catalog.model_versions`."""
        return [ModelVersion(**d) for d in self._json("GET", f"/models/{_part(name)}/versions")]

    def model_version(self, name: str, version: int | str) -> ModelVersion:
        """See :meth:`Catalog.model_version`."""
        path = f"/models/{_part(name)}/versions/{_part(str(version))}"
        return ModelVersion(**self._json("GET", path))

    def registry_history(self, name: str) -> list[Event]:
        """See :meth:`Catalog.registry_history`."""
        return [
            Event(chain_id(name), e["seq"], e["type"], e["time"], e["prev"], e["body"], e["hash"])
            for e in self._json("GET", f"/models/{_part(name)}/history")
        ]

    def create_model(
        self,
        name: str,
        project: str,
        actor: str,
        description: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> RegisteredModel:
        """See :meth:`Catalog.create_model`."""
        body = {"name": name, "project": project, "actor": actor, "description": description,
                "tags": tags}  # fmt: skip
        return RegisteredModel(**self._json("POST", "/models", json=body))

    def create_version(
        self,
        name: str,
        run_id: str,
        run_model: str,
        actor: str,
        description: str | None = None,
        tags: dict[str, str] | None = None,
        project: str | None = None,
    ) -> ModelVersion:
        """See :meth:`Catalog.create_version`."""
        body = {"run_id": run_id, "run_model": run_model, "actor": actor,
                "description": description, "tags": tags, "project": project}  # fmt: skip
        return ModelVersion(**self._json("POST", f"/models/{_part(name)}/versions", json=body))

    def update_model(
        self,
        name: str,
        actor: str,
        description: str | None = None,
        tags: dict[str, str] | None = None,
        reason: str | None = None,
    ) -> RegisteredModel:
        """See :meth:`Catalog.update_model`."""
        body = {"actor": actor, "description": description, "tags": tags, "reason": reason}
        return RegisteredModel(**self._json("PATCH", f"/models/{_part(name)}", json=body))

    def update_version(
        self,
        name: str,
        version: int,
        actor: str,
        description: str | None = None,
        tags: dict[str, str] | None = None,
        status: str | None = None,
        reason: str | None = None,
    ) -> ModelVersion:
        """See :meth:`Catalog.update_version`."""
        body = {"actor": actor, "description": description, "tags": tags, "status": status,
                "reason": reason}  # fmt: skip
        path = f"/models/{_part(name)}/versions/{_part(str(version))}"
        return ModelVersion(**self._json("PATCH", path, json=body))

    def set_alias(
        self, name: str, alias: str, version: int, actor: str, reason: str | None = None
    ) -> ModelVersion:
        """See :meth:`Catalog.set_alias`."""
        body = {"version": version, "actor": actor, "reason": reason}
        path = f"/models/{_part(name)}/aliases/{_part(alias)}"
        return ModelVersion(**self._json("PUT", path, json=body))

    def delete_alias(self, name: str, alias: str, actor: str, reason: str | None = None) -> None:
        """See :meth:`Catalog.delete_alias`."""
        params = {"actor": actor, **({"reason": reason} if reason else {})}
        self._json("DELETE", f"/models/{_part(name)}/aliases/{_part(alias)}", params=params)

    def set_signoff_policy(
        self, name: str, alias: str, required: int, actor: str, reason: str | None = None
    ) -> None:
        """See :meth:`Catalog.set_signoff_policy`."""
        body = {"required": required, "actor": actor, "reason": reason}
        self._json("PUT", f"/models/{_part(name)}/policies/{_part(alias)}", json=body)

    def set_criteria(
        self,
        name: str,
        version: int,
        criteria: list[dict[str, Any]],
        actor: str,
        reason: str | None = None,
    ) -> CriteriaSet:
        """See :meth:`Catalog.set_criteria`."""
        body = {"criteria": criteria, "actor": actor, "reason": reason}
        path = f"/models/{_part(name)}/versions/{_part(str(version))}/criteria"
        return CriteriaSet(**self._json("POST", path, json=body))

    def criteria_sets(self, target: str) -> list[CriteriaSet]:
        """See :meth:`Catalog.criteria_sets`."""
        return [CriteriaSet(**d) for d in self._json("GET", "/criteria", params={"target": target})]

    def criteria_set(self, criteria_id: str) -> CriteriaSet:
        """See :meth:`Catalog.criteria_set`."""
        return CriteriaSet(**self._json("GET", f"/criteria/{_part(criteria_id)}"))

    def evaluations(
        self, target: str | None = None, run_id: str | None = None
    ) -> list[EvaluationRecord]:
        """See :meth:`Catalog.evaluations`."""
        params = {k: v for k, v in (("target", target), ("run_id", run_id)) if v is not None}
        return [EvaluationRecord(**d) for d in self._json("GET", "/evaluations", params=params)]

    def evaluation(self, evaluation_id: str) -> EvaluationRecord:
        """See :meth:`Catalog.evaluation`."""
        return EvaluationRecord(**self._json("GET", f"/evaluations/{_part(evaluation_id)}"))

    def lineage(self, node: str, direction: str = "both", depth: int = 10) -> LineageGraph:
        """See :meth:`Catalog.lineage`."""
        params = {"node": node, "direction": direction, "depth": str(depth)}
        return LineageGraph.from_dict(self._json("GET", "/lineage", params=params))
