"""A version on the market (or on hold) keeps its whole evidence: the runs that evaluated it
and made their reference data, its documents and their attachments kept in the store, and
the reference data's bytes when asked; purge and gc refuse, and say which retention holds
what."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from sklearn.linear_model import LogisticRegression

import trackrecord
from trackrecord.cli import main
from trackrecord.compliance.annex_iv import build_annex_iv, write_report
from trackrecord.compliance.evidence import download_kept, keep_data, keep_documents
from trackrecord.compliance.verify_model import verify_model
from trackrecord.errors import InvalidValueError, RetentionError
from trackrecord.evaluation import Criterion
from trackrecord.gc import collect, plan_gc
from trackrecord.periods import day_of
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.evidence import SqlEvidence
from trackrecord.store.sql.retention import SqlRetention

DAY = 86_400_000


@dataclass(frozen=True)
class Recorded:
    """A store with model 'credit' v1 (project 'bank') trained by ``train``, and a run
    ``prep`` that produced the reference data (also written to ``reference.parquet``)."""

    store: Path
    train: str
    prep: str
    reference: Path


def frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    data["y"] = (data.x1 + rng.normal(scale=0.5, size=n) > 0).astype(int)
    return data


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    root = tmp_path_factory.mktemp("retained")
    store = root / "store"
    reference = frame(120, 1)
    reference.to_parquet(root / "reference.parquet", index=False)
    with trackrecord.init("bank", dir=store, capture=False, name="prep") as prep:
        prep.log_dataset(reference, "reference", role="reference", produced=True)
    with trackrecord.init("bank", dir=store, capture=False, name="train") as train:
        data = frame(200, 0)
        model = LogisticRegression().fit(data[["x1", "x2"]], data["y"])
        train.log_model(model, "clf", register="credit")
    return Recorded(store, train.id, prep.id, root / "reference.parquet")


@pytest.fixture
def recorded(template: Recorded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Recorded:
    """This test's own copy of the template store."""
    shutil.copytree(template.store, tmp_path / "store")
    monkeypatch.setenv("TRACKRECORD_DIR", str(tmp_path / "store"))
    return replace(template, store=tmp_path / "store")


def evaluate(recorded: Recorded) -> tuple[str, str]:
    """Criteria, then an evaluation of credit v1 on the reference data: (evaluation, run)."""
    with trackrecord.Api(dir=recorded.store) as api:
        model = LogisticRegression().fit(frame(200, 0)[["x1", "x2"]], frame(200, 0)["y"])
        trackrecord.criteria("models:/credit/1", [Criterion("roc_auc", ">=", 0.6)])
        with trackrecord.init("bank", dir=recorded.store, capture=False, name="eval") as run:
            done = trackrecord.evaluate(
                model, model_version="models:/credit/1", reference=frame(120, 1), label="y",
                dataset_name="reference", n_resamples=20, seed=1, run=run,
            )  # fmt: skip
        assert api.evaluation(done.id).run_id == run.id
    return done.id, run.id


def later(store: SqlStore, run_id: str) -> int:
    """A time past the log retention of *run_id*: 183 days or more after it ended."""
    keeper = SqlRetention(store)
    run = store.get_run(run_id)
    end = run.finished_at or run.created_at
    return max(keeper.log_retained_until(end), end + 183 * DAY) + DAY


def test_an_evaluation_of_a_version_on_the_market_is_not_purged_183_days_later(
    recorded: Recorded,
) -> None:
    """The finding: after `retention market`, the evaluation run could be purged once the
    log retention ran out, and the Annex IV document lost its accuracy sections."""
    store = SqlStore.open(recorded.store)
    until = SqlRetention(store).place_on_market("credit", 1, "cli:ana", reason="release 1")
    evaluation, run_id = evaluate(recorded)  # evaluated after the placement: covered too
    api = trackrecord.Api.over(store)
    api.delete(run_id)
    api.delete(recorded.prep)
    now = later(store, run_id)
    keeper = SqlRetention(store)
    with pytest.raises(RetentionError) as refused:
        keeper.purge(run_id, now=now)
    assert (
        f"the run of evaluation {evaluation[:13]} of credit v1, placed on the market "
        f"(until {day_of(until).isoformat()})" in str(refused.value)
    )
    with pytest.raises(RetentionError, match=r"upstream of evaluation .* \(its reference data\)"):
        keeper.purge(recorded.prep, now=now)  # it made the reference data
    assert store.get_run(run_id).deleted_at is not None  # still there, restorable
    assert [e.id for e in store.catalog.evaluations("model:credit/1")] == [evaluation]
    document = build_annex_iv(api, "credit", 1)
    accuracy = document.field("records.expected_accuracy")
    assert accuracy["source"] == "automatic" and "roc_auc" in json.dumps(accuracy["value"])
    assert document.field("records.evaluations")["source"] == "automatic"
    status = CliRunner().invoke(main, ["retention", "status", run_id, "--dir",
                                       str(recorded.store)])  # fmt: skip
    assert "the run of evaluation" in status.output and "placed on the market" in status.output


