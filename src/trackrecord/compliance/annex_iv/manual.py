"""The provider's part of Annex IV: ``provider.yaml``, its template, loading and validation.

What the records cannot say (the intended purpose, the risk management system,
the declaration of conformity ...) the provider writes in one YAML file. Every
key is listed in :data:`MANUAL_FIELDS`; :func:`starter_yaml` writes them all,
commented with what Annex IV asks; :func:`load_manual` refuses unknown keys.

Example:
    >>> manual = parse_manual({"general": {"intended_purpose": "credit scoring"}})
    >>> manual.value("general.intended_purpose")
    'credit scoring'
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from trackrecord.errors import ConfigurationError

__all__ = [
    "MANUAL_FIELDS",
    "Attachment",
    "Manual",
    "ManualField",
    "load_manual",
    "parse_manual",
    "starter_yaml",
]


@dataclass(frozen=True)
class ManualField:
    """One key of provider.yaml: ``section.name``, the Annex IV item it belongs to, a label,
    what Annex IV asks for it, and its kind (``text``: a string or a list of strings;
    ``list``: a list of strings; ``components``: a list of ``{name, source, version, digest}``)."""

    section: str
    name: str
    item: int
    label: str
    asks: str
    kind: str = "text"

    @property
    def key(self) -> str:
        return f"{self.section}.{self.name}"


def _f(
    section: str, name: str, item: int, label: str, asks: str, kind: str = "text"
) -> ManualField:
    return ManualField(section, name, item, label, asks, kind)


# fmt: off
MANUAL_FIELDS: Final = (
    _f("provider", "name", 1, "Provider",
       "1(a): the name of the provider placing the system on the market or putting it "
       "into service."),
    _f("provider", "address", 1, "Provider address",
       "1(a): the provider's registered address."),
    _f("provider", "contact", 1, "Provider contact",
       "1(a): who answers for this documentation (name, role, e-mail)."),
    _f("general", "system_name", 1, "AI system",
       "1(a): the name of the AI system this model is part of, as it is placed on the "
       "market."),
    _f("general", "intended_purpose", 1, "Intended purpose",
       "1(a): the intended purpose: what the system is for, for whom, in which setting, "
       "and what it must not be used for."),
    _f("general", "interaction", 1, "Interaction with other hardware and software",
       "1(b): how the system interacts with hardware or software (other AI systems "
       "included) that is not part of it."),
    _f("general", "update_requirements", 1, "Version update requirements",
       "1(c): requirements related to version updates of software and firmware."),
    _f("general", "market_forms", 1, "Forms placed on the market",
       "1(d): every form in which the system is placed on the market (package, API, "
       "embedded ...)."),
    _f("general", "target_hardware", 1, "Hardware it is intended to run on",
       "1(e): the hardware on which the system is intended to run (the training hardware"
       " is recorded automatically)."),
    _f("general", "user_interface", 1, "User interface",
       "1(g): a basic description of the user interface provided to the deployer."),
    _f("general", "instructions_for_use", 1, "Instructions for use",
       "1(h): the instructions for use for the deployer (an extract with the declared "
       "accuracy is generated as instructions-for-use.html); add what it must say beyond"
       " that."),
    _f("development", "methods", 2, "Methods and steps of development",
       "2(a): the methods and steps performed to develop the system, including third-"
       "party tools and pre-trained systems and how they were used, integrated or "
       "modified."),
    _f("development", "design_choices", 2, "Design choices and rationale",
       "2(b): the general logic, key design choices with their rationale and assumptions"
       " (also about the persons or groups it is meant for), what it optimises for, "
       "trade-offs made."),
    _f("development", "architecture", 2, "System architecture",
       "2(c): how the software components build on or feed into each other and integrate"
       " into the processing."),
    _f("development", "pretrained_components", 2, "Pre-trained components (declared)",
       "2(a): pre-trained models or tools from third parties: a list of {name, source, "
       "version, digest}; [] to declare there are none.", "components"),
    _f("development", "data_governance", 2, "Data selection, labelling and cleaning",
       "2(d): how the data was obtained and selected, labelling procedures, data "
       "cleaning methods (datasheets recorded with the datasets are included "
       "automatically)."),
    _f("development", "human_oversight_assessment", 2, "Assessment of human oversight",
       "2(e): the assessment of the human oversight measures needed (Art. 14), including"
       " the technical measures that help deployers interpret the outputs."),
    _f("development", "predetermined_changes", 2, "Pre-determined changes",
       "2(f): changes to the system and its performance determined in advance, and the "
       "technical solutions that keep it compliant; 'none' if it does not change after "
       "release."),
    _f("development", "validation_procedures", 2, "Validation and testing procedures",
       "2(g): the procedures, the data used and its main characteristics, and why the "
       "metrics and criteria were chosen (the recorded criteria, evaluations and "
       "signatures are included automatically)."),
    _f("development", "cybersecurity", 2, "Cybersecurity measures",
       "2(h): the cybersecurity measures put in place (access control, integrity of the "
       "model files, adversarial robustness)."),
    _f("monitoring", "capabilities", 3, "Capabilities",
       "3: the capabilities of the system in performance: what it can do and to what "
       "degree."),
    _f("monitoring", "limitations", 3, "Limitations (provider)",
       "3: known limitations beyond those the evaluation found (which are included "
       "automatically)."),
    _f("monitoring", "unintended_outcomes", 3, "Foreseeable unintended outcomes and risks",
       "3: foreseeable unintended outcomes and sources of risk to health, safety, "
       "fundamental rights and of discrimination."),
    _f("monitoring", "human_oversight", 3, "Human oversight measures",
       "3: the human oversight measures (Art. 14) and the technical measures that help "
       "interpret outputs."),
    _f("monitoring", "input_specifications", 3, "Input data specifications",
       "3: specifications on input data, as appropriate (the recorded model signature is"
       " included automatically)."),
    _f("metrics", "appropriateness", 4, "Appropriateness of the metrics",
       "4: why the performance metrics are appropriate for this system and its intended "
       "purpose."),
    _f("risk_management", "system", 5, "Risk management system",
       "5: a detailed description of the risk management system (Art. 9), or attach the "
       "document (attachments, item 5)."),
    _f("lifecycle", "changes", 6, "Relevant changes (provider)",
       "6: the relevant changes made through the lifecycle and why (the changes against "
       "the previous version are computed from the records)."),
    _f("standards", "harmonised", 7, "Harmonised standards applied",
       "7: the harmonised standards applied, with references from the Official Journal; "
       "[] if none.", "list"),
    _f("standards", "other_solutions", 7, "Other solutions adopted",
       "7: where no harmonised standards were applied, the solutions adopted to meet "
       "Chapter III Section 2, with the other standards and specifications applied."),
    _f("conformity", "declaration", 8, "EU declaration of conformity",
       "8: a copy of the EU declaration of conformity (Art. 47), as text or attached "
       "(attachments, item 8)."),
    _f("post_market", "plan", 9, "Post-market monitoring plan",
       "9: the system to evaluate performance after release, including the post-market "
       "monitoring plan (Art. 72), as text or attached (attachments, item 9)."),
)
# fmt: on
SECTIONS: Final = tuple(dict.fromkeys(f.section for f in MANUAL_FIELDS))
_BY_KEY: Final = {f.key: f for f in MANUAL_FIELDS}
_ATTACHMENT_KEYS: Final = ("title", "path", "item")
_COMPONENT_KEYS: Final = ("name", "source", "version", "digest")


@dataclass(frozen=True)
class Attachment:
    """A document the manual refers to, recorded by its SHA-256 (and the item it serves)."""

    title: str
    path: str
    sha256: str
    size: int
    item: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "path": self.path, "sha256": self.sha256,
                "size": self.size, "item": self.item}  # fmt: skip


@dataclass(frozen=True)
class Manual:
    """The provider's fields (by ``section.name``), attachments, and the file's SHA-256."""

    values: dict[str, Any]
    attachments: list[Attachment] = field(default_factory=list)
    sha256: str | None = None
    file_name: str | None = None

    def value(self, key: str) -> Any:
        """The provider's value of ``section.name``; None when not written."""
        return self.values.get(key)


