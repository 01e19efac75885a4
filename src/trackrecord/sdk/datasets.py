"""``run.log_dataset``: describe data (digest, schema, profile, sources) and record its use.

The content is hashed in full (SHA-256, streamed) before the call returns; a
directory's manifest of per-file digests is stored as an artifact of the run,
so an auditor can check each file later.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from trackrecord.data.content import DatasetContent, describe_data
from trackrecord.data.datasheet import Datasheet
from trackrecord.errors import InvalidValueError
from trackrecord.record.events import canonical_json
from trackrecord.sdk.files import ArtifactSink, store_bytes
from trackrecord.store.catalog import check_model_name, dataset_node

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["LoggedDataset", "dataset_event"]

ROLES = ("train", "validation", "test", "reference")
"""The usual roles; any other short label is accepted too."""


@dataclass(frozen=True)
class LoggedDataset:
    """What ``run.log_dataset`` recorded: the version's content digest and description.

    ``digest`` is the SHA-256 of the content (see :mod:`trackrecord.data`); for a
    reference whose content was not read, ``ref:`` and the SHA-256 of the
    reference. The store numbers versions of a name (1, 2, ...) in the order
    they are first used: ``Api().dataset_versions(name)``.
    """

    name: str
    digest: str
    role: str
    direction: str
    kind: str
    size: int | None
    rows: int | None
    schema: list[dict[str, Any]] | None
    profile: dict[str, Any] | None
    sources: list[dict[str, Any]] = field(default_factory=list)
    uri: str | None = None
    version: str | None = None
    project: str = ""
    """The project of the run that logged it: dataset names are namespaced per project."""

    @property
    def node(self) -> str:
        """This version's id in the lineage graph: ``dataset:PROJECT/NAME@DIGEST``."""
        return dataset_node(self.project, self.name, self.digest)


def _reference_digest(content: DatasetContent, version: str | None) -> str:
    identity = {"uri": content.uri, "version": version, "sources": content.sources}
    return "ref:" + hashlib.sha256(canonical_json(identity)).hexdigest()


def _check_text(value: object, what: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise InvalidValueError(f"log_dataset: {what} must be a non-empty string of at most "
                                f"{limit} characters, not {value!r}")  # fmt: skip
    return value


def dataset_event(
    sink: ArtifactSink,
    data: Any,
    name: str,
    role: str,
    produced: bool,
    source: str | None,
    version: str | None,
    description: str | None,
    datasheet: Datasheet | Mapping[str, Any] | None,
) -> tuple[dict[str, Any], list[dict[str, Any]], LoggedDataset]:
    """The ``dataset`` event's body, the artifact records to store first, and the result."""
    check_model_name(name, "log_dataset: name")
    role_text = _check_text(role, "role", 64)
    if role_text is None:
        raise InvalidValueError(f"log_dataset: give a role, such as {', '.join(ROLES)}")
    version = _check_text(version, "version", 200)
    description = _check_text(description, "description", 10_000)
    sheet = Datasheet.from_value(datasheet)
    content = describe_data(data, source=source)
    digest = content.digest or _reference_digest(content, version)
    files: list[dict[str, Any]] = []
    body: dict[str, Any] = {
        "name": name, "role": role_text, "direction": "output" if produced else "input",
        "digest": digest, "kind": content.kind, "version": version, "uri": content.uri,
        "size": content.size, "rows": content.rows, "schema": content.schema,
        "profile": content.profile, "sources": content.sources,
        "datasheet": sheet.to_dict() if sheet else None, "description": description,
    }  # fmt: skip
    if content.files is not None:
        manifest = canonical_json([entry.to_dict() for entry in content.files])
        record = store_bytes(
            sink, f"datasets/{name}/{digest[:16]}.manifest.json", manifest, "application/json"
        )
        files.append(record)
        body["manifest"] = {"sha256": record["sha256"], "files": len(content.files)}
    body = {k: v for k, v in body.items() if v is not None}
    result = LoggedDataset(
        name, digest, role_text, body["direction"], content.kind, content.size, content.rows,
        content.schema, content.profile, content.sources, content.uri, version,
    )  # fmt: skip
    return body, files, result
