"""The XGBoost callback with real training: params, per-iteration metrics, early stopping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xgboost
from sklearn.datasets import load_breast_cancer

import trackrecord
from trackrecord.integrations.xgboost import TrackRecordCallback
from trackrecord.sdk.run import Run

X, Y = load_breast_cancer(return_X_y=True)
PARAMS = {"objective": "binary:logistic", "max_depth": 2, "eta": 0.3,
          "eval_metric": ["logloss", "error"]}  # fmt: skip


def _train(callback: TrackRecordCallback, evals_result: dict[str, Any]) -> Any:
    train, valid = xgboost.DMatrix(X[:400], label=Y[:400]), xgboost.DMatrix(X[400:], label=Y[400:])
    return xgboost.train(
        PARAMS, train, 60, evals=[(train, "train"), (valid, "valid")], evals_result=evals_result,
        early_stopping_rounds=5, verbose_eval=False, callbacks=[callback],
    )  # fmt: skip


def test_metrics_match_evals_result_and_the_model_round_trips(tmp_path: Path) -> None:
    evals: dict[str, Any] = {}
    with trackrecord.init("p", dir=tmp_path, capture=False) as run:
        booster = _train(TrackRecordCallback(), evals)
    api = trackrecord.Api(dir=tmp_path)
    record = api.run(run.id)
    assert record.params["max_depth"] == 2 and record.params["eta"] == 0.3
    assert record.params["objective"] == "binary:logistic"
    for data in ("train", "valid"):
        for metric in ("logloss", "error"):
            history = api.metric_history(run.id, f"{data}/{metric}")
            np.testing.assert_allclose(history.values, evals[data][metric])
            assert list(history.steps) == list(range(len(evals[data][metric])))
    assert record.summaries["best_iteration"].last == booster.best_iteration
    assert record.summaries["best_score"].last == pytest.approx(booster.best_score)
    assert "feature_importance.parquet" in {a.path for a in api.artifacts(run.id)}
    loaded = api.load_model(f"runs:/{run.id}/model")
    matrix = xgboost.DMatrix(X)
    np.testing.assert_allclose(loaded.predict(matrix), booster.predict(matrix))


def test_the_sklearn_api_without_a_run_gets_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKRECORD_DIR", str(tmp_path))
    model = xgboost.XGBClassifier(n_estimators=4, max_depth=2, callbacks=[TrackRecordCallback()])
    model.fit(X, Y, eval_set=[(X, Y)], verbose=False)
    with trackrecord.Api(dir=tmp_path) as api:
        (run,) = api.runs()
        assert run.status == "finished" and run.name == "xgboost"
        assert run.summaries["validation_0/logloss"].count == 4
        np.testing.assert_allclose(
            api.metric_history(run.id, "validation_0/logloss").values,
            model.evals_result()["validation_0"]["logloss"],
        )


def test_a_failing_model_warns_once_and_the_metrics_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise TypeError("cannot pickle this")

    monkeypatch.setattr(Run, "log_model", broken)
    evals: dict[str, Any] = {}
    with (
        trackrecord.init("p", dir=tmp_path, capture=False) as run,
        pytest.warns(trackrecord.TrackRecordWarning, match="could not log the model") as seen,
    ):
        _train(TrackRecordCallback(), evals)
    assert len(seen) == 1
    record = trackrecord.Api(dir=tmp_path).run(run.id)
    assert record.summaries["valid/logloss"].count == len(evals["valid"]["logloss"])
