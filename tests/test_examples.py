"""examples/train.py (``make demo``) trains, records and verifies a real run."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import trackrecord

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_the_demo_training_run(tmp_path: Path) -> None:
    store = tmp_path / "store"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKRECORD_")}
    env.update(TRACKRECORD_DIR=str(store), GIT_CEILING_DIRECTORIES=str(tmp_path))
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "train.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""

    with trackrecord.Api(dir=store) as api:
        (run,) = api.runs("demo")
        assert run.status == "finished"
        assert api.verify(run.id).ok
        assert run.summaries["val/acc"].last > 0.8
        assert run.summaries["train/loss"].last < run.summaries["train/loss"].max
        assert run.summaries["train/batch_loss"].count > 300  # per batch, not per epoch
        assert run.summaries["val/acc"].count == run.params["epochs"] == 30
        assert run.params["optimizer.lr"] == 0.5  # the nested config, flattened
        assert run.tags  # tagged
        assert "python" in api.environment(run.id)  # capture was on

        files = {a.path for a in api.artifacts(run.id)}
        assert {
            "models/mlp/files/weights.npz",
            "eval/confusion_matrix.csv",
            "eval/decision_boundary.png",
        } <= files
        weights_file = api.load_model(f"runs:/{run.id}/mlp", tmp_path / "model")
        weights = np.load(weights_file)
        assert weights["w1"].shape[0] == 2
        assert api.model_version("two-moons-mlp", 1).run_id == run.id
        uses = {(u.name, u.role) for u in api.run_datasets(run.id)}
        assert uses == {("two-moons", "train"), ("two-moons-val", "validation")}
        assert api.dataset("two-moons").datasheet["origin"].startswith("synthetic")
        with api.open_artifact(run.id, "eval/confusion_matrix.csv") as handle:
            rows = list(csv.reader(io.StringIO(handle.read().decode())))
        assert sum(int(c) for row in rows[1:] for c in row[1:]) == 500  # the validation split

    assert run.id in done.stdout
    assert str(store) in done.stdout
    assert f"trackrecord verify {run.id}" in done.stdout
    assert f"trackrecord lineage run:{run.id}" in done.stdout
    assert "trackrecord.Api()" in done.stdout
    assert "OK" in done.stdout


def test_the_declared_accuracy_example(tmp_path: Path) -> None:
    store = tmp_path / "store"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKRECORD_")}
    env.update(TRACKRECORD_DIR=str(store), GIT_CEILING_DIRECTORIES=str(tmp_path))
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "credit_scoring.py"), "--resamples", "200"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with trackrecord.Api(dir=store) as api:
        (record,) = api.evaluations("models:/credit-default/1")
        assert record.status in ("pass", "fail", "inconclusive")
        assert record.dataset_name == "credit-holdout"
        assert record.dataset_digest == api.dataset("credit-holdout").digest
        (criteria,) = api.criteria_sets("models:/credit-default/1")
        assert record.criteria_id == criteria.id and criteria.time <= record.started_at
        result = api.evaluation_result(record.id)
        assert set(result["groups"]) >= {"age_band", "sex", "region", "age_band & sex"}
        young = next(c for c in result["groups"]["age_band"] if c["values"]["age_band"] == "18-25")
        older = next(c for c in result["groups"]["age_band"] if c["values"]["age_band"] == "41-60")
        assert young["metrics"]["roc_auc"]["value"] < older["metrics"]["roc_auc"]["value"]
        alias = "champion" if record.status == "pass" else "candidate"
        assert api.registered_model("credit-default").aliases == {alias: 1}
        graph = api.lineage("model:credit-default/1", "upstream")
        assert any(n.label.startswith("credit-applications") for n in graph.nodes.values())
    assert record.id in done.stdout and "limitation:" in done.stdout
