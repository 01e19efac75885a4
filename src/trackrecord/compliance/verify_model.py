"""Verify everything behind a model version: chains, bytes and signatures, in one report.

:func:`verify_model` walks the version's upstream lineage and checks:

- every run (its hash chain, its tables rebuilt from the events, its artifacts' bytes),
  and the runs that evaluated the version (so an evaluation's row edited by hand fails);
- the registry chain of every registered model involved, and its tables rebuilt from it;
- the store's ledger and its tables rebuilt from it (signing keys, sign-offs, holds,
  dataset versions: a sign-off deleted by hand fails);
- every dataset version in the lineage or read by an evaluation of the version, whose
  local file or directory is still reachable (re-hashed; one that is not reachable, such
  as in-memory data, is reported, not failed);
- the model's files (each re-hashed from the artifact store) and their manifest
  digest, which must be the version's digest;
- every signature on the version, its evaluations and its runs;
- every file kept with the version (documents, attachments, reference data: each
  re-hashed from the artifact store), and that the evaluations and runs the newest kept
  Annex IV document was built from are all still in the store.

The :meth:`ModelVerification.summary` text is what ``trackrecord verify
models:/NAME/3`` prints and what a generated document includes.

Example:
    >>> report = verify_model(store, "churn", 3)   # doctest: +SKIP
    >>> report.ok, report.summary().splitlines()[0]  # doctest: +SKIP
    (True, 'models:/churn/3 (digest 3f2a...): VERIFIED, 14 checks')
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from trackrecord.artifacts.base import file_sha256
from trackrecord.compliance.verify import chain_problems, verify_run
from trackrecord.errors import TrackRecordError
from trackrecord.store.base import Store
from trackrecord.store.catalog import (
    DatasetVersion,
    ModelVersion,
    dataset_node,
    split_dataset_node,
)
from trackrecord.store.problems import Problem

if TYPE_CHECKING:
    from trackrecord.store.sql.evidence import KeptSet

__all__ = ["Check", "ModelVerification", "verify_model"]


@dataclass(frozen=True)
class Check:
    """One check: its ``kind`` (run, registry, ledger, dataset, model, signature, kept), what
    it checked (``target``), whether it passed, and a detail. ``skipped`` marks a dataset that
    could not be reached (not a failure)."""

    kind: str
    target: str
    ok: bool
    detail: str
    skipped: bool = False


@dataclass
class ModelVerification:
    """The outcome of :func:`verify_model`; true when every check passed."""

    model: str
    version: int
    digest: str
    time: int
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every check passed (unreachable datasets do not fail)."""
        return all(check.ok for check in self.checks)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def failures(self) -> list[Check]:
        """The checks that failed."""
        return [check for check in self.checks if not check.ok]

    def add(self, kind: str, target: str, ok: bool, detail: str, skipped: bool = False) -> None:
        """Record one check."""
        self.checks.append(Check(kind, target, ok, detail, skipped))

    def summary(self) -> str:
        """A plain-text report: a verdict line, one line per check, failures repeated last."""
        failed, skipped = len(self.failures), sum(c.skipped for c in self.checks)
        verdict = "VERIFIED" if self.ok else f"FAILED ({failed} of {len(self.checks)} checks)"
        lines = [
            f"models:/{self.model}/{self.version} (digest {self.digest[:12]}): {verdict}, "
            f"{len(self.checks)} checks, {skipped} not reachable"
        ]
        for check in self.checks:
            mark = "FAILED" if not check.ok else "skipped" if check.skipped else "ok"
            lines.append(f"  {mark:<7} {check.kind:<9} {check.target}: {check.detail}")
        if self.failures:
            lines.append("Failures:")
            lines += [f"  {c.kind} {c.target}: {c.detail}" for c in self.failures]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "model": self.model,
            "version": self.version,
            "uri": f"models:/{self.model}/{self.version}",
            "digest": self.digest,
            "time": self.time,
            "ok": self.ok,
            "checks": [asdict(check) for check in self.checks],
        }


def _check_runs(store: Store, run_ids: list[str], report: ModelVerification) -> None:
    for run_id in run_ids:
        try:
            result = verify_run(store, run_id)
        except TrackRecordError as exc:
            report.add("run", f"run:{run_id}", False, str(exc))
            continue
        detail = f"{result.events} events, chain head {result.head_hash[:12]}"
        if not result.ok:
            where = f" at event {result.bad_seq}" if result.bad_seq is not None else ""
            detail = f"broken{where}: {_problems_detail(list(result.problems))}"
        report.add("run", f"run:{run_id}", result.ok, detail)


