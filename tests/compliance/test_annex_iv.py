"""Annex IV documentation built from the worked example's records: completeness, byte
stability, the PDF, the CLI, and the lifecycle diff against a second version."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

import trackrecord
from trackrecord.cli.report import report
from trackrecord.compliance.annex_iv import (
    MANUAL_FIELDS,
    build_annex_iv,
    instructions_for_use,
    load_manual,
    parse_manual,
    render_html,
    render_pdf,
    starter_yaml,
    write_report,
)
from trackrecord.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "credit_scoring.py"
ARTIFACTS = ROOT / "test-artifacts" / "annex-iv"
MODEL = "credit-default"


@pytest.fixture(scope="module")
def example_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store the worked example leaves (run once for the module; copy before changing)."""
    where = tmp_path_factory.mktemp("example")
    store = where / "store"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKRECORD_")}
    env.update(TRACKRECORD_DIR=str(store), GIT_CEILING_DIRECTORIES=str(where))
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--resamples", "200"],
        cwd=where, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return store


@pytest.fixture
def api(example_store: Path) -> Iterator[trackrecord.Api]:
    with trackrecord.Api(dir=example_store) as opened:
        yield opened


def full_manual(tmp_path: Path) -> Path:
    """A provider.yaml with every field written and a declaration attached for item 8."""
    sections: dict[str, Any] = {}
    for spec in MANUAL_FIELDS:
        value: Any = f"{spec.label}: written by the provider."
        if spec.kind == "components":
            value = [{"name": "none", "source": "no pre-trained components are used"}]
        elif spec.kind == "list":
            value = ["EN ISO/IEC 23894:2024"]
        sections.setdefault(spec.section, {})[spec.name] = value
    del sections["conformity"]  # stood in for by the attached declaration
    (tmp_path / "declaration.txt").write_text("EU declaration of conformity\n")
    sections["attachments"] = [{"title": "Declaration", "path": "declaration.txt", "item": 8}]
    import yaml

    path = tmp_path / "provider.yaml"
    path.write_text(yaml.safe_dump(sections), encoding="utf-8")
    return path


def test_a_minimal_manual_leaves_the_provider_fields_missing_per_item(
    api: trackrecord.Api,
) -> None:
    manual = parse_manual({"provider": {"name": "Acme Credit"},
                           "general": {"intended_purpose": "score applications"}})  # fmt: skip
    doc = build_annex_iv(api, MODEL, 1, manual)
    missing = doc.missing()
    assert set(missing) == set(range(1, 10))
    assert "provider.name" not in missing[1] and "general.market_forms" in missing[1]
    assert missing[5] == ["risk_management.system"] and missing[8] == ["conformity.declaration"]
    assert "development.cybersecurity" in missing[2]
    rows = {r["item"]: r for r in doc.completeness()["items"]}
    assert rows[1]["manual"] == 2 and rows[1]["missing"] == len(missing[1])
    assert doc.field("provider.name")["source"] == "manual"
    assert not doc.completeness()["complete"]


def test_a_full_manual_leaves_missing_only_what_the_records_cannot_give(
    api: trackrecord.Api, tmp_path: Path
) -> None:
    manual = load_manual(full_manual(tmp_path))
    doc = build_annex_iv(api, MODEL, 1, manual)
    assert doc.missing() == {2: ["records.signatures"]}  # nobody signed the example
    declaration = doc.field("conformity.declaration")
    assert declaration["source"] == "attached"
    digest = declaration["value"]["attachments"][0]["sha256"]
    assert len(digest) == 64
    assert doc.data["built_from"]["attachments"][0]["sha256"] == digest
    assert doc.data["built_from"]["manual"]["sha256"] == manual.sha256


def test_unknown_keys_are_errors_that_name_the_allowed_keys(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="allowed in general: system_name, intended"):
        parse_manual({"general": {"purpose": "x"}})
    with pytest.raises(ConfigurationError, match="allowed: provider, general"):
        parse_manual({"risks": "x"})
    with pytest.raises(ConfigurationError, match="no file at"):
        parse_manual({"attachments": [{"title": "t", "path": "gone.pdf"}]}, tmp_path)
    (tmp_path / "provider.yaml").write_text(starter_yaml())
    assert load_manual(tmp_path / "provider.yaml").values == {}  # the template loads, empty