def _fail(message: str) -> ConfigurationError:
    return ConfigurationError(f"provider.yaml: {message}; see `trackrecord report init`")


def _check_value(spec: ManualField, value: Any) -> Any:
    if value is None or value == "":
        return None
    if spec.kind == "components":
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise _fail(f"{spec.key} must be a list of {{name, source, version, digest}}")
        for entry in value:
            unknown = sorted(set(entry) - set(_COMPONENT_KEYS))
            if unknown:
                raise _fail(f"{spec.key} has unknown keys {unknown}; allowed: "
                            f"{', '.join(_COMPONENT_KEYS)}")  # fmt: skip
            if not entry.get("name"):
                raise _fail(f"each entry of {spec.key} needs a name")
        return [{k: None if v is None else str(v) for k, v in sorted(e.items())} for e in value]
    if isinstance(value, str):
        if spec.kind == "list":
            return [value.strip()]
        return value.strip() or None
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return [str(v) for v in value]
    allowed = "a list of strings" if spec.kind == "list" else "a string or a list of strings"
    raise _fail(f"{spec.key} must be {allowed}, not {type(value).__name__}")


def _check_section(section: str, body: Any) -> dict[str, Any]:
    if body is None:
        return {}
    names = [f.name for f in MANUAL_FIELDS if f.section == section]
    if not isinstance(body, dict):
        raise _fail(f"{section} must be a mapping of {', '.join(names)}")
    unknown = sorted(str(k) for k in body if k not in names)
    if unknown:
        raise _fail(f"unknown key(s) {', '.join(f'{section}.{k}' for k in unknown)}; "
                    f"allowed in {section}: {', '.join(names)}")  # fmt: skip
    found = {}
    for name, value in body.items():
        checked = _check_value(_BY_KEY[f"{section}.{name}"], value)
        if checked is not None:
            found[f"{section}.{name}"] = checked
    return found


