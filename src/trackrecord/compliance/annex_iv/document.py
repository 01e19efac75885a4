"""The Annex IV document: items 1 to 9, each field marked by where it came from.

A field is ``automatic`` (drawn from the records), ``attached`` (a document the
provider attached, recorded by digest), ``manual`` (written in provider.yaml) or
``missing``. :meth:`AnnexIV.completeness` counts them per item and names what is
missing. The JSON holds no generation time: its "as of" is the newest record's
time, so building it twice from the same records and manual gives the same bytes.

Example:
    >>> doc = build_annex_iv(api, "credit-default", 1, load_manual("provider.yaml"))
    ... # doctest: +SKIP
    >>> doc.completeness()["total"]["missing"]  # doctest: +SKIP
    0
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from trackrecord.compliance.annex_iv.diff import lifecycle_diff, previous_version, version_summary
from trackrecord.compliance.annex_iv.facts import gather_facts, json_ready
from trackrecord.compliance.annex_iv.items import AUTOMATIC_FIELDS, ITEM_TITLES, iso
from trackrecord.compliance.annex_iv.manual import MANUAL_FIELDS, Manual

if TYPE_CHECKING:
    from trackrecord.api import Api

__all__ = ["FORMAT", "SOURCES", "AnnexIV", "build_annex_iv"]

FORMAT: Final = "trackrecord-annex-iv-v1"
SOURCES: Final = ("automatic", "attached", "manual", "missing")
# an attachment for one of these items stands in for the item's text
_ATTACHABLE: Final = {5: "risk_management.system", 8: "conformity.declaration",
                      9: "post_market.plan"}  # fmt: skip
_ORDER: Final = {
    1: ["provider.name", "provider.address", "provider.contact", "general.system_name",
        "general.intended_purpose", "records.model_version", "records.version_history",
        "general.interaction", "records.software", "general.update_requirements",
        "general.market_forms", "records.training_hardware", "general.target_hardware",
        "general.user_interface", "general.instructions_for_use"],
    2: ["development.methods", "development.design_choices", "records.training_run",
        "records.hyperparameters", "development.architecture",
        "development.pretrained_components", "records.compute", "records.data",
        "development.data_governance", "development.human_oversight_assessment",
        "development.predetermined_changes", "development.validation_procedures",
        "records.criteria", "records.evaluations", "records.group_results",
        "records.signatures", "development.cybersecurity"],
    3: ["monitoring.capabilities", "records.expected_accuracy", "records.accuracy_per_group",
        "records.limitations", "monitoring.limitations", "monitoring.unintended_outcomes",
        "monitoring.human_oversight", "records.input_schema", "monitoring.input_specifications"],
    4: ["records.metrics", "metrics.appropriateness"],
    5: ["risk_management.system"],
    6: ["records.lifecycle_changes", "lifecycle.changes"],
    7: ["standards.harmonised", "standards.other_solutions"],
    8: ["conformity.declaration"],
    9: ["post_market.plan"],
}  # fmt: skip


@dataclass(frozen=True)
class AnnexIV:
    """The document: ``data`` is the JSON-ready dict; ``facts`` the records it was built from."""

    data: dict[str, Any]
    facts: dict[str, Any] = field(repr=False)
    manual: Manual | None = field(default=None, repr=False)

    def completeness(self) -> dict[str, Any]:
        """Per item: how many fields are automatic, attached, manual and missing, and which
        are missing; ``total`` adds them up and ``complete`` says whether none is missing."""
        return dict(self.data["completeness"])

    def missing(self) -> dict[int, list[str]]:
        """The missing fields' keys by item number (items with none left out)."""
        return {c["item"]: c["missing_fields"] for c in self.data["completeness"]["items"]
                if c["missing_fields"]}  # fmt: skip

    def field(self, key: str) -> dict[str, Any]:
        """One field (``{key, label, source, value, draws_from}``) by key."""
        for item in self.data["items"]:
            for entry in item["fields"]:
                if entry["key"] == key:
                    return dict(entry)
        raise KeyError(key)

    def to_json(self) -> bytes:
        """Canonical JSON: sorted keys, two-space indent, UTF-8, a final newline."""
        text = json.dumps(self.data, sort_keys=True, indent=2, ensure_ascii=False,
                          allow_nan=False)  # fmt: skip
        return (text + "\n").encode("utf-8")


def _manual_field(key: str, manual: Manual | None, facts: dict[str, Any]) -> dict[str, Any]:
    spec = next(f for f in MANUAL_FIELDS if f.key == key)
    value = None if manual is None else manual.value(key)
    source = "missing" if value is None else "manual"
    if key == "development.pretrained_components":
        found = facts["model_inputs"]
        value = None if value is None and not found else {"declared": value, "from_lineage": found}
        source = "manual" if manual and manual.value(key) is not None else \
            "automatic" if found else "missing"  # fmt: skip
    attached = [a.to_dict() for a in (manual.attachments if manual else []) if a.item == spec.item]
    if value is None and attached and _ATTACHABLE.get(spec.item) == key:
        value, source = {"attachments": attached}, "attached"
    return {"key": key, "label": spec.label, "source": source, "value": value,
            "draws_from": f"provider.yaml {key}", "asks": spec.asks}  # fmt: skip