def test_building_twice_gives_the_same_bytes_and_a_manual_change_shows(
    api: trackrecord.Api, tmp_path: Path
) -> None:
    path = full_manual(tmp_path)
    first = build_annex_iv(api, MODEL, 1, load_manual(path), {"ok": True})
    second = build_annex_iv(api, MODEL, 1, load_manual(path), {"ok": True})
    assert first.to_json() == second.to_json()
    assert render_html(first) == render_html(second)
    path.write_text(path.read_text().replace("written by the provider", "revised"))
    changed = build_annex_iv(api, MODEL, 1, load_manual(path), {"ok": True})
    assert changed.to_json() != first.to_json() and render_html(changed) != render_html(first)
    html = render_html(first)
    for external in ("<script", "<link", "src=", "href=", "url(", "@import"):
        assert external not in html  # self-contained
    assert 'class="badge automatic"' in html and 'class="badge attached"' in html
    assert html.index("Completeness") < html.index("1. General description")


def test_the_pdf_renders_pages_that_are_not_blank(api: trackrecord.Api, tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    from PIL import Image

    doc = build_annex_iv(api, MODEL, 1, load_manual(full_manual(tmp_path)))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("page-*.png"):
        old.unlink()
    pdf = render_pdf(doc, ARTIFACTS / "annex-iv.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "2", str(pdf),
                    str(ARTIFACTS / "page")], check=True, timeout=60)  # fmt: skip
    pages = sorted(ARTIFACTS.glob("page-*.png"))
    assert len(pages) == 2
    for page in pages:
        with Image.open(page) as image:
            grey = image.convert("L")
            inked = sum(grey.histogram()[:200])  # pixels clearly darker than white
        assert inked > 2000, f"{page} looks blank"


def test_the_worked_example_gives_a_complete_record_part(api: trackrecord.Api) -> None:
    doc = build_annex_iv(api, MODEL, 1, None)
    for item in doc.data["items"][:4]:
        for entry in item["fields"]:
            if entry["key"].startswith("records.") and entry["key"] != "records.signatures":
                assert entry["source"] == "automatic", entry["key"]
    data = {d["name"]: d for d in doc.field("records.data")["value"]}
    assert set(data) == {"credit-applications", "credit-train", "credit-holdout"}
    for name, entry in data.items():
        assert entry["digest"] == api.dataset(name).digest
    assert data["credit-applications"]["datasheet"]["origin"].startswith("synthetic")
    assert data["credit-train"]["composition"]["age_band"]["18-25"] > 0
    (evaluation,) = doc.field("records.evaluations")["value"]
    assert evaluation["status"] in ("pass", "fail", "inconclusive") and evaluation["verdicts"]
    assert doc.field("records.criteria")["value"][0]["criteria"][0]["metric"] == "roc_auc"
    (groups,) = doc.field("records.accuracy_per_group")["value"]
    young = next(c for c in groups["cells"] if c["group"] == "age_band=18-25")
    assert young["metrics"]["roc_auc"]["low"] < young["metrics"]["roc_auc"]["value"]
    lifecycle = doc.field("records.lifecycle_changes")["value"]
    assert lifecycle["first_version"] and "first version" in lifecycle["statement"]
    assert doc.field("records.software")["value"]["frameworks"]["scikit-learn"]
    built = doc.data["built_from"]
    assert {r["name"] for r in built["runs"]} >= {"prepare", "train"}
    assert built["registry"]["head_hash"] == api.registered_model(MODEL).head_hash
    assert built["evaluations"][0]["result_sha256"] == evaluation["result_sha256"]
    extract = instructions_for_use(doc)
    weaker = {(w["metric"], w["group"]) for w in extract["conditions_affecting_performance"]}
    assert ("roc_auc", "age_band=18-25") in weaker
    assert extract["declared_accuracy"][0]["metrics"]["roc_auc"]["high"] is not None


