"""The catalog half of :class:`trackrecord.Api`: datasets, models, the registry, lineage.

Example:
    >>> import trackrecord, tempfile
    >>> where = tempfile.mkdtemp()
    >>> with trackrecord.init("demo", dir=where, capture=False) as run:
    ...     ds = run.log_dataset({"x": [1, 2, 3]}, "tiny")  # doctest: +SKIP
    >>> trackrecord.Api(dir=where).datasets()
    []
"""

from __future__ import annotations

import os
from typing import Any

from trackrecord.errors import InvalidValueError, StoreError
from trackrecord.local_audit import LocalAudit
from trackrecord.record.chains import check_chain
from trackrecord.record.events import Event
from trackrecord.store.base import RunRecord, Store
from trackrecord.store.catalog import (
    CriteriaSet,
    DatasetName,
    DatasetUse,
    DatasetVersion,
    EvaluationRecord,
    LoggedModel,
    ModelVersion,
    RegisteredModel,
)
from trackrecord.store.lineage import LineageGraph
from trackrecord.values import local_user

__all__ = ["CatalogApi"]


class CatalogApi:
    """Methods of :class:`~trackrecord.Api` that read and change the catalog.

    Registry changes are recorded with the local user as the actor (a server
    with auth records the token's user instead) and the *reason* given; each is also
    appended to the store's audit log (see :mod:`trackrecord.local_audit`), named as a
    server names the same request (``models.set_alias``), refused attempts included.
    """

    store: Store
    audit: LocalAudit

    def run(self, run_id: str) -> RunRecord:  # provided by Api
        raise NotImplementedError

    # -- datasets --

    def datasets(self) -> list[DatasetName]:
        """Every dataset name (per project), with its number of versions and runs."""
        return self.store.catalog.dataset_names()

    def dataset_versions(self, name: str, project: str | None = None) -> list[DatasetVersion]:
        """The versions of a dataset, newest first.

        Dataset names belong to a project: give *project* when several projects have a
        dataset called *name*.

        Example:
            >>> [v.number for v in api.dataset_versions("churn")]  # doctest: +SKIP
            [2, 1]
        """
        return self.store.catalog.dataset_versions(name, project)

    def dataset(
        self, name: str, version: str | int = "latest", project: str | None = None
    ) -> DatasetVersion:
        """One version of a dataset: by number, digest (or 8+ leading hex digits), or latest."""
        if version == "latest":
            return self.store.catalog.dataset_versions(name, project)[0]
        return self.store.catalog.dataset_version(name, str(version), project)

    def dataset_runs(
        self, name: str, version: str | int | None = None, project: str | None = None
    ) -> list[DatasetUse]:
        """The runs that read or produced a dataset (one version of it, if given)."""
        found = self.dataset(name, "latest" if version is None else version, project)
        digest = None if version is None else found.digest
        return self.store.catalog.dataset_uses(name=name, digest=digest, project=found.project)

    def run_datasets(self, run_id: str) -> list[DatasetUse]:
        """The datasets a run read or produced."""
        return self.store.catalog.dataset_uses(run_id=self.run(run_id).id)

    # -- models and the registry --

    def logged_models(self, run_id: str) -> list[LoggedModel]:
        """The models a run logged."""
        return self.store.catalog.logged_models(self.run(run_id).id)

    def load_model(
        self, uri: str, dst: str | os.PathLike[str] | None = None, **options: Any
    ) -> Any:
        """Load a model by URI: ``runs:/RUN_ID/NAME``, ``models:/NAME/3``, ``models:/NAME@ALIAS``.

        Every file is checked against its recorded SHA-256 before the model is
        deserialised. *options* go to the flavor's loader (``model=`` for a
        PyTorch state dict, ``trusted=[...]`` for skops, ``session=True`` for ONNX).
        """
        from trackrecord.sdk.models import load_model_from

        return load_model_from(self.store, uri, dst, **options)

    def register_model(
        self,
        model_uri: str,
        name: str,
        description: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> ModelVersion:
        """Make a new version of registered model *name* from ``runs:/RUN_ID/MODEL``.

        The version is bound to the logged model's digest for life.

        Example:
            >>> api.register_model(f"runs:/{run.id}/classifier", "churn").version  # doctest: +SKIP
            1
        """
        with self.audit.change("models.create_version", name):
            run_part, _, model = model_uri.removeprefix("runs:/").partition("/")
            if not model_uri.startswith("runs:/") or not run_part or not model:
                raise InvalidValueError(
                    f"register_model needs a runs:/RUN_ID/MODEL_NAME URI, not {model_uri!r}"
                )
            run_id = self.run(run_part).id
            return self.store.catalog.create_version(
                name, run_id, model, local_user(), description, tags
            )

    def registered_models(self) -> list[RegisteredModel]:
        """Every registered model."""
        return self.store.catalog.registered_models()

    def registered_model(self, name: str) -> RegisteredModel:
        """One registered model, with its aliases."""
        return self.store.catalog.registered_model(name)

    def model_versions(self, name: str) -> list[ModelVersion]:
        """A registered model's versions, newest first."""
        return self.store.catalog.model_versions(name)

    def model_version(self, name: str, version: int | str) -> ModelVersion:
        """A version by number or alias."""
        return self.store.catalog.model_version(name, version)

    def set_alias(
        self, name: str, alias: str, version: int, reason: str | None = None
    ) -> ModelVersion:
        """Point *alias* (``champion``, ``production`` ...) at a version; the move is recorded."""
        with self.audit.change("models.set_alias", f"{name}/{alias}"):
            return self.store.catalog.set_alias(name, alias, version, local_user(), reason)

    def delete_alias(self, name: str, alias: str, reason: str | None = None) -> None:
        """Remove an alias; the removal is recorded."""
        with self.audit.change("models.delete_alias", f"{name}/{alias}"):
            self.store.catalog.delete_alias(name, alias, local_user(), reason)

    def require_signoffs(
        self, name: str, alias: str, required: int, reason: str | None = None
    ) -> None:
        """Require *required* approving sign-offs (``trackrecord sign model``) from different
        people before *alias* may point to a version; 0 lifts the requirement.

        Example:
            >>> api.require_signoffs("churn", "production", 2)  # doctest: +SKIP
        """
        with self.audit.change("models.set_policy", f"{name}/{alias}"):
            self.store.catalog.set_signoff_policy(name, alias, required, local_user(), reason)

    def deprecate(self, name: str, version: int, reason: str) -> ModelVersion:
        """Mark a version deprecated: kept, bound to its bytes, but no alias may point to it."""
        return self.update_version(name, version, status="deprecated", reason=reason)

    def update_model(
        self, name: str, description: str | None = None, tags: dict[str, str] | None = None,
        reason: str | None = None,
    ) -> RegisteredModel:  # fmt: skip
        """Change a registered model's description or tags."""
        with self.audit.change("models.update", name):
            return self.store.catalog.update_model(name, local_user(), description, tags, reason)

    def update_version(
        self, name: str, version: int, description: str | None = None,
        tags: dict[str, str] | None = None, status: str | None = None, reason: str | None = None,
    ) -> ModelVersion:  # fmt: skip
        """Change a version's description, tags or status (``ready`` or ``deprecated``)."""
        with self.audit.change("models.update_version", f"{name}/{version}"):
            return self.store.catalog.update_version(
                name, version, local_user(), description, tags, status, reason
            )

    def registry_history(self, name: str) -> list[Event]:
        """A registered model's hash-chained history: who did what, when and why."""
        return self.store.catalog.registry_history(name)

    def verify_registry(self, name: str) -> list[str]:
        """Problems in a registered model's history chain, and (for a store whose database
        is here) in its tables rebuilt from that chain (empty: intact)."""
        from trackrecord.compliance.verify_store import verify_registry

        seq, problem = check_chain(self.registry_history(name))
        if seq is not None:
            return [f"registry event {seq} of {name!r}: {problem}"]
        if getattr(self.store, "database", None) is None:
            return []
        return [str(found) for found in verify_registry(self.store, name)]

    # -- criteria and evaluations --

    def criteria_sets(self, target: str) -> list[CriteriaSet]:
        """The criteria sets of ``model:NAME/VERSION`` (or ``models:/NAME/3``) or
        ``run:RUN_ID``, newest first; each names the set it superseded."""
        return self.store.catalog.criteria_sets(self._node(target))

    def evaluations(
        self, target: str | None = None, run_id: str | None = None
    ) -> list[EvaluationRecord]:
        """Evaluations of a model version (``models:/NAME/3``, ``model:NAME/3``) or made
        by a run, newest first."""
        return self.store.catalog.evaluations(
            None if target is None else self._node(target),
            None if run_id is None else self.run(run_id).id,
        )

    def evaluation(self, evaluation_id: str) -> EvaluationRecord:
        """One evaluation's record: headline metrics, verdicts, limitations."""
        return self.store.catalog.evaluation(evaluation_id)

    def evaluation_result(self, evaluation_id: str) -> dict[str, Any]:
        """The full result of an evaluation (groups, intervals, curves), checked against the
        digest its event recorded."""
        import hashlib

        from trackrecord.record.events import decode_json

        record = self.evaluation(evaluation_id)
        with self.store.open_artifact(record.result_sha256) as handle:
            content = handle.read()
        if hashlib.sha256(content).hexdigest() != record.result_sha256:
            raise StoreError(f"the stored result of {evaluation_id} was altered")
        result: dict[str, Any] = decode_json(content)
        return result

    def compare_evaluations(self, a: str, b: str) -> dict[str, Any]:
        """Two evaluations metric by metric with their intervals; ``clear`` marks
        differences larger than the intervals (they do not overlap).

        Example:
            >>> rows = api.compare_evaluations(old.id, new.id)["metrics"]  # doctest: +SKIP
        """
        from trackrecord.compliance.comparison import compare_evaluations

        return compare_evaluations(self.evaluation(a), self.evaluation(b))

    def _node(self, target: str) -> str:
        """``models:/NAME/3`` or ``@alias`` as the lineage node ``model:NAME/3``."""
        if target.startswith("models:/"):
            rest = target.removeprefix("models:/")
            name, _, ref = rest.partition("/") if "/" in rest else rest.partition("@")
            version = self.store.catalog.model_version(name, ref)
            return f"model:{version.model}/{version.version}"
        return target

    # -- lineage --

    def lineage(self, node: str, direction: str = "both", depth: int = 10) -> LineageGraph:
        """The lineage graph around a node, upstream, downstream or both.

        Nodes: ``dataset:NAME@VERSION`` (number or digest), ``run:RUN_ID``,
        ``model:NAME/VERSION``, ``alias:NAME@ALIAS``.

        Example:
            >>> graph = api.lineage("model:churn/1", "upstream")  # doctest: +SKIP
            >>> sorted(n.kind for n in graph.nodes.values())  # doctest: +SKIP
            ['dataset', 'model', 'run']
        """
        if node.startswith("run:"):
            node = f"run:{self.run(node[4:]).id}"
        return self.store.catalog.lineage(node, direction, depth)

    def openlineage(
        self, node: str, direction: str = "both", depth: int = 10
    ) -> list[dict[str, Any]]:
        """The runs of :meth:`lineage` as OpenLineage ``RunEvent`` objects (JSON-ready)."""
        from trackrecord.compliance.openlineage import openlineage_events

        return openlineage_events(self.lineage(node, direction, depth), self.store)
