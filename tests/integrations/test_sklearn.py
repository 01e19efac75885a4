"""scikit-learn autolog with real estimators: params, search results, score, model, dataset."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import trackrecord
from trackrecord.integrations import sklearn as tr_sklearn
from trackrecord.sdk.run import Run


@pytest.fixture(autouse=True)
def autologged() -> Iterator[None]:
    tr_sklearn.autolog()
    yield
    tr_sklearn.autolog(disable=True)


def _pipeline() -> Pipeline:
    return Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=500))])


def test_a_grid_search_logs_best_params_cv_results_and_only_the_outer_fit(tmp_path: Path) -> None:
    X, y = load_iris(return_X_y=True)
    search = GridSearchCV(_pipeline(), {"clf__C": [0.1, 1.0, 10.0]}, cv=3)
    with trackrecord.init("p", dir=tmp_path, capture=False) as run:
        search.fit(X, y)
    api = trackrecord.Api(dir=tmp_path)
    record = api.run(run.id)
    assert record.params["class"] == "GridSearchCV"
    assert record.params["estimator.steps.clf.class"] == "LogisticRegression"
    assert record.params["estimator.steps.clf.max_iter"] == 500
    assert record.params["best.clf.C"] == search.best_params_["clf__C"]
    assert record.summaries["best_score"].last == pytest.approx(search.best_score_)
    assert record.summaries["training_score"].last == pytest.approx(search.score(X, y))
    assert record.summaries["training_score"].count == 1  # the 9 inner fits logged nothing
    paths = {a.path for a in api.artifacts(run.id)}
    assert "cv_results.parquet" in paths and "models/model-2/model.skops" not in paths
    with api.open_artifact(run.id, "cv_results.parquet") as table:
        frame = pd.read_parquet(io.BytesIO(table.read()))
    assert list(frame["mean_test_score"]) == pytest.approx(search.cv_results_["mean_test_score"])
    assert list(frame["param_clf__C"]) == [0.1, 1.0, 10.0]
    (use,) = api.run_datasets(run.id)
    assert (use.name, use.role) == ("training_data", "train")


def test_a_pipeline_fit_round_trips_and_logs_nested_params(tmp_path: Path) -> None:
    X, y = load_iris(return_X_y=True)
    pipeline = _pipeline()
    with trackrecord.init("p", dir=tmp_path, capture=False) as run:
        pipeline.fit(X, y)
    api = trackrecord.Api(dir=tmp_path)
    params = api.params(run.id)
    assert params["steps.scale.class"] == "StandardScaler"
    assert params["steps.clf.C"] == 1.0 and params["steps.clf.max_iter"] == 500
    loaded = api.load_model(f"runs:/{run.id}/model")
    np.testing.assert_array_equal(loaded.predict_proba(X), pipeline.predict_proba(X))


def test_without_an_active_run_each_fit_gets_its_own_finished_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKRECORD_DIR", str(tmp_path))
    X, y = load_diabetes(return_X_y=True)
    Ridge(alpha=0.5).fit(X, y)
    with trackrecord.Api(dir=tmp_path) as api:
        (run,) = api.runs()
        assert run.status == "finished" and run.name == "Ridge"
        assert run.params["alpha"] == 0.5
        assert run.summaries["training_score"].last == pytest.approx(
            Ridge(alpha=0.5).fit(X, y).score(X, y)
        )


def test_a_failing_item_warns_once_and_the_rest_is_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(Run, "log_model", broken)
    X, y = load_iris(return_X_y=True)
    with trackrecord.init("p", dir=tmp_path, capture=False) as run:
        with pytest.warns(trackrecord.TrackRecordWarning, match=r"the model \(OSError: disk full"):
            LogisticRegression(max_iter=500).fit(X, y)
        LogisticRegression(max_iter=500).fit(X, y)  # a second failure does not warn again
    record = trackrecord.Api(dir=tmp_path).run(run.id)
    assert record.summaries["training_score"].count == 2
    assert record.params["max_iter"] == 500


def test_disable_puts_the_original_fit_back() -> None:
    tr_sklearn.autolog(disable=True)
    original = vars(LogisticRegression)["fit"]
    tr_sklearn.autolog()
    assert vars(LogisticRegression)["fit"] is not original
    tr_sklearn.autolog(disable=True)
    assert vars(LogisticRegression)["fit"] is original