def test_the_cli_writes_the_starter_and_the_report(example_store: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    starter = tmp_path / "provider.yaml"
    done = runner.invoke(report, ["init", "-o", str(starter)])
    assert done.exit_code == 0, done.output
    assert "intended_purpose:" in starter.read_text() and "# 1(a)" in starter.read_text()
    out = tmp_path / "out"
    done = runner.invoke(report, ["annex-iv", f"models:/{MODEL}/1", "--manual", str(starter),
                                  "-o", str(out), "--dir", str(example_store)])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert {p.name for p in out.iterdir()} == {
        "annex-iv.json", "annex-iv.html", "annex-iv.pdf", "instructions-for-use.json",
        "instructions-for-use.html"}  # fmt: skip
    assert "item 5 missing: risk_management.system" in done.output
    document = json.loads((out / "annex-iv.json").read_bytes())
    assert document["verification"]["ok"] is True
    assert document["built_from"]["manual"]["file"] == "provider.yaml"
    done = runner.invoke(report, ["annex-iv", "models:/nope/1", "--dir", str(example_store)])
    assert done.exit_code == 2 and "Error:" in done.output


def _example_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("credit_scoring_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_second_version_lists_what_changed(
    example_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    store = tmp_path / "store"
    shutil.copytree(example_store, store)
    monkeypatch.setenv("TRACKRECORD_DIR", str(store))
    example = _example_module()
    data = example.applicants(3000, seed=11)
    train, holdout = data.iloc[:2000], data.iloc[2000:].reset_index(drop=True)
    config = {"model": "HistGradientBoostingClassifier", "max_iter": 60, "learning_rate": 0.1,
              "max_leaf_nodes": 15, "seed": 11}  # fmt: skip
    with trackrecord.init("credit", name="retrain", config=config, capture=False) as run:
        run.log_dataset(train, "credit-train", role="train")
        model = HistGradientBoostingClassifier(max_iter=60, learning_rate=0.1, random_state=11)
        model.fit(train[example.FEATURES], train["default"])
        run.log_model(model, "classifier", register=MODEL)
    trackrecord.evaluate(model, model_version=f"models:/{MODEL}/2", reference=holdout,
                         label="default", groups=["age_band"], dataset_name="credit-holdout",
                         n_resamples=50, seed=11)  # fmt: skip
    with trackrecord.Api(dir=store) as api, api.store.database.write() as cursor:  # type: ignore[attr-defined]
        cursor.execute(
            "INSERT INTO signatures (id, target, record_hash, key_id, signer, meaning, "
            "signature, time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            ("sig1", f"model:{MODEL}/2", "h", "key1", "ana", "approved", "s", 1),
        )
    with trackrecord.Api(dir=store) as api:
        doc = build_annex_iv(api, MODEL, 2, None)
        lifecycle = doc.field("records.lifecycle_changes")["value"]
        assert not lifecycle["first_version"] and lifecycle["previous"]["version"] == 1
        changed = {(c["kind"], c["name"]) for c in lifecycle["changes"]}
        assert {("model", "digest"), ("dataset", "credit-train"), ("param", "max_iter"),
                ("param", "learning_rate"), ("metric", "roc_auc")} <= changed  # fmt: skip
        assert ("param", "max_leaf_nodes") not in changed
        assert "dataset" in lifecycle["statement"] and "param" in lifecycle["statement"]
        (signature,) = doc.field("records.signatures")["value"]
        assert signature["signer"] == "ana" and signature["meaning"] == "approved"
        history = doc.field("records.version_history")["value"]
        assert [v["version"] for v in history["versions"]] == [1, 2]
        written = write_report(api, f"models:/{MODEL}/2", None, tmp_path / "out", verify=False)
        assert [p.name for p in written][:3] == ["annex-iv.json", "annex-iv.html", "annex-iv.pdf"]


def test_the_guide_documents_every_field_and_its_example_holds(
    api: trackrecord.Api, tmp_path: Path
) -> None:
    import re

    from trackrecord.compliance.annex_iv.items import AUTOMATIC_FIELDS

    guide = (ROOT / "docs" / "annex-iv.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_.]+)` \|", guide, flags=re.M))
    assert documented == {f.key for f in MANUAL_FIELDS} | {f.key for f in AUTOMATIC_FIELDS}
    total = build_annex_iv(api, MODEL, 1, load_manual(full_manual(tmp_path))).completeness()
    line = "{fields} fields: {automatic} automatic, {attached} attached, {manual} manual, " \
        "{missing} missing"  # fmt: skip
    assert line.format(**total["total"]) in guide  # the example run in the guide
