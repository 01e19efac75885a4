"""The result: determinism, JSON, round trip, input errors, curves, public names."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

import trackrecord.evaluation as evaluation
from trackrecord.errors import InvalidValueError
from trackrecord.evaluation import Criterion, EvaluationResult, evaluate_predictions
from trackrecord.evaluation.curves import MAX_POINTS


def _run(cancer: dict[str, Any], seed: int = 0, **kw: Any) -> EvaluationResult:
    n = len(cancer["y"])
    return evaluate_predictions(
        cancer["y"],
        y_pred=cancer["pred"],
        y_score=cancer["proba"][:, 1],
        groups={"half": np.arange(n) < n // 2, "third": np.arange(n) % 3},
        criteria=[Criterion("roc_auc", ">=", 0.9), Criterion("recall", ">", 0.9, group="half")],
        n_resamples=200,
        seed=seed,
        **kw,
    )


def test_same_seed_same_numbers_other_seed_other_bounds(cancer: dict[str, Any]) -> None:
    a, b, c = _run(cancer), _run(cancer), _run(cancer, seed=1)
    assert json.dumps(a.to_dict()) == json.dumps(b.to_dict())
    for name in ("roc_auc", "f1", "log_loss"):
        assert a.metrics[name]["value"] == c.metrics[name]["value"]
        assert (a.metrics[name]["low"], a.metrics[name]["high"]) != (
            c.metrics[name]["low"],
            c.metrics[name]["high"],
        )
    assert a.metrics["accuracy"] == c.metrics["accuracy"]  # Wilson: no randomness


def test_json_ready_and_round_trip(cancer: dict[str, Any]) -> None:
    r = _run(cancer)
    d = r.to_dict()
    text = json.dumps(d, allow_nan=False)
    back = EvaluationResult.from_dict(json.loads(text))
    assert back == r
    assert back.to_dict() == d
    assert d["format"] == "trackrecord-evaluation-v1"
    assert d["methods"]["accuracy"] == {"method": "wilson", "level": 0.95}
    auc = d["methods"]["roc_auc"]
    assert auc["method"] == "bootstrap-stratified-binned" and auc["seed"] == 0
    assert auc["resamples"] == 200 and auc["bins"] <= auc["resolution"] + 15
    assert d["methods"]["f1"]["method"] == "bootstrap-stratified"


def test_undefined_values_are_none_not_nan() -> None:
    groups = {"g": np.array(["a"] * 30 + ["b"] * 30)}
    y = np.array([0, 1] * 15 + [1] * 30)  # group b has one class: AUC undefined there
    score = np.linspace(0.01, 0.99, 60)
    r = evaluate_predictions(y, y_score=score, groups=groups, n_resamples=20)
    b = r.groups["g"][1]["metrics"]["roc_auc"]
    assert b == {"value": None, "low": None, "high": None}
    json.dumps(r.to_dict(), allow_nan=False)
    assert any("roc_auc is undefined in 1 group cells" in w for w in r.warnings)


def test_from_dict_rejects_other_dicts() -> None:
    with pytest.raises(InvalidValueError, match="not a TrackRecord evaluation"):
        EvaluationResult.from_dict({"task": "binary"})
    with pytest.raises(InvalidValueError, match="unknown keys \\['extra'\\]"):
        EvaluationResult.from_dict(
            {
                "format": "trackrecord-evaluation-v1",
                "task": "binary",
                "n": 1,
                "seed": 0,
                "n_resamples": 10,
                "confidence": 0.95,
                "extra": 1,
            }
        )


def test_curves_for_charts(cancer: dict[str, Any]) -> None:
    c = _run(cancer).curves
    assert len(c["roc"]["fpr"]) <= MAX_POINTS and c["roc"]["fpr"][0] == 0.0
    assert c["roc"]["tpr"][-1] == 1.0 and c["roc"]["fpr"][-1] == 1.0
    assert len(c["pr"]["recall"]) <= MAX_POINTS and c["pr"]["recall"][-1] == 1.0
    assert sum(c["calibration"]["count"]) == len(cancer["y"])
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 5000)
    big = evaluate_predictions(y, y_score=rng.random(5000), n_resamples=10).curves
    assert len(big["roc"]["fpr"]) == MAX_POINTS


def test_multiclass_curves(iris: dict[str, Any]) -> None:
    r = evaluate_predictions(iris["y"], y_score=iris["proba"], task="multiclass", n_resamples=20)
    assert set(r.curves["roc"]) == {"0", "1", "2"}
    assert r.metrics["roc_auc"]["low"] is not None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"y_true": [0, 1, 1], "y_pred": [0, 1]}, "y_pred has 2 values but y_true has 3"),
        ({"y_true": [0, 1, 2], "y_pred": [0, 1, 1]}, "needs exactly 2 labels"),
        (
            {"y_true": [0, 1, 5], "y_pred": [0, 1, 1], "task": "multiclass", "labels": [0, 1, 2]},
            "y_true has values \\[5\\] that are not in labels",
        ),
        ({"y_true": [0.0, 1.0, np.nan], "y_pred": [0, 1, 1]}, "y_true has 1 missing"),
        ({"y_true": [0, 1, 1], "y_score": [0.2, 1.3, 0.9]}, "probabilities in \\[0, 1\\]"),
        (
            {"y_true": [0, 1, 2], "y_score": [[0.5, 0.4, 0.2]] * 3, "task": "multiclass"},
            "must sum to 1",
        ),
        (
            {"y_true": [0, 1, 2], "y_score": [[0.5, 0.5]] * 3, "task": "multiclass"},
            "must have shape \\(n, 3\\)",
        ),
        ({"y_true": [0, 1], "task": "binary"}, "needs y_pred=, y_score= or both"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "task": "ranking"}, "unknown task 'ranking'"),
        ({"y_true": [1.0, 2.0], "task": "regression"}, "needs y_pred="),
        ({"y_true": [0, 1], "y_pred": [0, 1], "positive_label": 2}, "positive_label 2"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "groups": {"g": [1]}}, "group column 'g'"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "confidence": 95}, "confidence must be"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "n_resamples": 0}, "n_resamples must be"),
    ],
)
def test_input_errors_say_what_to_fix(kwargs: dict[str, Any], message: str) -> None:
    y_true = kwargs.pop("y_true")
    with pytest.raises(InvalidValueError, match=message):
        evaluate_predictions(y_true, **kwargs)


def test_public_names() -> None:
    for name in evaluation.__all__:
        assert getattr(evaluation, name) is not None
    assert evaluation.METRICS["regression"][:3] == ("mae", "rmse", "r2")


def test_multiclass_labels_must_occur_in_y_true() -> None:
    with pytest.raises(InvalidValueError, match=r"labels \[3\] do not occur in y_true"):
        evaluate_predictions(
            [0, 1, 2, 2], y_pred=[0, 1, 2, 1], task="multiclass", labels=[0, 1, 2, 3]
        )


def test_binary_subset_with_one_class_still_evaluates() -> None:
    r = evaluate_predictions(
        [1] * 40,
        y_pred=[1] * 35 + [0] * 5,
        y_score=[0.9] * 35 + [0.2] * 5,
        labels=[0, 1],
        n_resamples=20,
    )
    assert r.metrics["recall"]["value"] == 35 / 40
    assert r.metrics["roc_auc"] == {"value": None, "low": None, "high": None}
    assert "roc_auc is undefined on the whole set" in r.warnings
    json.dumps(r.to_dict(), allow_nan=False)


def test_threaded_draws_are_deterministic() -> None:
    rng = np.random.default_rng(3)
    n = 20_000  # large enough for the thread pool (n x resamples > 1e6)
    y = rng.integers(0, 2, n)
    score = np.clip(0.3 * y + 0.7 * rng.random(n), 0, 1)
    groups = {"a": rng.integers(0, 3, n), "b": rng.integers(0, 2, n)}
    runs = [
        evaluate_predictions(y, y_score=score, groups=groups, n_resamples=100, seed=9).to_dict()
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
