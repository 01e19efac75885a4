"""The catalog: dataset versions, logged models and the model registry, as stores keep them.

Datasets and logged models are recorded by runs (``dataset`` and ``model``
events) and materialised by the store. The registry is not part of any run:
each registered model is its own hash-chained log of registry events
(``model.create``, ``version.create``, ``alias.set`` ...), each naming who did
it, when and why. Versions are bound to the content digest of the logged
model they were made from, so a version can never point to other bytes.

Every store provides a :class:`Catalog` as ``store.catalog``.

Example:
    >>> import tempfile
    >>> from trackrecord.store.sql import SqlStore
    >>> SqlStore.open(tempfile.mkdtemp()).catalog.dataset_names()
    []
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Final, Literal, Protocol

from trackrecord.errors import InvalidValueError
from trackrecord.record.events import Event
from trackrecord.store.lineage import LineageGraph

__all__ = [
    "Catalog",
    "CriteriaSet",
    "DatasetName",
    "DatasetUse",
    "DatasetVersion",
    "EvaluationRecord",
    "LoggedModel",
    "ModelVersion",
    "RegisteredModel",
    "chain_id",
    "check_alias",
    "check_model_name",
    "dataset_node",
    "name_taken",
    "split_dataset_node",
]

Direction = Literal["input", "output"]
VERSION_STATUSES: Final = ("ready", "deprecated")
_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}")
_ALIAS: Final = re.compile(r"[A-Za-z][A-Za-z0-9_\-]{0,63}")


def chain_id(model: str) -> str:
    """The id a registered model's events are chained under (in place of a run id)."""
    return f"registry:{model}"


def check_model_name(name: object, what: str = "model name") -> str:
    """A registered or logged model's name: letters, digits, ``_ . -``; up to 128 chars.

    Example:
        >>> check_model_name("fraud-detector")
        'fraud-detector'
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidValueError(
            f"{what} {name!r} must start with a letter or digit and hold only letters, digits, "
            f"'_', '.' and '-' (at most 128 characters), e.g. 'fraud-detector'"
        )
    return name


def name_taken(name: str) -> InvalidValueError:
    """The refusal of a registered model name that exists already, in any project.

    Registered model names are unique across projects (versions, aliases, criteria and
    sign-offs are named ``model:NAME/VERSION``), so a name one project has cannot be
    taken by another. The refusal says nothing of where the name is, or whose.
    """
    return InvalidValueError(
        f"the registered model name {name!r} is taken: registered model names are unique "
        f"across the projects of a store, so choose another name (for example one that "
        f"starts with your project's name)"
    )


def check_alias(alias: object) -> str:
    """An alias such as ``champion``: a letter, then letters, digits, ``_`` or ``-``.

    Aliases that are whole numbers would read as version numbers in
    ``models:/NAME/3``, so they are refused.

    Example:
        >>> check_alias("champion")
        'champion'
    """
    if not isinstance(alias, str) or not _ALIAS.fullmatch(alias):
        raise InvalidValueError(
            f"alias {alias!r} must start with a letter and hold only letters, digits, '_' and "
            f"'-' (at most 64 characters), e.g. 'champion' or 'production'"
        )
    return alias


def dataset_node(project: str, name: str, version: str | int) -> str:
    """The lineage node of a project's dataset version: ``dataset:PROJECT/NAME@VERSION``.

    Example:
        >>> dataset_node("vision", "mnist", 3)
        'dataset:vision/mnist@3'
    """
    return f"dataset:{project}/{name}@{version}"


def split_dataset_node(rest: str) -> tuple[str | None, str, str]:
    """(project, name, version) of a dataset node without its ``dataset:``; the project is
    None when the node leaves it out (``NAME@VERSION``, for a name only one project has).

    Example:
        >>> split_dataset_node("vision/mnist@3")
        ('vision', 'mnist', '3')
    """
    head, sep, version = rest.rpartition("@")
    project, slash, name = head.rpartition("/")  # dataset names hold no "/"
    if not sep or not name or not version or (slash and not project):
        raise InvalidValueError(
            f"dataset node 'dataset:{rest}' must be dataset:PROJECT/NAME@VERSION (a number or "
            f"a digest), e.g. dataset:vision/mnist@3"
        )
    return (project if slash else None), name, version


@dataclass(frozen=True)
class DatasetVersion:
    """One version of a project's named dataset: its content digest, and what was in it.

    Dataset names are namespaced per project: two projects may each have an ``mnist``,
    each with its own versions. ``digest`` is the SHA-256 of the content (for a reference
    whose content was not read, ``ref:`` and the SHA-256 of the reference). ``number``
    counts the versions of the name in its project in the order they were first used
    (1, 2, ...); ``label`` is the version string the user gave, if any.
    """

    project: str
    name: str
    digest: str
    number: int
    kind: str
    label: str | None
    uri: str | None
    size: int | None
    rows: int | None
    schema: list[dict[str, Any]] | None
    profile: dict[str, Any] | None
    sources: list[dict[str, Any]]
    datasheet: dict[str, Any] | None
    description: str | None
    manifest_sha256: str | None
    first_run: str
    created_at: int
    runs: int = 0

    @property
    def node(self) -> str:
        """This version's id in the lineage graph: ``dataset:PROJECT/NAME@DIGEST``."""
        return dataset_node(self.project, self.name, self.digest)


