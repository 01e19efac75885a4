"""The evidence behind a model version, and the files kept with it in the store.

A version's record is more than the run that made it. Its *evidence* is:

- the runs upstream of the version: the run that made it, the runs that made its data;
- the runs that evaluated it (the test report and the declared accuracy live there:
  the ``evaluation`` events, their criteria references and their result artifacts),
  and the runs upstream of those (the runs that made the reference data);
- its criteria sets and sign-offs (kept in the registry chain and with the
  signatures; purging a run never removes them);
- the files kept with the version: the generated documents (Annex IV JSON, HTML and
  PDF, the instructions for use), the provider's file and its attachments, and
  optionally the bytes of the reference data. Their bytes are stored in the artifact
  store by SHA-256, and a registry event of the model names them:
  ``version.documents`` or ``version.data``, with body ``{"version", "files":
  [{"path", "sha256", "size", "role", "title"?}], ...}`` (``version.data`` adds
  ``dataset``: the ``project``, ``name`` and ``digest`` of the dataset version, and
  ``form``). Being chained, those events are never removed, and ``gc`` keeps every
  content they name.

Retention (:mod:`trackrecord.store.sql.retention`) keeps a version's evidence while the
version is on the market or under a legal hold.

Example:
    >>> import tempfile
    >>> from trackrecord.store.sql import SqlStore
    >>> SqlEvidence(SqlStore.open(tempfile.mkdtemp())).kept()
    []
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from trackrecord.errors import InvalidValueError, NotFoundError
from trackrecord.record.events import decode_json

if TYPE_CHECKING:
    from trackrecord.store.sql.store import SqlStore

__all__ = ["KEPT_KINDS", "KeptFile", "KeptSet", "SqlEvidence"]

KEPT_KINDS: Final = ("documents", "data")
"""What a kept set holds: generated documents (and their sources), or dataset bytes."""
_ROLES: Final = ("document", "manual", "attachment", "data")


@dataclass(frozen=True)
class KeptFile:
    """One file kept with a version: its name in the set, digest, size, role and title."""

    path: str
    sha256: str
    size: int
    role: str
    title: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as the registry event records it."""
        found: dict[str, Any] = {"path": self.path, "sha256": self.sha256, "size": self.size,
                                 "role": self.role}  # fmt: skip
        if self.title is not None:
            found["title"] = self.title
        return found


@dataclass(frozen=True)
class KeptSet:
    """Files kept with ``models:/model/version`` by one registry event (``seq``)."""

    model: str
    version: int
    kind: str
    seq: int
    time: int
    actor: str | None
    reason: str | None
    files: list[KeptFile]
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def node(self) -> str:
        """The version's lineage node, ``model:NAME/VERSION``."""
        return f"model:{self.model}/{self.version}"


def _kept_file(item: object, where: str) -> KeptFile:
    from trackrecord.artifacts.base import check_artifact_path, check_digest

    if not isinstance(item, Mapping):
        raise InvalidValueError(f"{where}: each file must be an object")
    path, sha, size, role = (item.get(k) for k in ("path", "sha256", "size", "role"))
    title = item.get("title")
    if not isinstance(path, str) or not isinstance(sha, str) or role not in _ROLES:
        raise InvalidValueError(f"{where}: a file needs a path, a sha256 and a role in {_ROLES}")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise InvalidValueError(f"{where}: the size of {path} must be a number of bytes")
    check_artifact_path(path, f"{where}: path")
    return KeptFile(path, check_digest(sha), size, str(role),
                    title if isinstance(title, str) else None)  # fmt: skip