def _problems_detail(problems: list[Problem]) -> str:
    shown = "; ".join(str(p) for p in problems[:5])
    return shown + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")


def _check_registry(store: Store, models: list[str], report: ModelVerification) -> None:
    from trackrecord.compliance.verify_store import verify_registry

    for model in models:
        if getattr(store, "database", None) is None:  # a server's store: the chain only
            try:
                history = store.catalog.registry_history(model)
            except TrackRecordError as exc:
                report.add("registry", f"registry:{model}", False, str(exc))
                continue
            problems = chain_problems(f"registry:{model}", "registry_events", history)
            detail = f"{len(history)} events"
        else:
            problems = verify_registry(store, model)
            detail = "chain intact; its tables match it"
        report.add("registry", f"registry:{model}", not problems,
                   _problems_detail(problems) if problems else detail)  # fmt: skip


def _check_ledger(store: Store, report: ModelVerification) -> None:
    """The ledger: signing keys, sign-offs, holds and dataset versions, and their tables."""
    from trackrecord.compliance.verify_store import verify_ledger

    if getattr(store, "database", None) is None:
        return
    problems = verify_ledger(store)
    detail = "chain intact; keys, sign-offs, holds and dataset versions match it"
    report.add("ledger", "ledger", not problems, _problems_detail(problems) if problems else detail)


def _local_path(uri: str | None) -> str | None:
    if uri is None or not uri.startswith("file://"):
        return None
    return unquote(urlsplit(uri).path)


def _check_dataset(dataset: DatasetVersion, report: ModelVerification) -> None:
    from trackrecord.data.digest import hash_directory, hash_file

    target = dataset_node(dataset.project, dataset.name, dataset.number)
    path = _local_path(dataset.uri)
    if path is None or not os.path.exists(path):
        where = dataset.uri or f"in-memory {dataset.kind} data"
        report.add("dataset", target, True, f"not reachable ({where}); not re-hashed", True)
        return
    try:
        digest = hash_directory(path)[0] if os.path.isdir(path) else hash_file(path)[0]
    except (TrackRecordError, OSError) as exc:
        report.add("dataset", target, True, f"not reachable ({exc}); not re-hashed", True)
        return
    same = digest == dataset.digest
    detail = f"{path} re-hashed" if same else f"{path} has changed (now {digest[:12]})"
    report.add("dataset", target, same, detail)


def _check_datasets(store: Store, nodes: list[str], report: ModelVerification) -> None:
    for node in nodes:
        try:
            project, name, digest = split_dataset_node(node.removeprefix("dataset:"))
            dataset = store.catalog.dataset_version(name, digest, project)
        except TrackRecordError as exc:
            report.add("dataset", node, False, str(exc))
            continue
        _check_dataset(dataset, report)


def _check_model_files(store: Store, version: ModelVersion, report: ModelVerification) -> None:
    from trackrecord.data.digest import FileEntry, manifest_digest

    target = f"model:{version.model}/{version.version}"
    entries, bad = [], []
    for item in version.files:
        entries.append(FileEntry(item["path"], item["sha256"], int(item["size"])))
        try:
            with store.open_artifact(item["sha256"]) as handle:
                actual, _ = file_sha256(handle)
        except TrackRecordError:
            actual = "missing"
        if actual != item["sha256"]:
            bad.append(f"{item['path']} ({'missing' if actual == 'missing' else 'altered'})")
    manifest = manifest_digest(entries)
    if bad:
        report.add("model", target, False, f"files do not match their SHA-256: {', '.join(bad)}")
    elif manifest != version.digest:
        report.add("model", target, False, f"the files' manifest digest is {manifest[:12]}, "
                   f"not the version's {version.digest[:12]}")  # fmt: skip
    else:
        report.add(
            "model", target, True, f"{len(entries)} files re-hashed; manifest digest matches"
        )


def _check_signatures(store: Store, targets: list[str], report: ModelVerification) -> None:
    from trackrecord.signing.signatures import verify_signatures

    count = 0
    for target in targets:
        try:
            verdicts = verify_signatures(store, target)
        except TrackRecordError as exc:
            report.add("signature", target, False, f"signatures cannot be checked: {exc}")
            continue
        for record, ok, reason in verdicts:
            count += 1
            detail = f"{record.meaning} by {record.signer} (key {record.key_id}): {reason}"
            report.add("signature", target, ok, detail)
    if not count:
        report.add("signature", f"models:/{report.model}/{report.version}", True,
                   "no signatures on the version, its evaluations or its runs")  # fmt: skip