@dataclass(frozen=True)
class DatasetName:
    """A project's dataset name and how many versions and runs it has."""

    project: str
    name: str
    versions: int
    runs: int
    created_at: int
    updated_at: int


@dataclass(frozen=True)
class DatasetUse:
    """A run's use of a dataset version: read (``input``) or produced (``output``)."""

    run_id: str
    project: str
    run_name: str
    name: str
    digest: str
    number: int
    role: str
    direction: Direction
    time: int


@dataclass(frozen=True)
class LoggedModel:
    """A model a run stored with ``run.log_model``: its files (under ``path``) and digest.

    ``digest`` is the SHA-256 of the model's manifest of files (see
    :func:`trackrecord.data.digest.manifest_digest`); ``files`` lists each file's
    path relative to ``path``, its SHA-256 and size.
    """

    run_id: str
    name: str
    digest: str
    flavor: str
    format: str
    path: str
    size: int
    files: list[dict[str, Any]]
    meta: dict[str, Any]
    created_at: int

    @property
    def uri(self) -> str:
        """``runs:/RUN_ID/NAME``, which :func:`trackrecord.load_model` accepts."""
        return f"runs:/{self.run_id}/{self.name}"


@dataclass(frozen=True)
class ModelVersion:
    """A registered model's version, bound for life to one logged model's digest."""

    model: str
    version: int
    run_id: str
    run_model: str
    digest: str
    flavor: str
    files: list[dict[str, Any]]
    description: str | None
    tags: dict[str, str]
    status: str
    status_reason: str | None
    created_at: int
    created_by: str
    aliases: list[str] = field(default_factory=list)

    @property
    def uri(self) -> str:
        """``models:/NAME/VERSION``."""
        return f"models:/{self.model}/{self.version}"


@dataclass(frozen=True)
class RegisteredModel:
    """A registered model: a name in a project, its versions' count and its aliases."""

    name: str
    project: str
    description: str | None
    tags: dict[str, str]
    created_at: int
    created_by: str
    updated_at: int
    latest_version: int | None
    aliases: dict[str, int]
    head_seq: int
    head_hash: str


@dataclass(frozen=True)
class CriteriaSet:
    """Acceptance criteria recorded before an evaluation, for a run or a model version.

    ``target`` is ``run:RUN_ID`` or ``model:NAME/VERSION``; ``chain`` and ``seq`` name the
    hash-chained event that holds it (a run's log, or ``registry:NAME``). A set is never
    changed: a new set for the same target names the one it ``supersedes``.
    """

    id: str
    target: str
    chain: str
    seq: int
    time: int
    actor: str | None
    reason: str | None
    criteria: list[dict[str, Any]]
    supersedes: str | None


@dataclass(frozen=True)
class EvaluationRecord:
    """An evaluation recorded by a run: what was evaluated, on which data, and the verdicts.

    ``metrics`` and ``verdicts`` are the headline figures; the full result (groups,
    curves, limitations) is the run's artifact ``result_path`` with SHA-256
    ``result_sha256``, which the event's hash covers. ``status`` is ``pass``, ``fail``,
    ``inconclusive`` (some verdict could not be decided), or ``none`` (no criteria).
    """

    id: str
    run_id: str
    seq: int
    time: int
    started_at: int
    target: str | None
    dataset_name: str | None
    dataset_digest: str | None
    criteria_id: str | None
    task: str
    n: int
    status: str
    metrics: dict[str, Any]
    verdicts: list[dict[str, Any]]
    limitations: list[str]
    result_path: str
    result_sha256: str