def test_the_same_evaluation_run_is_purged_when_nothing_retains_the_version(
    recorded: Recorded,
) -> None:
    store = SqlStore.open(recorded.store)
    _, run_id = evaluate(recorded)
    trackrecord.Api.over(store).delete(run_id)
    keeper = SqlRetention(store)
    with pytest.raises(RetentionError, match="run logs are kept 6 months"):
        keeper.purge(run_id)  # today: the log retention still holds it
    keeper.purge(run_id, now=later(store, run_id))
    assert store.catalog.evaluations("model:credit/1") == []


def test_a_market_retention_ends_and_a_hold_keeps_the_evidence_until_released(
    recorded: Recorded,
) -> None:
    store = SqlStore.open(recorded.store)
    keeper = SqlRetention(store)
    _, run_id = evaluate(recorded)
    trackrecord.Api.over(store).delete(run_id)
    until = keeper.place_on_market("credit", 1, "cli:ana", years=1)
    hold = keeper.hold("model:credit/1", "case 2027-3", "cli:ana")
    after = max(until, later(store, run_id)) + DAY
    with pytest.raises(RetentionError, match=r"under legal hold hold_\w+: case 2027-3"):
        keeper.purge(run_id, now=after)
    assert [p.kind for p in keeper.retentions("credit", 1, now=after)] == ["legal-hold"]
    keeper.release(hold.id, "cli:ana", "case closed")
    assert keeper.retentions("credit", 1, now=after) == []
    keeper.purge(run_id, now=after)  # a year on the market has passed


def manual(tmp_path: Path) -> Path:
    (tmp_path / "declaration.txt").write_text("EU declaration of conformity\n")
    sections = {
        "provider": {"name": "Acme Credit"},
        "attachments": [{"title": "Declaration", "path": "declaration.txt", "item": 8}],
    }
    path = tmp_path / "provider.yaml"
    path.write_text(yaml.safe_dump(sections), encoding="utf-8")
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_market_keeps_documents_attachments_and_data_that_gc_spares(
    recorded: Recorded, tmp_path: Path
) -> None:
    evaluate(recorded)
    where = ["--dir", str(recorded.store)]
    placed = CliRunner().invoke(main, [
        "retention", "market", "credit", "1", "--date", "2026-12-01", "--manual",
        str(manual(tmp_path)), "--keep-data", str(recorded.reference), *where,
    ])  # fmt: skip
    assert placed.exit_code == 0, placed.output
    assert "its evidence is kept until 2036-12-01" in placed.output
    assert "annex-iv.pdf" in placed.output and "data of reference (bank)" in placed.output
    store = SqlStore.open(recorded.store)
    documents, data = SqlEvidence(store).kept("credit", 1)
    assert [f.path for f in documents.files] == [
        "annex-iv.json", "annex-iv.html", "annex-iv.pdf", "instructions-for-use.json",
        "instructions-for-use.html", "provider.yaml", "attachments/1-declaration.txt",
    ]  # fmt: skip
    assert data.details["form"] == "table" and data.files[0].sha256 == sha(recorded.reference)
    history = store.catalog.registry_history("credit")
    assert [e.type for e in history[-3:]] == ["version.market", "version.documents",
                                              "version.data"]  # fmt: skip
    api = trackrecord.Api.over(store)
    plan = plan_gc(api, min_age=0)
    kept = {f.sha256 for s in (documents, data) for f in s.files}
    assert kept <= set(plan.kept) and not kept & set(plan.unreferenced)
    assert (
        "kept with credit v1, on the market (until 2036-12-01)" in plan.kept[data.files[0].sha256]
    )
    collect(api, plan)
    out = tmp_path / "out"
    listed = CliRunner().invoke(main, ["retention", "kept", "credit", "1", "--download",
                                       str(out), *where])  # fmt: skip
    assert listed.exit_code == 0, listed.output
    back = out / f"{documents.seq}-documents"
    assert sha(back / "attachments" / "1-declaration.txt") == sha(tmp_path / "declaration.txt")
    document = json.loads((back / "annex-iv.json").read_bytes())
    assert document["built_from"]["evaluations"] and document["verification"]["ok"] is True
    assert sha(out / f"{data.seq}-data" / "data" / "reference.parquet") == sha(recorded.reference)