class SqlEvidence:
    """The evidence of the versions in a SQL store, and the files kept with them."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def runs(self, name: str, version: int) -> dict[str, str]:
        """Every run that is evidence of ``models:/NAME/VERSION``, with why (e.g. ``"in the
        lineage of credit v1"``, ``"the run of evaluation eval_1c4e of credit v1"``)."""
        catalog = self.store.catalog
        node, label = f"model:{name}/{version}", f"{name} v{version}"
        found = dict.fromkeys(self._upstream_runs(node), f"in the lineage of {label}")
        for evaluation in sorted(catalog.evaluations(node), key=lambda e: (e.time, e.id)):
            short = evaluation.id[:13]
            found.setdefault(evaluation.run_id, f"the run of evaluation {short} of {label}")
            for run_id in self._upstream_runs(f"run:{evaluation.run_id}"):
                found.setdefault(run_id, f"upstream of evaluation {short} of {label} (its "
                                         f"reference data)")  # fmt: skip
        return found

    def datasets(self, name: str, version: int) -> list[tuple[str, str, str]]:
        """(project, name, digest) of every dataset version in the evidence of
        ``models:/NAME/VERSION``: upstream of it, and read by (or upstream of) the runs that
        evaluated it, such as the reference data."""
        node = f"model:{name}/{version}"
        runs = {f"run:{e.run_id}" for e in self.store.catalog.evaluations(node)}
        roots = [node, *sorted(runs)]
        found: set[tuple[str, str, str]] = set()
        for root in roots:
            graph = self.store.catalog.lineage(root, "upstream", depth=100)
            found.update((n.attrs["project"], n.attrs["name"], n.attrs["digest"])
                         for n in graph.nodes.values() if n.kind == "dataset")  # fmt: skip
        return sorted(found)

    def _upstream_runs(self, node: str) -> list[str]:
        graph = self.store.catalog.lineage(node, "upstream", depth=100)
        return sorted(n.attrs["run_id"] for n in graph.nodes.values() if n.kind == "run")

    # -- kept files ----------------------------------------------------------------------

    def kept(self, name: str | None = None, version: int | None = None) -> list[KeptSet]:
        """The kept sets, oldest first: all, a model's, or one version's."""
        sql = "SELECT model, seq, type, time, body FROM registry_events WHERE type IN (?, ?)"
        args: list[Any] = [f"version.{k}" for k in KEPT_KINDS]
        if name is not None:
            sql += " AND model = ?"
            args.append(name)
        rows = self.store.database.read().execute(sql + " ORDER BY model, seq", args).fetchall()
        found = []
        for model, seq, type_, at, text in rows:
            body = decode_json(text)
            if version is not None and body.get("version") != version:
                continue
            details = {k: v for k, v in body.items()
                       if k not in ("version", "files", "actor", "reason")}  # fmt: skip
            files = [KeptFile(f["path"], f["sha256"], int(f["size"]), f["role"], f.get("title"))
                     for f in body.get("files", [])]  # fmt: skip
            found.append(KeptSet(model, int(body["version"]), type_.removeprefix("version."),
                                 int(seq), int(at), body.get("actor"), body.get("reason"), files,
                                 details))  # fmt: skip
        return found

    def keep(
        self,
        name: str,
        version: int,
        kind: str,
        files: Sequence[KeptFile | Mapping[str, Any]],
        actor: str,
        reason: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> KeptSet:
        """Record that *files* (their bytes already in the artifact store) are kept with the
        version: a ``version.<kind>`` registry event. A set identical to the version's latest
        set of that kind is not recorded again; that set is returned.

        Raises:
            InvalidValueError: a bad kind or file, or no files.
            NotFoundError: no such version, or a file's bytes are not in the store.
        """
        registry = self.store.catalog
        target = registry.model_version(name, version)
        where = f"the {kind} kept with {name} v{target.version}"
        if kind not in KEPT_KINDS:
            raise InvalidValueError(f"{where}: kind must be one of {', '.join(KEPT_KINDS)}")
        listed = [f if isinstance(f, KeptFile) else _kept_file(f, where) for f in files]
        if not listed:
            raise InvalidValueError(f"{where}: give at least one file")
        for item in listed:
            if not self.store.artifacts.exists(item.sha256):
                raise NotFoundError(f"{where}: the bytes of {item.path} ({item.sha256[:12]}) are "
                                    f"not in the store; store them first")  # fmt: skip
        extra = dict(details or {})
        previous = [s for s in self.kept(name, target.version) if s.kind == kind]
        if previous and previous[-1].files == listed and previous[-1].details == extra:
            return previous[-1]
        body = {**extra, "version": target.version, "files": [f.to_dict() for f in listed]}
        with registry._write(name) as cur:
            event = registry._append(cur, name, f"version.{kind}", body, actor, reason)
        return next(s for s in self.kept(name, target.version) if s.seq == event.seq)

    def kept_digests(self) -> dict[str, list[KeptSet]]:
        """Each content digest a kept set names, with the sets that name it."""
        found: dict[str, list[KeptSet]] = {}
        for kept in self.kept():
            for item in kept.files:
                found.setdefault(item.sha256, []).append(kept)
        return found