def _fields(item: int, facts: dict[str, Any], manual: Manual | None) -> list[dict[str, Any]]:
    automatic = {f.key: f for f in AUTOMATIC_FIELDS}
    found = []
    for key in _ORDER[item]:
        if key in automatic:
            spec = automatic[key]
            value = json_ready(spec.build(facts))
            found.append({"key": key, "label": spec.label, "value": value,
                          "source": "missing" if value is None else "automatic",
                          "draws_from": spec.draws_from})  # fmt: skip
        else:
            found.append(_manual_field(key, manual, facts))
    attached = [a.to_dict() for a in (manual.attachments if manual else []) if a.item == item]
    if attached:
        found.append({"key": f"attachments.item_{item}", "label": "Attached documents",
                      "source": "attached", "value": attached,
                      "draws_from": "provider.yaml attachments"})  # fmt: skip
    return found


def _completeness(items: list[dict[str, Any]]) -> dict[str, Any]:
    rows = []
    for item in items:
        counts = {s: sum(1 for f in item["fields"] if f["source"] == s) for s in SOURCES}
        missing = [f["key"] for f in item["fields"] if f["source"] == "missing"]
        rows.append({"item": item["number"], "title": item["title"], "fields":
                     len(item["fields"]), **counts, "missing_fields": missing})  # fmt: skip
    total = {s: sum(r[s] for r in rows) for s in ("fields", *SOURCES)}
    return {"items": rows, "total": total, "complete": total["missing"] == 0}


def _record_times(facts: dict[str, Any]) -> list[int]:
    times = [e["time"] for e in facts["registry"]["history"]]
    times += [t for r in facts["runs"] for t in (r["created_at"], r["finished_at"]) if t]
    times += [d["created_at"] for d in facts["datasets"]]
    times += [e["time"] for e in facts["evaluations"]]
    times += [c["time"] for c in facts["criteria_sets"]] + [s["time"] for s in facts["signatures"]]
    return times


def _built_from(facts: dict[str, Any], manual: Manual | None) -> dict[str, Any]:
    reg = facts["registry"]
    return {
        "model": {"uri": facts["model"]["uri"], "digest": facts["model"]["digest"]},
        "registry": {"chain": f"registry:{reg['name']}", "head_seq": reg["head_seq"],
                     "head_hash": reg["head_hash"]},
        "runs": [{"id": r["id"], "name": r["name"], "head_seq": r["head_seq"],
                  "head_hash": r["head_hash"]} for r in facts["runs"]],
        "datasets": [{"name": d["name"], "number": d["number"], "digest": d["digest"]}
                     for d in facts["datasets"]],
        "criteria_sets": [{"id": c["id"], "chain": c["chain"], "seq": c["seq"]}
                          for c in facts["criteria_sets"]],
        "evaluations": [{"id": e["id"], "result_sha256": e["result_sha256"]}
                        for e in facts["evaluations"]],
        "manual": None if manual is None else {"file": manual.file_name, "sha256": manual.sha256},
        "attachments": [a.to_dict() for a in (manual.attachments if manual else [])],
    }  # fmt: skip


def build_annex_iv(
    api: Api,
    name: str,
    version: int | str,
    manual: Manual | None = None,
    verification: dict[str, Any] | None = None,
) -> AnnexIV:
    """Build the Annex IV documentation of ``models:/NAME/VERSION`` (or an alias).

    Args:
        api: the store to read.
        name: the registered model.
        version: its version number or alias.
        manual: the provider's fields (:func:`~.manual.load_manual`); None: all missing.
        verification: a verification summary to include (e.g. ``verify_model(...).to_dict()``).

    Raises:
        NotFoundError: no such model or version.
    """
    number = api.model_version(name, version).version
    facts = gather_facts(api, name, number)
    before = previous_version(api, name, number)
    facts["lifecycle"] = lifecycle_diff(
        None if before is None else version_summary(api, name, before),
        version_summary(api, name, number),
    )
    items = [{"number": n, "title": t, "reference": f"Annex IV({n})",
              "fields": _fields(n, facts, manual)} for n, t in ITEM_TITLES.items()]  # fmt: skip
    model = facts["model"]
    data = {
        "format": FORMAT,
        "title": f"Technical documentation (EU AI Act, Annex IV): {model['name']} "
                 f"version {model['version']}",
        "subject": {"model": model["name"], "version": model["version"], "uri": model["uri"],
                    "digest": model["digest"]},
        "as_of": iso(max(_record_times(facts), default=None)),
        "items": items,
        "completeness": _completeness(items),
        "built_from": _built_from(facts, manual),
        "verification": json_ready(verification),
    }  # fmt: skip
    return AnnexIV(data, facts, manual)