class Catalog(Protocol):
    """Datasets, logged models, the registry and the lineage graph of a store.

    Registry changes take the *actor* (who) and an optional *reason* (why);
    a server fills the actor in from the caller's identity.
    """

    def dataset_names(self, projects: Collection[str] | None = None) -> list[DatasetName]:
        """Every project's dataset names, by project and name (of *projects*, when given)."""
        ...

    def dataset_projects(self, name: str) -> list[str]:
        """The projects that have a dataset called *name*, by name."""
        ...

    def dataset_versions(self, name: str, project: str | None = None) -> list[DatasetVersion]:
        """The versions of a project's dataset, newest first (NotFoundError if unknown).

        *project* may be left out when only one project has a dataset called *name*
        (InvalidValueError, naming them, when several do).
        """
        ...

    def dataset_version(
        self, name: str, version: str, project: str | None = None
    ) -> DatasetVersion:
        """A version by number (``"3"``), digest, or a digest prefix of at least 8 hex digits
        (*project* as in :meth:`dataset_versions`)."""
        ...

    def dataset_uses(
        self,
        name: str | None = None,
        digest: str | None = None,
        run_id: str | None = None,
        project: str | None = None,
    ) -> list[DatasetUse]:
        """Which runs read or produced which dataset versions (filter by any of the four)."""
        ...

    def logged_models(self, run_id: str) -> list[LoggedModel]:
        """The models a run logged."""
        ...

    def logged_model(self, run_id: str, name: str) -> LoggedModel:
        """One model a run logged (NotFoundError if none by that name)."""
        ...

    def registered_models(self) -> list[RegisteredModel]:
        """Every registered model, by name."""
        ...

    def registered_model(self, name: str) -> RegisteredModel:
        """A registered model by name."""
        ...

    def model_versions(self, name: str) -> list[ModelVersion]:
        """The versions of a registered model, newest first."""
        ...

    def model_version(self, name: str, version: int | str) -> ModelVersion:
        """A version by number, or by alias (``"champion"``)."""
        ...

    def registry_history(self, name: str) -> list[Event]:
        """A registered model's registry events, oldest first (its hash chain)."""
        ...

    def create_model(
        self,
        name: str,
        project: str,
        actor: str,
        description: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> RegisteredModel:
        """Register a model name in a project (InvalidValueError if the name is taken, in
        whichever project: names are unique across projects)."""
        ...

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
        """A new version of *name* from the model *run_model* that run *run_id* logged.

        The registered model is created when missing: in *project*, or in the run's.
        Registered model names are unique across projects: with *project*, a name that
        another project has is refused (InvalidValueError), never added to.
        """
        ...

    def update_model(
        self,
        name: str,
        actor: str,
        description: str | None = None,
        tags: dict[str, str] | None = None,
        reason: str | None = None,
    ) -> RegisteredModel:
        """Change a registered model's description or tags (None: unchanged)."""
        ...

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
        """Change a version's description, tags or status (``deprecated``, ``ready``)."""
        ...

    def set_alias(
        self, name: str, alias: str, version: int, actor: str, reason: str | None = None
    ) -> ModelVersion:
        """Point *alias* at *version* (moving it from where it was)."""
        ...

    def delete_alias(self, name: str, alias: str, actor: str, reason: str | None = None) -> None:
        """Remove an alias."""
        ...

    def set_signoff_policy(
        self, name: str, alias: str, required: int, actor: str, reason: str | None = None
    ) -> None:
        """Require *required* approving sign-offs of a version before *alias* moves to it."""
        ...

    def set_criteria(
        self,
        name: str,
        version: int,
        criteria: list[dict[str, Any]],
        actor: str,
        reason: str | None = None,
    ) -> CriteriaSet:
        """Record acceptance criteria for a model version (superseding its current set)."""
        ...

    def criteria_sets(self, target: str) -> list[CriteriaSet]:
        """The criteria sets of ``run:ID`` or ``model:NAME/VERSION``, newest first."""
        ...

    def criteria_set(self, criteria_id: str) -> CriteriaSet:
        """A criteria set by id."""
        ...

    def evaluations(
        self, target: str | None = None, run_id: str | None = None
    ) -> list[EvaluationRecord]:
        """Evaluations of a target (``model:NAME/VERSION``) or made by a run, newest first."""
        ...

    def evaluation(self, evaluation_id: str) -> EvaluationRecord:
        """An evaluation by id."""
        ...

    def lineage(self, node: str, direction: str = "both", depth: int = 10) -> LineageGraph:
        """The lineage graph around *node* (see :mod:`trackrecord.store.lineage`)."""
        ...