def _check_kept(store: Store, version: ModelVersion, report: ModelVerification) -> None:
    from trackrecord.store.sql import SqlStore
    from trackrecord.store.sql.evidence import SqlEvidence

    if not isinstance(store, SqlStore):
        return
    kept = SqlEvidence(store).kept(version.model, version.version)
    for item in kept:
        target = f"kept:{version.model}/{version.version}#{item.seq}"
        bad = [f.path for f in item.files if _stored_sha256(store, f.sha256) != f.sha256]
        detail = f"{item.kind}: {len(item.files)} files re-hashed"
        if bad:
            detail = f"{item.kind}: missing or altered: {', '.join(bad)}"
        report.add("kept", target, not bad, detail)
    documents = [k for k in kept if k.kind == "documents"]
    if documents:
        _check_built_from(store, documents[-1], report)


def _stored_sha256(store: Store, digest: str) -> str | None:
    try:
        with store.open_artifact(digest) as handle:
            return file_sha256(handle)[0]
    except TrackRecordError:
        return None


def _check_built_from(store: Store, kept: KeptSet, report: ModelVerification) -> None:
    """The evaluations and runs the kept Annex IV JSON names are still recorded as named."""
    import json

    found = next((f for f in kept.files if f.path == "annex-iv.json"), None)
    if found is None or _stored_sha256(store, found.sha256) != found.sha256:
        return  # reported above
    target = f"kept:{kept.model}/{kept.version}#{kept.seq}"
    try:
        with store.open_artifact(found.sha256) as handle:
            built_from = json.loads(handle.read()).get("built_from", {})
    except (ValueError, AttributeError) as exc:  # not the document it should be: say so
        report.add("kept", target, False, f"the kept annex-iv.json cannot be read: {exc}")
        return
    gone = []
    for evaluation in built_from.get("evaluations", []):
        try:
            same = store.catalog.evaluation(evaluation["id"]).result_sha256
        except TrackRecordError:
            same = None
        if same != evaluation.get("result_sha256"):
            gone.append(f"evaluation {evaluation['id']}")
    for run in built_from.get("runs", []):
        try:
            store.get_run(run["id"])
        except TrackRecordError:
            gone.append(f"run {run['id']}")
    detail = ("the records the kept Annex IV document names are in the store" if not gone
              else f"the kept Annex IV document names records no longer in the store: "
                   f"{', '.join(gone)}")  # fmt: skip
    report.add("kept", target, not gone, detail)


def verify_model(store: Store, name: str, version: int | str) -> ModelVerification:
    """Verify everything behind a model version (see the module docstring); never raises for
    a damaged record, only for a version that does not exist.

    Raises:
        NotFoundError: no such registered model or version.
    """
    found = store.catalog.model_version(name, version)
    node = f"model:{found.model}/{found.version}"
    report = ModelVerification(found.model, found.version, found.digest, time.time_ns() // 10**6)
    graph = store.catalog.lineage(node, "upstream", depth=100)
    kinds: dict[str, list[str]] = {}
    for item in sorted(graph.nodes.values(), key=lambda n: n.id):
        kinds.setdefault(item.kind, []).append(item.id)
    evaluations = store.catalog.evaluations(node)
    runs = [n.removeprefix("run:") for n in kinds.get("run", [])]
    runs += sorted({e.run_id for e in evaluations} - set(runs))
    models = sorted({n.removeprefix("model:").rpartition("/")[0] for n in kinds.get("model", [])})
    _check_runs(store, runs, report)
    _check_registry(store, models or [found.model], report)
    _check_ledger(store, report)
    datasets = set(kinds.get("dataset", []))
    for evaluation in evaluations:  # the reference data each evaluation read
        uses = store.catalog.dataset_uses(run_id=evaluation.run_id)
        datasets.update(dataset_node(use.project, use.name, use.digest) for use in uses)
    _check_datasets(store, sorted(datasets), report)
    _check_model_files(store, found, report)
    targets = [node] + [f"evaluation:{e.id}" for e in evaluations] + [f"run:{r}" for r in runs]
    _check_signatures(store, targets, report)
    _check_kept(store, found, report)
    return report