def _attachments(raw: Any, base: Path | None) -> list[Attachment]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _fail("attachments must be a list of {title, path, item}")
    found = []
    for entry in raw:
        if not isinstance(entry, dict) or not entry.get("title") or not entry.get("path"):
            raise _fail(f"each attachment needs a title and a path, not {entry!r}")
        unknown = sorted(set(entry) - set(_ATTACHMENT_KEYS))
        if unknown:
            raise _fail(f"attachment keys {unknown} are unknown; allowed: "
                        f"{', '.join(_ATTACHMENT_KEYS)}")  # fmt: skip
        item = entry.get("item")
        if item is not None and (not isinstance(item, int) or not 1 <= item <= 9):
            raise _fail(f"attachment item must be an Annex IV item from 1 to 9, not {item!r}")
        path = Path(str(entry["path"]))
        where = path if path.is_absolute() or base is None else base / path
        if not where.is_file():
            raise _fail(f"attachment {entry['title']!r}: no file at {where}")
        content = where.read_bytes()
        digest = hashlib.sha256(content).hexdigest()
        found.append(Attachment(str(entry["title"]), str(entry["path"]), digest, len(content),
                                item))  # fmt: skip
    return sorted(found, key=lambda a: (a.item or 0, a.title, a.path))


def parse_manual(
    raw: Any, base: Path | None = None, sha256: str | None = None, file_name: str | None = None
) -> Manual:
    """Check a parsed provider.yaml (a mapping) and make a :class:`Manual` of it.

    Raises:
        ConfigurationError: an unknown key (the message names the allowed ones), a value
            of the wrong type, or an attachment whose file is missing.
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise _fail(f"the file must be a mapping of {', '.join(SECTIONS)}, attachments")
    allowed = (*SECTIONS, "attachments")
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        raise _fail(f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")
    values: dict[str, Any] = {}
    for section in SECTIONS:
        values.update(_check_section(section, raw.get(section)))
    return Manual(values, _attachments(raw.get("attachments"), base), sha256, file_name)


def load_manual(path: str | os.PathLike[str]) -> Manual:
    """Read and check provider.yaml; attachment paths are relative to its folder.

    Raises:
        ConfigurationError: the file is missing, is not YAML, or fails :func:`parse_manual`.
    """
    import yaml

    where = Path(path)
    try:
        content = where.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the manual file {where}: {exc}") from exc
    try:
        raw = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{where} is not valid YAML: {exc}") from exc
    digest = hashlib.sha256(content).hexdigest()
    return parse_manual(raw, where.parent, digest, where.name)


def _comment(text: str, indent: str) -> list[str]:
    import textwrap

    return [f"{indent}# {line}" for line in textwrap.wrap(text, 86 - len(indent))]


def starter_yaml() -> str:
    """A provider.yaml with every key empty, each commented with what Annex IV asks."""
    lines = [
        "# provider.yaml: the provider's part of the Annex IV technical documentation",
        "# (EU AI Act, Regulation (EU) 2024/1689). TrackRecord fills in what its records show",
        "# (versions, data, training, evaluations, changes); write the rest here.",
        "# Text may be a string or a list of strings. Empty keys are reported as missing.",
        "# Unknown keys are errors. Build: trackrecord report annex-iv models:/NAME/VERSION",
        "#   --manual provider.yaml -o out/",
        "",
    ]
    for section in SECTIONS:
        fields = [f for f in MANUAL_FIELDS if f.section == section]
        lines.append(f"{section}:  # Annex IV item {fields[0].item}")
        for spec in fields:
            lines += _comment(spec.asks, "  ")
            lines.append(f"  {spec.name}:")
        lines.append("")
    lines += [
        "# Documents referred to (risk management file, declaration of conformity, monitoring",
        "# plan ...): each is recorded by its SHA-256. Paths are relative to this file. A",
        "# document for item 5, 8 or 9 stands in for that item's text.",
        "attachments: []",
        "#  - title: Risk management file",
        "#    path: docs/risk-management.pdf",
        "#    item: 5",
        "",
    ]
    return "\n".join(lines)
