"""Every point value equals scikit-learn's on real data."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.preprocessing import label_binarize

from trackrecord.evaluation import METRICS, evaluate_predictions


def _ece(conf: np.ndarray, correct: np.ndarray, bins: int = 15) -> float:
    """A loop-per-bin reference implementation of the expected calibration error."""
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        mask = (conf >= lo) & ((conf < hi) if b < bins - 1 else (conf <= hi))
        if mask.any():
            total += mask.sum() / conf.size * abs(conf[mask].mean() - correct[mask].mean())
    return total


def _values(result: Any) -> dict[str, float]:
    return {k: v["value"] for k, v in result.metrics.items()}


def test_binary_metrics_equal_sklearn(cancer: dict[str, Any]) -> None:
    y, pred, p1 = cancer["y"], cancer["pred"], cancer["proba"][:, 1]
    r = evaluate_predictions(y, y_pred=pred, y_score=p1, n_resamples=50)
    got = _values(r)
    assert set(got) == set(METRICS["binary"])
    expected = {
        "accuracy": skm.accuracy_score(y, pred),
        "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
        "precision": skm.precision_score(y, pred),
        "recall": skm.recall_score(y, pred),
        "f1": skm.f1_score(y, pred),
        "roc_auc": skm.roc_auc_score(y, p1),
        "pr_auc": skm.average_precision_score(y, p1),
        "log_loss": skm.log_loss(y, p1),
        "brier": skm.brier_score_loss(y, p1),
        "ece": _ece(p1, y.astype(float)),
    }
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert r.confusion_matrix == skm.confusion_matrix(y, pred).tolist()


def test_binary_positive_label_and_two_columns(cancer: dict[str, Any]) -> None:
    y, pred, proba = cancer["y"], cancer["pred"], cancer["proba"]
    r = evaluate_predictions(y, y_pred=pred, y_score=proba, positive_label=0, n_resamples=50)
    assert r.positive_label == 0
    assert r.metrics["recall"]["value"] == pytest.approx(skm.recall_score(y, pred, pos_label=0))
    assert r.metrics["roc_auc"]["value"] == pytest.approx(skm.roc_auc_score(1 - y, proba[:, 0]))
    assert r.metrics["pr_auc"]["value"] == pytest.approx(
        skm.average_precision_score(y, proba[:, 0], pos_label=0)
    )


@pytest.mark.parametrize("name", ["iris", "wine"])
def test_multiclass_metrics_equal_sklearn(name: str, request: pytest.FixtureRequest) -> None:
    data = request.getfixturevalue(name)
    y, pred, proba, labels = data["y"], data["pred"], data["proba"], data["labels"]
    r = evaluate_predictions(
        y, y_pred=pred, y_score=proba, task="multiclass", labels=labels, n_resamples=30
    )
    onehot = label_binarize(y, classes=labels)
    top = proba.argmax(axis=1)
    expected = {
        "accuracy": skm.accuracy_score(y, pred),
        "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
        "precision": skm.precision_score(y, pred, average="macro"),
        "recall": skm.recall_score(y, pred, average="macro"),
        "f1": skm.f1_score(y, pred, average="macro"),
        "roc_auc": skm.roc_auc_score(y, proba, multi_class="ovr", average="macro"),
        "pr_auc": skm.average_precision_score(onehot, proba, average="macro"),
        "log_loss": skm.log_loss(y, proba, labels=labels),
        "brier": skm.brier_score_loss(y, proba, labels=labels),
        "ece": _ece(proba.max(axis=1), (np.asarray(labels)[top] == y).astype(float)),
    }
    assert _values(r) == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert r.confusion_matrix == skm.confusion_matrix(y, pred, labels=labels).tolist()


def test_regression_metrics_equal_sklearn(diabetes: dict[str, Any]) -> None:
    y, pred = diabetes["y"], diabetes["pred"]
    r = evaluate_predictions(y, y_pred=pred, task="regression", n_resamples=50)
    err = np.abs(y - pred)
    expected = {
        "mae": skm.mean_absolute_error(y, pred),
        "rmse": skm.root_mean_squared_error(y, pred),
        "r2": skm.r2_score(y, pred),
        "ae_p50": np.quantile(err, 0.5),
        "ae_p90": np.quantile(err, 0.9),
        "ae_p95": np.quantile(err, 0.95),
        "ae_p99": np.quantile(err, 0.99),
    }
    assert _values(r) == pytest.approx(expected, rel=1e-10)
    assert r.confusion_matrix is None and r.labels is None


def test_y_pred_derived_from_scores(cancer: dict[str, Any]) -> None:
    y, p1 = cancer["y"], cancer["proba"][:, 1]
    r = evaluate_predictions(y, y_score=p1, n_resamples=20)
    assert r.metrics["accuracy"]["value"] == pytest.approx(skm.accuracy_score(y, p1 >= 0.5))
    assert any("derived from y_score" in w for w in r.warnings)


def test_string_labels(cancer: dict[str, Any]) -> None:
    names = np.array(["benign", "malignant"])
    y, pred = names[cancer["y"]], names[cancer["pred"]]
    r = evaluate_predictions(y, y_pred=pred, positive_label="malignant", n_resamples=20)
    assert r.labels == ["benign", "malignant"]
    expected = skm.f1_score(y, pred, pos_label="malignant")
    assert r.metrics["f1"]["value"] == pytest.approx(expected)
