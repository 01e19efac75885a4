"""What the records say about a model version, gathered from the Api for Annex IV.

:func:`gather_facts` reads the registry (versions, aliases, history), the
training run (params, environment, logged model), the upstream lineage
(datasets, runs, models used as inputs), the criteria, evaluations and their
full results, and sign-offs. Everything is returned JSON-ready and in a stable
order, with the digests and chain heads of each record it came from.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Final

from trackrecord.errors import NotFoundError
from trackrecord.values import json_ready

if TYPE_CHECKING:
    from trackrecord.api import Api
    from trackrecord.store.base import RunRecord
    from trackrecord.store.catalog import DatasetVersion

__all__ = ["LOWER_IS_BETTER", "gather_facts", "json_ready", "lineage_summary"]

LOWER_IS_BETTER: Final = frozenset({"log_loss", "brier", "ece", "mae", "mse", "rmse",
                                    "ae_p50", "ae_p90", "ae_p95", "ae_p99"})  # fmt: skip
_GROUP_COLUMNS_TOP: Final = 20


def _run_facts(api: Api, run: RunRecord) -> dict[str, Any]:
    env = api.environment(run.id)
    gpus = env.get("gpus") or []
    end = run.finished_at
    duration = None if end is None else max(0, end - run.created_at) / 1000
    gpu_hours = None if duration is None else round(len(gpus) * duration / 3600, 6)
    return {
        "id": run.id, "name": run.name, "project": run.project, "status": run.status,
        "created_at": run.created_at, "finished_at": end, "duration_s": duration,
        "head_seq": run.head_seq, "head_hash": run.head_hash,
        "gpu_count": len(gpus), "gpu_hours": gpu_hours,
        "hardware": _hardware(env),
        "git": {k: v for k, v in sorted((env.get("git") or {}).items()) if k != "error"} or None,
    }  # fmt: skip


def _hardware(env: dict[str, Any]) -> dict[str, Any] | None:
    if not env:
        return None
    return {
        "cpu": env.get("cpu"), "memory_bytes": (env.get("memory") or {}).get("total_bytes"),
        "gpus": env.get("gpus") or [], "os": (env.get("os") or {}).get("platform"),
        "machine": (env.get("os") or {}).get("machine"),
    }  # fmt: skip


def _composition(profile: dict[str, Any] | None) -> dict[str, dict[str, int]]:
    """Each categorical column's top values and their counts, from the dataset profile."""
    found: dict[str, dict[str, int]] = {}
    for column in (profile or {}).get("columns", []):
        if column.get("top"):
            top = column["top"][:_GROUP_COLUMNS_TOP]
            found[column["name"]] = {str(value): count for value, count in top}
    return found


def _dataset_facts(version: DatasetVersion, roles: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "project": version.project, "name": version.name, "number": version.number,
        "digest": version.digest,
        "label": version.label, "kind": version.kind, "uri": version.uri, "rows": version.rows,
        "size": version.size, "description": version.description,
        "sources": version.sources, "datasheet": version.datasheet,
        "schema": version.schema, "composition": _composition(version.profile),
        "manifest_sha256": version.manifest_sha256, "created_at": version.created_at,
        "uses": roles,
    }  # fmt: skip


def lineage_summary(api: Api, node: str) -> dict[str, Any]:
    """The runs, dataset versions (project, name, digest) and other model versions upstream
    of *node*."""
    graph = api.lineage(node, "upstream", depth=50)
    runs = sorted(n.attrs["run_id"] for n in graph.nodes.values() if n.kind == "run")
    datasets = sorted((n.attrs["project"], n.attrs["name"], n.attrs["digest"])
                      for n in graph.nodes.values() if n.kind == "dataset")  # fmt: skip
    models = sorted(n.id for n in graph.nodes.values() if n.kind == "model" and n.id != node)
    edges = sorted((e.source, e.target, e.kind) for e in graph.edges)
    return {"runs": runs, "datasets": datasets, "models": models, "edges": edges}


def _uses(api: Api, run_ids: list[str], version: DatasetVersion) -> list[dict[str, Any]]:
    found = []
    uses = api.store.catalog.dataset_uses(
        name=version.name, digest=version.digest, project=version.project
    )
    for use in uses:
        if use.run_id in run_ids:
            found.append({"run_id": use.run_id, "run_name": use.run_name, "role": use.role,
                          "direction": use.direction})  # fmt: skip
    return sorted(found, key=lambda u: (u["run_id"], u["direction"], u["role"]))


def _model_input(api: Api, node: str) -> dict[str, Any]:
    name, _, number = node.removeprefix("model:").rpartition("/")
    version = api.model_version(name, int(number))
    return {"name": name, "version": version.version, "digest": version.digest,
            "flavor": version.flavor, "source": f"models:/{name}/{version.version}"}  # fmt: skip


def _evaluation_facts(api: Api, target: str) -> list[dict[str, Any]]:
    found = []
    for record in sorted(api.evaluations(target), key=lambda e: (e.time, e.id)):
        result = api.evaluation_result(record.id)
        found.append({
            "id": record.id, "run_id": record.run_id, "time": record.time,
            "started_at": record.started_at, "dataset_name": record.dataset_name,
            "dataset_digest": record.dataset_digest, "criteria_id": record.criteria_id,
            "task": record.task, "n": record.n, "status": record.status,
            "metrics": record.metrics, "verdicts": record.verdicts,
            "limitations": record.limitations, "result_sha256": record.result_sha256,
            "confidence": result.get("confidence"), "n_resamples": result.get("n_resamples"),
            "methods": result.get("methods", {}), "groups": result.get("groups", {}),
            "warnings": result.get("warnings", []),
        })  # fmt: skip
    return found


