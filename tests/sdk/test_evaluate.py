"""trackrecord.criteria and trackrecord.evaluate: criteria first, recorded, reproducible."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.linear_model import LogisticRegression

import trackrecord
from trackrecord import Criterion
from trackrecord.cli import main
from trackrecord.errors import InvalidValueError


def frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n),
                         "sex": rng.choice(["F", "M"], n),
                         "age_band": rng.choice(["18-30", "31-50", "51+"], n)})  # fmt: skip
    data["y"] = (data.x1 + 0.5 * data.x2 + rng.normal(scale=0.8, size=n) > 0).astype(int)
    return data


@pytest.fixture
def registered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, object]:
    """A store with model 'credit' version 1 (a fitted logistic regression); the store is
    the default one (TRACKRECORD_DIR), as in a training script."""
    store = tmp_path / "store"
    monkeypatch.setenv("TRACKRECORD_DIR", str(store))
    train = frame(2000, 0)
    with trackrecord.init("credit", capture=False) as run:
        model = LogisticRegression().fit(train[["x1", "x2"]], train["y"])
        run.log_model(model, "clf", register="credit")
    return store, model


def test_criteria_first_then_a_reproducible_evaluation_linked_to_model_and_data(
    registered: tuple[Path, object],
) -> None:
    store, model = registered
    holdout = frame(1000, 1)
    fixed = trackrecord.criteria(
        "models:/credit/1", [Criterion("accuracy", ">=", 0.6), Criterion("recall", ">=", 0.99)],
        reason="policy",
    )  # fmt: skip
    groups = ["sex", "age_band"]
    first = trackrecord.evaluate(model, model_version="models:/credit/1", reference=holdout,
                                 label="y", groups=groups, n_resamples=200, seed=5)  # fmt: skip
    again = trackrecord.evaluate("models:/credit/1", reference=holdout, label="y",
                                 groups=["sex", "age_band"], n_resamples=200, seed=5)  # fmt: skip
    other = trackrecord.evaluate(model, model_version="models:/credit/1", reference=holdout,
                                 label="y", groups=groups, n_resamples=200, seed=6)  # fmt: skip
    assert first.criteria_id == fixed.id and first.status == "fail"  # recall >= 0.99 fails
    assert first.result.to_dict() == again.result.to_dict()  # same inputs, same seed
    assert other.result.metrics["roc_auc"] != first.result.metrics["roc_auc"]  # other seed
    api = trackrecord.Api(dir=store)
    record = api.evaluation(first.id)
    assert record.target == "model:credit/1" and record.criteria_id == fixed.id
    assert record.dataset_digest == api.dataset("reference").digest
    assert {v["outcome"] for v in record.verdicts} == {"pass", "fail"}
    assert api.evaluation_result(first.id)["groups"]["sex"][0]["n"] > 400
    rows = api.compare_evaluations(first.id, other.id)["metrics"]
    accuracy = next(r for r in rows if r["metric"] == "accuracy")
    assert accuracy["difference"] == 0 and accuracy["clear"] is False
    # the run that evaluated is linked in the lineage: data -> evaluation run; model -> it
    assert api.run(record.run_id).name == "evaluate credit v1"
    assert api.verify(record.run_id).ok


def test_new_criteria_supersede_and_later_evaluations_use_them(
    registered: tuple[Path, object],
) -> None:
    store, model = registered
    holdout = frame(500, 2)
    strict = trackrecord.criteria("models:/credit/1", [Criterion("accuracy", ">=", 0.99)])
    early = trackrecord.evaluate(model, model_version="models:/credit/1", reference=holdout,
                                 label="y", n_resamples=100)  # fmt: skip
    loose = trackrecord.criteria("models:/credit/1", [Criterion("accuracy", ">=", 0.5)],
                                 reason="0.99 was a typo")  # fmt: skip
    late = trackrecord.evaluate(model, model_version="models:/credit/1", reference=holdout,
                                label="y", n_resamples=100)  # fmt: skip
    assert (early.criteria_id, early.status) == (strict.id, "fail")
    assert (late.criteria_id, late.status) == (loose.id, "pass")
    api = trackrecord.Api(dir=store)
    assert [c.id for c in api.criteria_sets("models:/credit/1")] == [loose.id, strict.id]
    assert api.evaluation(early.id).criteria_id == strict.id  # the old record is unchanged
    with trackrecord.init("other", capture=False) as run:
        mine = trackrecord.criteria(run, [Criterion("accuracy", ">=", 0.5)])
        with pytest.raises(InvalidValueError, match="not model:credit/1"):
            trackrecord.evaluate(model, model_version="models:/credit/1", reference=holdout,
                                 label="y", criteria=mine, n_resamples=100)  # fmt: skip


def test_predictions_inside_a_run_with_the_runs_own_criteria(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    y = rng.normal(size=400)
    predicted = y + rng.normal(scale=0.3, size=400)
    with trackrecord.init("reg", dir=tmp_path / "store", capture=False) as run:
        trackrecord.criteria(run, [Criterion("mae", "<=", 0.5), Criterion("r2", ">=", 0.5)])
        found = trackrecord.evaluate(predictions=predicted, y_true=y, task="regression",
                                     reference=(np.c_[y], y), n_resamples=100)  # fmt: skip
    assert found.status == "pass" and found.target is None and found.run_id == run.id
    api = trackrecord.Api(dir=tmp_path / "store")
    (record,) = api.evaluations(run_id=run.id)
    assert record.criteria_id is not None and record.metrics["mae"]["value"] < 0.5
    out = CliRunner().invoke(main, ["evaluations", "show", record.id, "--dir",
                                    str(tmp_path / "store")])  # fmt: skip
    assert out.exit_code == 0 and "PASS" in out.output and "mae" in out.output
    listed = CliRunner().invoke(main, ["evaluations", "ls", "--run", run.id, "--json", "--dir",
                                       str(tmp_path / "store")])  # fmt: skip
    assert [e["id"] for e in json.loads(listed.output)] == [record.id]


def test_mistakes_are_explained(registered: tuple[Path, object]) -> None:
    _, model = registered
    holdout = frame(200, 4)
    with pytest.raises(InvalidValueError, match="label"):
        trackrecord.evaluate(model, model_version="models:/credit/1", reference=holdout)
    with pytest.raises(InvalidValueError, match="models:/NAME/3"):
        trackrecord.criteria("credit", [Criterion("accuracy", ">=", 0.5)])
    with pytest.raises(InvalidValueError):
        trackrecord.criteria("models:/credit/1", [])
    with pytest.raises(InvalidValueError, match="metric"):
        Criterion("acuracy", ">=", 0.5)