def test_documents_generated_for_a_retained_version_are_kept_each_time(
    recorded: Recorded, tmp_path: Path
) -> None:
    store = SqlStore.open(recorded.store)
    api = trackrecord.Api.over(store)
    one = write_report(api, "models:/credit/1", None, tmp_path / "a", verify=False)
    two = write_report(api, "models:/credit/1", None, tmp_path / "b", verify=False)
    assert SqlEvidence(store).kept() == []  # not retained: nothing kept
    assert [sha(p) for p in one] == [sha(p) for p in two]  # the PDF is byte-stable too
    SqlRetention(store).hold("model:credit/1", "case 9", "cli:ana")
    written = write_report(api, "models:/credit/1", None, tmp_path / "c", verify=False)
    (first,) = SqlEvidence(store).kept("credit", 1)
    assert [f.sha256 for f in first.files] == [sha(p) for p in written]
    keep_documents(api, "credit", 1, written, None, "cli:ana")  # the same files: kept once
    assert len(SqlEvidence(store).kept("credit", 1)) == 1
    evaluate(recorded)
    again = write_report(api, "models:/credit/1", None, tmp_path / "d", verify=False)
    first, second = SqlEvidence(store).kept("credit", 1)
    assert second.files[0].sha256 == sha(again[0]) != first.files[0].sha256
    history = json.loads(again[0].read_bytes())["items"][0]["fields"]
    assert "version.documents" in json.dumps(history)  # the document names the last keeping
    assert len(download_kept(api, "credit", 1, tmp_path / "e")) == 10
    args = ["models:/credit/1", "--no-verify", "-o", str(tmp_path / "f")]
    shown = CliRunner().invoke(main, ["report", "annex-iv", *args, "--dir", str(recorded.store)])
    assert "Kept 5 files with credit v1 in the store" in shown.output, shown.output
    assert len(SqlEvidence(store).kept("credit", 1)) == 3


def test_kept_data_must_be_data_of_the_evidence(recorded: Recorded, tmp_path: Path) -> None:
    evaluate(recorded)
    store = SqlStore.open(recorded.store)
    api = trackrecord.Api.over(store)
    other = tmp_path / "other.csv"
    frame(10, 5).to_csv(other, index=False)
    with pytest.raises(InvalidValueError, match=r"none of the dataset versions .*reference \(bank"):
        keep_data(api, "credit", 1, [other], "cli:ana")
    assert SqlEvidence(store).kept() == []
    as_csv = tmp_path / "reference.csv"
    frame(120, 1).to_csv(as_csv, index=False)  # the in-memory reference, written as CSV
    (kept,) = keep_data(api, "credit", 1, [as_csv], "cli:ana", reason="recompute in 2036")
    assert (kept.details["form"], kept.details["dataset"]["name"]) == ("table", "reference")
    assert kept.reason == "recompute in 2036" and kept.files[0].sha256 == sha(as_csv)


def test_verify_reports_a_kept_document_whose_evaluation_vanished(
    recorded: Recorded, tmp_path: Path
) -> None:
    """A row deleted behind the store's back no longer goes unnoticed: the kept document
    names the evaluation, and verify checks that it is still there."""
    evaluation, _ = evaluate(recorded)
    store = SqlStore.open(recorded.store)
    api = trackrecord.Api.over(store)
    written = write_report(api, "models:/credit/1", None, tmp_path, verify=False, keep=True)
    assert keep_documents(api, "credit", 1, written, None, "cli:ana").seq  # the same set
    assert verify_model(store, "credit", 1).ok
    with store.database.write() as cur:
        cur.execute("DELETE FROM evaluations WHERE id = ?", (evaluation,))
    report = verify_model(store, "credit", 1)
    assert not report.ok
    assert any(f"evaluation {evaluation}" in c.detail for c in report.failures)
