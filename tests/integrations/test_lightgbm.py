"""The LightGBM callback with real training: params, per-iteration metrics, early stopping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lightgbm
import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer

import trackrecord
from trackrecord.integrations.lightgbm import callback
from trackrecord.sdk.run import Run

X, Y = load_breast_cancer(return_X_y=True)
PARAMS = {"objective": "binary", "num_leaves": 4, "learning_rate": 0.2, "verbose": -1,
          "metric": ["binary_logloss", "auc"]}  # fmt: skip


def _train(rounds: int, early_stopping: bool, recorded: dict[str, Any], logger: Any) -> Any:
    train = lightgbm.Dataset(X[:400], label=Y[:400])
    valid = lightgbm.Dataset(X[400:], label=Y[400:], reference=train)
    callbacks = [lightgbm.record_evaluation(recorded), logger]
    if early_stopping:
        callbacks.append(lightgbm.early_stopping(5, verbose=False))
    return lightgbm.train(PARAMS, train, rounds, valid_sets=[train, valid],
                          valid_names=["train", "valid"], callbacks=callbacks)  # fmt: skip


def test_metrics_match_record_evaluation_and_finish_logs_the_end(tmp_path: Path) -> None:
    recorded: dict[str, Any] = {}
    with trackrecord.init("p", dir=tmp_path, capture=False) as run:
        logger = callback()
        booster = _train(200, True, recorded, logger)
        logger.finish(booster)
    api = trackrecord.Api(dir=tmp_path)
    record = api.run(run.id)
    assert record.params["num_leaves"] == 4 and record.params["learning_rate"] == 0.2
    for data in ("train", "valid"):
        for metric in ("binary_logloss", "auc"):
            history = api.metric_history(run.id, f"{data}/{metric}")
            np.testing.assert_allclose(history.values, recorded[data][metric])
    assert 0 < booster.best_iteration < 200
    assert record.summaries["best_iteration"].last == booster.best_iteration
    assert record.summaries["best/valid/auc"].last == pytest.approx(
        booster.best_score["valid"]["auc"]
    )
    assert "feature_importance.parquet" in {a.path for a in api.artifacts(run.id)}
    loaded = api.load_model(f"runs:/{run.id}/model")
    np.testing.assert_allclose(loaded.predict(X), booster.predict(X))


def test_without_early_stopping_the_last_iteration_logs_the_model(tmp_path: Path) -> None:
    recorded: dict[str, Any] = {}
    with trackrecord.init("p", dir=tmp_path, capture=False) as run:
        booster = _train(7, False, recorded, callback())
    api = trackrecord.Api(dir=tmp_path)
    assert api.run(run.id).summaries["valid/auc"].count == 7
    np.testing.assert_allclose(api.load_model(f"runs:/{run.id}/model").predict(X),
                               booster.predict(X))  # fmt: skip


def test_a_failing_model_warns_once_and_the_metrics_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise TypeError("cannot pickle this")

    monkeypatch.setattr(Run, "log_model", broken)
    recorded: dict[str, Any] = {}
    with (
        trackrecord.init("p", dir=tmp_path, capture=False) as run,
        pytest.warns(trackrecord.TrackRecordWarning, match="could not log the model") as seen,
    ):
        _train(6, False, recorded, callback())
    assert len(seen) == 1
    assert trackrecord.Api(dir=tmp_path).run(run.id).summaries["valid/auc"].count == 6
