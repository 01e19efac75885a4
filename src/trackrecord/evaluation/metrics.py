"""Exact point values of the evaluation metrics, computed on the raw data.

The definitions match scikit-learn's (``accuracy_score``, ``balanced_accuracy_score``,
``precision/recall/f1`` with ``zero_division=0``, ``roc_auc_score``,
``average_precision_score``, ``log_loss``, ``brier_score_loss``, ``mean_absolute_error``,
``root_mean_squared_error``, ``r2_score``); scikit-learn is not needed. Binary
precision, recall and F1 are of the positive label; multiclass ones are macro
averages over ``labels``; multiclass ROC AUC and PR AUC are macro one-vs-rest.
``ece`` is the expected calibration error over :data:`ECE_BINS` equal-width bins of
the positive-class probability (binary) or of the top-label confidence (multiclass).

Count metrics take confusion matrices of any leading shape, so the bootstrap calls
the same functions on thousands of resampled matrices at once.

Example:
    >>> import numpy as np
    >>> cm = np.array([[5, 1], [2, 4]])
    >>> {k: round(float(v), 3) for k, v in count_metrics(cm, positive=1).items()}["recall"]
    0.667
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "ECE_BINS",
    "RankedScores",
    "auc_ap",
    "binary_score_metrics",
    "confusion_matrix",
    "count_metrics",
    "ece_bin",
    "multiclass_score_metrics",
    "rank_scores",
    "regression_metrics",
]

ECE_BINS: Final = 15
Array = NDArray[Any]


def confusion_matrix(y: Array, pred: Array, k: int) -> NDArray[np.int64]:
    """Counts of (true, predicted) codes, rows the true label, in ``labels`` order."""
    return np.bincount(y * k + pred, minlength=k * k).reshape(k, k).astype(np.int64)


def _ratio(num: Array, den: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)


def count_metrics(cm: Array, positive: int = -1) -> dict[str, Array]:
    """Metrics of confusion matrices shaped ``(..., k, k)``; *positive* = -1 for macro.

    Balanced accuracy averages the recall of the labels present in y_true
    (rows with a count), as scikit-learn does.
    """
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diagonal(cm, axis1=-2, axis2=-1)
    rows, cols = cm.sum(axis=-1), cm.sum(axis=-2)
    recall_c, precision_c = _ratio(tp, rows), _ratio(tp, cols)
    f1_c = _ratio(2 * tp, rows + cols)
    present = rows > 0
    out = {
        "accuracy": _ratio(tp.sum(axis=-1), rows.sum(axis=-1)),
        "balanced_accuracy": _ratio((recall_c * present).sum(axis=-1), present.sum(axis=-1)),
    }
    if positive >= 0:
        out |= {"precision": precision_c[..., positive], "recall": recall_c[..., positive]}
        out["f1"] = f1_c[..., positive]
    else:
        out |= {"precision": precision_c.mean(-1), "recall": recall_c.mean(-1)}
        out["f1"] = f1_c.mean(-1)
    return out


class RankedScores:
    """Scores sorted once (descending) with cumulative true/false positives per threshold.

    Example:
        >>> r = rank_scores(np.array([0, 1, 1, 0]), np.array([0.1, 0.9, 0.4, 0.4]))
        >>> float(r.roc_auc())
        0.875
    """

    def __init__(self, thresholds: Array, tps: Array, fps: Array) -> None:
        self.thresholds, self.tps, self.fps = thresholds, tps, fps
        self.positives, self.negatives = float(tps[-1]), float(fps[-1])

    def roc_auc(self) -> float | None:
        if self.positives == 0 or self.negatives == 0:
            return None
        tpr = np.concatenate([[0.0], self.tps / self.positives])
        fpr = np.concatenate([[0.0], self.fps / self.negatives])
        return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))

    def average_precision(self) -> float | None:
        if self.positives == 0:
            return None
        precision = self.tps / (self.tps + self.fps)
        recall = np.concatenate([[0.0], self.tps / self.positives])
        return float(np.sum(np.diff(recall) * precision))


def rank_scores(y01: Array, score: Array) -> RankedScores:
    """Sort *score* descending and count positives/negatives above each distinct score."""
    order = np.argsort(-score, kind="stable")
    s, y = score[order], y01[order].astype(np.float64)
    last = np.flatnonzero(np.diff(s, append=-np.inf) != 0) if s.size else np.array([], int)
    tps = np.cumsum(y)[last]
    return RankedScores(s[last], tps, last + 1 - tps)


def auc_ap(pos: Array, neg: Array) -> tuple[Array, Array]:
    """ROC AUC and average precision from positive/negative weights per score group.

    Groups are in ascending score order (shape ``(..., groups)``); a group's rows
    count as tied. With one group per distinct score this is exact.
    """
    p, q = pos.sum(-1), neg.sum(-1)
    below = np.cumsum(neg, -1) - neg
    tp, fp = np.cumsum(pos[..., ::-1], -1), np.cumsum(neg[..., ::-1], -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = (pos * (below + neg / 2)).sum(-1) / (p * q)
        ap = (pos[..., ::-1] * (tp / np.maximum(tp + fp, 1e-300))).sum(-1) / p
    return auc, ap


def ece_bin(prob: Array) -> NDArray[np.int64]:
    """The calibration bin (0..ECE_BINS-1) of each probability; 1.0 goes in the last."""
    return np.minimum((prob * ECE_BINS).astype(np.int64), ECE_BINS - 1)


def _ece(confidence: Array, correct: Array) -> float:
    b = ece_bin(confidence)
    gap = np.bincount(b, confidence - correct, ECE_BINS)
    return float(np.abs(gap).sum() / confidence.size)


def binary_score_metrics(y01: Array, score: Array, ranked: RankedScores) -> dict[str, float | None]:
    """ROC AUC, PR AUC, log loss, Brier score and ECE of positive-class probabilities."""
    eps = np.finfo(np.float64).eps
    p_true = np.clip(np.where(y01 == 1, score, 1 - score), eps, 1 - eps)
    return {
        "roc_auc": ranked.roc_auc(),
        "pr_auc": ranked.average_precision(),
        "log_loss": float(-np.mean(np.log(p_true))),
        "brier": float(np.mean((score - y01) ** 2)),
        "ece": _ece(score, y01.astype(np.float64)),
    }


def multiclass_score_metrics(y: Array, proba: Array) -> dict[str, float | None]:
    """Macro one-vs-rest ROC/PR AUC, log loss, Brier (sum over labels) and top-label ECE."""
    n, k = proba.shape
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0
    aucs, aps = [], []
    for c in range(k):
        ranked = rank_scores((y == c).astype(np.int8), proba[:, c])
        aucs.append(ranked.roc_auc())
        aps.append(ranked.average_precision())
    eps = np.finfo(np.float64).eps
    p_true = np.clip(proba[np.arange(n), y], eps, 1 - eps)
    top = np.argmax(proba, axis=1)
    return {
        "roc_auc": None if None in aucs else float(np.mean(np.asarray(aucs, dtype=float))),
        "pr_auc": None if None in aps else float(np.mean(np.asarray(aps, dtype=float))),
        "log_loss": float(-np.mean(np.log(p_true))),
        "brier": float(np.mean(np.sum((proba - onehot) ** 2, axis=1))),
        "ece": _ece(proba[np.arange(n), top], (top == y).astype(np.float64)),
    }


def regression_metrics(y: Array, pred: Array) -> dict[str, Array]:
    """MAE, RMSE, R² and quantiles of the absolute error; rows of 2-D inputs are samples.

    R² is None-like (nan) when y is constant, as scikit-learn's is undefined there.
    """
    err = np.abs(np.asarray(pred) - np.asarray(y))
    sse = np.sum(err**2, axis=-1)
    sst = np.sum((y - np.mean(y, axis=-1, keepdims=True)) ** 2, axis=-1)
    q = np.quantile(err, [0.5, 0.9, 0.95, 0.99], axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(sst > 0, 1 - sse / np.where(sst > 0, sst, 1), np.nan)
    return {
        "mae": np.mean(err, axis=-1),
        "rmse": np.sqrt(sse / err.shape[-1]),
        "r2": r2,
        "ae_p50": q[0],
        "ae_p90": q[1],
        "ae_p95": q[2],
        "ae_p99": q[3],
    }
