"""Annex IV item 6: what changed between a model version and the version before it.

The previous version is the highest-numbered version below this one. Compared:
the dataset versions upstream (by digest), the training params, the code (the
git commit the training run recorded), the model digest, and the headline
metrics of each version's newest evaluation.

Example:
    >>> lifecycle_diff(None, {"model": {"name": "m", "version": 1}})["first_version"]
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trackrecord.compliance.annex_iv.facts import json_ready, lineage_summary

if TYPE_CHECKING:
    from trackrecord.api import Api

__all__ = ["lifecycle_diff", "previous_version", "version_summary"]


def previous_version(api: Api, name: str, version: int) -> int | None:
    """The number of the version before *version* (None for the first)."""
    older = [v.version for v in api.model_versions(name) if v.version < version]
    return max(older) if older else None


def version_summary(api: Api, name: str, version: int) -> dict[str, Any]:
    """What :func:`lifecycle_diff` compares, for one version."""
    mv = api.model_version(name, version)
    node = f"model:{name}/{version}"
    run = api.run(mv.run_id)
    git = api.environment(run.id).get("git") or {}
    evaluations = sorted(api.evaluations(node), key=lambda e: (e.time, e.id))
    metrics = {k: m.get("value") for k, m in sorted(evaluations[-1].metrics.items())} \
        if evaluations else {}  # fmt: skip
    datasets: dict[str, list[str]] = {}
    for _, dataset, digest in lineage_summary(api, node)["datasets"]:
        datasets.setdefault(dataset, []).append(digest)
    summary: dict[str, Any] = json_ready({
        "model": {"name": name, "version": version}, "digest": mv.digest,
        "run_id": run.id, "params": dict(sorted(run.params.items())),
        "code": {"commit": git.get("commit"), "dirty": git.get("dirty")},
        "datasets": {k: sorted(v) for k, v in sorted(datasets.items())},
        "evaluation": evaluations[-1].id if evaluations else None, "metrics": metrics,
    })  # fmt: skip
    return summary


def _changes(kind: str, before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            change = "added" if key not in before else "removed" if key not in after else "changed"
            found.append({"kind": kind, "name": key, "change": change, "before": old,
                          "after": new})  # fmt: skip
    return found


def lifecycle_diff(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
    """The changes from *before* (a :func:`version_summary`, None if there is no previous
    version) to *after*, each ``{kind, name, change, before, after}``."""
    model = after["model"]
    if before is None:
        return {"first_version": True, "previous": None, "changes": [],
                "statement": f"Version {model['version']} is the first version of "
                             f"{model['name']}; there is no previous version to compare "
                             f"with."}  # fmt: skip
    changes = _changes("model", {"digest": before.get("digest")}, {"digest": after.get("digest")})
    changes += _changes("dataset", before["datasets"], after["datasets"])
    changes += _changes("param", before["params"], after["params"])
    changes += _changes("code", before["code"], after["code"])
    changes += _changes("metric", before["metrics"], after["metrics"])
    for change in changes:
        if change["kind"] == "metric" and change["change"] == "changed":
            old, new = change["before"], change["after"]
            if isinstance(old, (int, float)) and isinstance(new, (int, float)):
                change["delta"] = new - old
    kinds = sorted({c["kind"] for c in changes})
    previous = before["model"]["version"]
    statement = (f"Changed since version {previous}: {', '.join(kinds)}." if changes
                 else f"Nothing recorded changed since version {previous}.")  # fmt: skip
    return {"first_version": False, "statement": statement, "changes": changes,
            "previous": {"version": previous, "digest": before.get("digest"),
                         "run_id": before.get("run_id"),
                         "evaluation": before.get("evaluation")}}  # fmt: skip
