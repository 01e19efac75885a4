"""Intervals: coverage by simulation, and the binned bootstrap against an exact one."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.evaluation.synthetic import synthetic_binary
from trackrecord.evaluation import evaluate_predictions
from trackrecord.evaluation.estimates import binned_regression_estimates, regression_estimates
from trackrecord.evaluation.groups import partition
from trackrecord.evaluation.inputs import prepare
from trackrecord.evaluation.intervals import index_bootstrap, percentile, stream, wilson
from trackrecord.evaluation.metrics import (
    binary_score_metrics,
    multiclass_score_metrics,
    rank_scores,
)
from trackrecord.evaluation.multiclass import multiclass_replicates

REPEATS = 300


def _covered(low: float | None, high: float | None, truth: float) -> bool:
    assert low is not None and high is not None
    return low <= truth <= high


def test_wilson_matches_known_values() -> None:
    stats = pytest.importorskip("scipy.stats")
    for k, n, level in ((90, 100, 0.95), (3, 40, 0.9), (40, 40, 0.99)):
        ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
        assert wilson(k, n, level) == pytest.approx((ci.low, ci.high), abs=1e-12)
    assert wilson(0, 10, 0.95)[0] == 0.0
    assert wilson(0, 0, 0.95) == (None, None)


def test_accuracy_wilson_covers_truth() -> None:
    rng = np.random.default_rng(1)
    hits = 0
    for _ in range(REPEATS):
        y = rng.integers(0, 2, 150)
        correct = rng.random(150) < 0.8
        r = evaluate_predictions(y, y_pred=np.where(correct, y, 1 - y), n_resamples=10)
        hits += _covered(r.metrics["accuracy"]["low"], r.metrics["accuracy"]["high"], 0.8)
    assert 0.90 <= hits / REPEATS <= 0.985


def test_roc_auc_bootstrap_covers_truth() -> None:
    shift = 1.2
    truth = 0.5 * (1 + math.erf(shift / 2))  # Phi(shift / sqrt 2)
    hits = 0
    for i in range(REPEATS):
        y, score = synthetic_binary(400, seed=1000 + i, shift=shift)
        r = evaluate_predictions(y, y_score=score, n_resamples=200, seed=i)
        hits += _covered(r.metrics["roc_auc"]["low"], r.metrics["roc_auc"]["high"], truth)
    assert 0.90 <= hits / REPEATS <= 0.985


def test_mae_bootstrap_covers_truth() -> None:
    rng = np.random.default_rng(2)
    truth = 2.0 * math.sqrt(2 / math.pi)  # E|N(0, 2^2)|
    hits = 0
    for i in range(REPEATS):
        x = rng.normal(size=300)
        y = 3 * x + rng.normal(scale=2.0, size=300)
        r = evaluate_predictions(y, y_pred=3 * x, task="regression", n_resamples=200, seed=i)
        hits += _covered(r.metrics["mae"]["low"], r.metrics["mae"]["high"], truth)
    assert 0.90 <= hits / REPEATS <= 0.985


def _exact_intervals(y: np.ndarray, score: np.ndarray, resamples: int) -> dict[str, tuple]:
    """A plain stratified index bootstrap, one resample at a time."""

    def stat(idx: np.ndarray) -> dict[str, np.ndarray]:
        rows = [binary_score_metrics(y[i], score[i], rank_scores(y[i], score[i])) for i in idx]
        return {k: np.array([row[k] for row in rows], dtype=float) for k in rows[0]}

    reps = index_bootstrap(stat, y, y.size, resamples, stream(99))
    return {k: percentile(v, 0.95) for k, v in reps.items()}


@pytest.mark.parametrize("grouped", [False, True])
def test_binned_bootstrap_agrees_with_exact(grouped: bool) -> None:
    y, score = synthetic_binary(4000, seed=7, shift=1.0)
    groups = {"g": np.arange(y.size) % 2} if grouped else None
    r = evaluate_predictions(y, y_score=score, groups=groups, n_resamples=2000, seed=3)
    if grouped:  # the cell g=0 against an exact bootstrap of its rows alone
        cell = r.groups["g"][0]["metrics"]
        y, score = y[::2], score[::2]
    else:
        cell = r.metrics
    exact = _exact_intervals(y, score, 1500)
    for name, (low, high) in exact.items():
        width = high - low
        assert cell[name]["low"] == pytest.approx(low, abs=0.1 * width), name
        assert cell[name]["high"] == pytest.approx(high, abs=0.1 * width), name


def test_binned_regression_agrees_with_exact() -> None:
    rng = np.random.default_rng(11)
    n = 6000
    x = rng.normal(size=n)
    y = 3 * x + 2 * rng.standard_t(5, size=n)
    pred = 3 * x + 0.3
    prep = prepare(
        y,
        y_pred=pred,
        y_score=None,
        task="regression",
        groups={"g": np.arange(n) % 2},
        labels=None,
        positive_label=None,
    )
    part = partition(prep.groups, n)
    binned, info = binned_regression_estimates(prep.y, prep.pred, part, 2000, 3)
    assert info["resolution"] == 2048 and info["group_resolution"] == 128
    for j, level in enumerate(part.levels):
        exact = regression_estimates(prep.y, prep.pred, level, j, 2000, 4)
        for name, est in exact[0].items():
            low, high = est.interval(0.95)
            width = high - low
            got = binned[j][0][name]
            assert got.value == est.value
            tolerance = (0.1 if j == 0 else 0.15) * width  # quantiles in 2^7 bins: coarser
            assert got.interval(0.95) == pytest.approx((low, high), abs=tolerance), (j, name)


def test_large_regression_uses_the_binned_bootstrap() -> None:
    rng = np.random.default_rng(12)
    y = rng.normal(size=25_000)
    r = evaluate_predictions(y, y_pred=y + rng.normal(size=y.size), task="regression")
    assert r.methods["r2"]["method"] == "bootstrap-binned"
    assert r.methods["r2"]["joint_bins"] > 1000
    small = evaluate_predictions(y[:500], y_pred=y[:500] + 1, task="regression")
    assert small.methods["r2"]["method"] == "bootstrap"


def test_vectorised_multiclass_bootstrap_agrees_with_a_loop(wine: dict) -> None:
    y, proba = np.searchsorted(wine["labels"], wine["y"]), wine["proba"]

    def stat(idx: np.ndarray) -> dict[str, np.ndarray]:
        rows = [multiclass_score_metrics(y[i], proba[i]) for i in idx]
        return {k: np.array([row[k] for row in rows], dtype=float) for k in rows[0]}

    loop = index_bootstrap(stat, y, y.size, 3000, stream(5))
    fast = multiclass_replicates(y, proba, 3000, stream(6))
    for name in loop:
        low, high = percentile(loop[name], 0.9)
        width = high - low
        got = percentile(fast[name], 0.9)
        assert got == pytest.approx((low, high), abs=0.1 * width), name