def signatures(api: Api, targets: list[str]) -> list[dict[str, Any]]:
    """Sign-offs recorded for *targets* (``model:NAME/V``, ``evaluation:ID``), if the store
    keeps them (a store without a SQL database, such as a remote one, gives none)."""
    database = getattr(api.store, "database", None)
    if database is None:
        return []
    found = []
    sql = "SELECT target, signer, meaning, time, key_id FROM signatures WHERE target = ?"
    for target in targets:
        for row in database.read().execute(sql, (target,)).fetchall():
            found.append({"target": row[0], "signer": row[1], "meaning": row[2],
                          "time": int(row[3]), "key_id": row[4]})  # fmt: skip
    return sorted(found, key=lambda s: (s["target"], s["time"], s["signer"], s["key_id"]))


def _registry_facts(api: Api, name: str) -> dict[str, Any]:
    model = api.registered_model(name)
    history = [{"seq": e.seq, "type": e.type, "time": e.time, "actor": e.body.get("actor"),
                "reason": e.body.get("reason"), "version": e.body.get("version"),
                "alias": e.body.get("alias"), "hash": e.hash}
               for e in api.registry_history(name)]  # fmt: skip
    versions = [{"version": v.version, "digest": v.digest, "status": v.status,
                 "aliases": sorted(v.aliases), "run_id": v.run_id, "created_at": v.created_at,
                 "created_by": v.created_by}
                for v in sorted(api.model_versions(name), key=lambda v: v.version)]  # fmt: skip
    return {"name": name, "project": model.project, "description": model.description,
            "aliases": dict(sorted(model.aliases.items())), "head_seq": model.head_seq,
            "head_hash": model.head_hash, "history": history, "versions": versions}  # fmt: skip


def _datasets_used(
    api: Api, upstream: list[tuple[str, str, str]], evaluations: list[dict[str, Any]]
) -> list[DatasetVersion]:
    """The dataset versions upstream, and those the evaluations ran on (each the evaluating
    run's project's: dataset names are namespaced per project)."""
    versions = [api.store.catalog.dataset_version(n, d, p) for p, n, d in upstream]
    for evaluation in evaluations:
        name, digest = evaluation["dataset_name"], evaluation["dataset_digest"]
        project = api.run(evaluation["run_id"]).project
        if name and digest and (project, name, digest) not in upstream:
            try:
                versions.append(api.store.catalog.dataset_version(name, digest, project))
            except NotFoundError:
                continue
    return list({v.node: v for v in versions}.values())


def gather_facts(api: Api, name: str, version: int) -> dict[str, Any]:
    """Every record Annex IV draws on for ``models:/NAME/VERSION``, JSON-ready.

    Raises:
        NotFoundError: no such registered model or version.
    """
    mv = api.model_version(name, version)
    node = f"model:{mv.model}/{mv.version}"
    logged = api.store.catalog.logged_model(mv.run_id, mv.run_model)
    train = api.run(mv.run_id)
    env = api.environment(train.id)
    lineage = lineage_summary(api, node)
    evaluations = _evaluation_facts(api, node)
    run_ids = sorted(set(lineage["runs"]) | {e["run_id"] for e in evaluations})
    datasets = [_dataset_facts(v, _uses(api, run_ids, v))
                for v in _datasets_used(api, lineage["datasets"], evaluations)]  # fmt: skip
    datasets.sort(key=lambda d: (d["name"], d["project"], d["number"], d["digest"]))
    criteria = [dataclasses.asdict(c) for c in
                sorted(api.criteria_sets(node), key=lambda c: (c.time, c.id))]  # fmt: skip
    targets = [node] + [f"evaluation:{e['id']}" for e in evaluations]
    facts: dict[str, Any] = json_ready({
        "model": {"name": mv.model, "version": mv.version, "uri": mv.uri, "digest": mv.digest,
                  "flavor": mv.flavor, "format": logged.format, "files": mv.files,
                  "status": mv.status, "status_reason": mv.status_reason,
                  "description": mv.description, "tags": dict(sorted(mv.tags.items())),
                  "aliases": sorted(mv.aliases), "created_at": mv.created_at,
                  "created_by": mv.created_by, "run_id": mv.run_id, "run_model": mv.run_model,
                  "model_class": logged.meta.get("model_class"),
                  "frameworks": logged.meta.get("frameworks") or {},
                  "signature": logged.meta.get("signature"), "risks": logged.meta.get("risks")},
        "registry": _registry_facts(api, mv.model),
        "training_run": {**_run_facts(api, train), "params": dict(sorted(train.params.items()))},
        "environment": {"python": env.get("python"), "packages": env.get("packages") or {},
                        "hardware": _hardware(env)},
        "runs": [_run_facts(api, api.run(r)) for r in run_ids],
        "lineage": {"edges": [list(e) for e in lineage["edges"]]},
        "model_inputs": [_model_input(api, m) for m in lineage["models"]],
        "datasets": datasets,
        "criteria_sets": criteria,
        "evaluations": evaluations,
        "signatures": signatures(api, targets),
    })  # fmt: skip
    return facts
