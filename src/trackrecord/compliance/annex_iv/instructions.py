"""The instructions-for-use extract (Art. 13(3)(b)): declared accuracy with intervals,
known limitations and the conditions under which performance is weaker.

Built from the same facts as the Annex IV document, plus the provider's text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trackrecord.compliance.annex_iv.blocks import Block, value_blocks
from trackrecord.compliance.annex_iv.facts import json_ready
from trackrecord.compliance.annex_iv.items import headline_metrics, weaker_groups

if TYPE_CHECKING:
    from trackrecord.compliance.annex_iv.document import AnnexIV

__all__ = ["instructions_blocks", "instructions_for_use"]


def _declared(facts: dict[str, Any]) -> list[dict[str, Any]]:
    declared = []
    for e in facts["evaluations"]:
        metrics = {k: {"value": v.get("value"), "low": v.get("low"), "high": v.get("high")}
                   for k, v in sorted(e["metrics"].items())}  # fmt: skip
        declared.append({"evaluation": e["id"], "dataset": e["dataset_name"],
                         "dataset_digest": e["dataset_digest"], "n": e["n"],
                         "confidence": e["confidence"], "status": e["status"],
                         "metrics": metrics})  # fmt: skip
    return declared


def instructions_for_use(doc: AnnexIV) -> dict[str, Any]:
    """The Art. 13(3)(b) extract of *doc*: JSON-ready, stable, no generation time.

    Keys: ``format``, ``subject``, ``as_of``, ``provider``, ``intended_purpose``,
    ``declared_accuracy`` (per evaluation: metrics with intervals), ``headline_metrics``,
    ``criteria`` (each verdict), ``known_limitations`` (found and declared),
    ``conditions_affecting_performance`` (groups whose interval lies below the overall
    value), ``human_oversight``, ``input_specifications``, and ``records_verified``
    (whether the records it is built from verified: ``ok``, ``failed`` of
    ``checks_total``; None when they were not verified), so an extract built from altered
    records says so.
    """
    facts, manual = doc.facts, doc.manual

    def text(key: str) -> Any:
        return None if manual is None else manual.value(key)

    verdicts = [{"evaluation": e["id"], "criterion": v["criterion"], "scope": v["scope"],
                 "group": v["group"], "outcome": v["outcome"], "value": v["value"],
                 "low": v["low"], "high": v["high"], "n": v["n"]}
                for e in facts["evaluations"] for v in e["verdicts"]
                if v["scope"] != "group" or v["outcome"] != "pass"]  # fmt: skip
    extract: dict[str, Any] = json_ready({
        "format": "trackrecord-instructions-for-use-v1",
        "title": f"Instructions for use (extract, Art. 13(3)(b)): {doc.data['subject']['model']} "
                 f"version {doc.data['subject']['version']}",
        "subject": doc.data["subject"], "as_of": doc.data["as_of"],
        "provider": {"name": text("provider.name"), "contact": text("provider.contact")},
        "intended_purpose": text("general.intended_purpose"),
        "headline_metrics": headline_metrics(facts),
        "declared_accuracy": _declared(facts),
        "criteria": verdicts,
        "known_limitations": {
            "found_in_evaluation": [t for e in facts["evaluations"] for t in e["limitations"]],
            "declared_by_provider": text("monitoring.limitations"),
        },
        "conditions_affecting_performance": weaker_groups(facts),
        "foreseeable_unintended_outcomes": text("monitoring.unintended_outcomes"),
        "human_oversight": text("monitoring.human_oversight"),
        "input_specifications": {"declared": text("monitoring.input_specifications"),
                                 "model_signature": facts["model"]["signature"]},
        "records_verified": _verified(doc.data.get("verification")),
    })  # fmt: skip
    return extract


_SECTIONS = (
    ("provider", "Provider"), ("intended_purpose", "Intended purpose"),
    ("declared_accuracy", "Declared accuracy (with confidence intervals)"),
    ("criteria", "Acceptance criteria: overall verdicts and groups that did not pass"),
    ("known_limitations", "Known limitations"),
    ("conditions_affecting_performance", "Conditions under which performance is weaker"),
    ("foreseeable_unintended_outcomes", "Foreseeable unintended outcomes"),
    ("human_oversight", "Human oversight"), ("input_specifications", "Input data"),
)  # fmt: skip


def _verified(verification: dict[str, Any] | None) -> dict[str, Any] | None:
    if verification is None:
        return None
    return {"ok": verification.get("ok"), "failed": verification.get("failed"),
            "checks_total": verification.get("checks_total")}  # fmt: skip


def _verified_text(verified: dict[str, Any] | None) -> str:
    if verified is None:
        return "not verified"
    if verified["ok"]:
        return f"yes ({verified['checks_total']} checks)"
    return f"NO: {verified['failed']} of {verified['checks_total']} checks failed"


def instructions_blocks(extract: dict[str, Any]) -> list[Block]:
    """The extract as blocks for the HTML renderer."""
    verified = _verified_text(extract.get("records_verified"))
    found = [Block("heading", extract["title"], level=1),
             Block("kv", rows=[["model", extract["subject"]["uri"]],
                               ["model digest", extract["subject"]["digest"]],
                               ["records as of", extract["as_of"] or "-"],
                               ["records verified", verified]])]  # fmt: skip
    for key, title in _SECTIONS:
        found.append(Block("heading", title, level=2, anchor=key))
        found += value_blocks(extract[key])
    return found
