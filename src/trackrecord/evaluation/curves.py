"""Chart data for the UI: ROC and precision-recall curves, calibration bins.

Curves come from the exact sorted scores (one point per distinct score) and are
downsampled to at most :data:`MAX_POINTS` points, keeping both ends. Calibration
uses the :data:`~trackrecord.evaluation.metrics.ECE_BINS` equal-width bins of the
ECE; an empty bin has ``None`` means. Multiclass: one-vs-rest curves per label and
top-label calibration.

Example:
    >>> import numpy as np
    >>> c = binary_curves(np.array([0, 1, 1, 0]), np.array([0.1, 0.9, 0.6, 0.4]))
    >>> c["roc"]["tpr"][-1], len(c["calibration"]["count"])
    (1.0, 15)
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from trackrecord.evaluation.metrics import ECE_BINS, RankedScores, ece_bin, rank_scores

__all__ = ["MAX_POINTS", "binary_curves", "calibration", "multiclass_curves"]

MAX_POINTS: Final = 200
Array = NDArray[Any]


def _pick(size: int) -> NDArray[np.int64]:
    if size <= MAX_POINTS:
        return np.arange(size)
    return np.unique(np.linspace(0, size - 1, MAX_POINTS).round().astype(np.int64))


def _floats(a: Array) -> list[float]:
    return [float(v) for v in a]


def calibration(confidence: Array, correct: Array) -> dict[str, list[Any]]:
    """Per equal-width bin: mean predicted probability, fraction positive, count."""
    b = ece_bin(confidence)
    count = np.bincount(b, minlength=ECE_BINS)
    mean = np.bincount(b, confidence, ECE_BINS) / np.maximum(count, 1)
    frac = np.bincount(b, correct.astype(np.float64), ECE_BINS) / np.maximum(count, 1)
    return {
        "bin_edges": _floats(np.linspace(0, 1, ECE_BINS + 1)),
        "mean_predicted": [float(m) if c else None for m, c in zip(mean, count, strict=True)],
        "fraction_positive": [float(f) if c else None for f, c in zip(frac, count, strict=True)],
        "count": [int(c) for c in count],
    }


def binary_curves(y01: Array, score: Array, ranked: RankedScores | None = None) -> dict[str, Any]:
    """ROC (fpr, tpr, threshold), PR (recall, precision, threshold) and calibration.

    *ranked* is ``rank_scores(y01, score)`` when the caller has it already.
    """
    r = rank_scores(y01, score) if ranked is None else ranked
    out: dict[str, Any] = {"calibration": calibration(score, y01)}
    if r.positives and r.negatives:
        pick = _pick(r.tps.size + 1)
        fpr = np.concatenate([[0.0], r.fps / r.negatives])[pick]
        tpr = np.concatenate([[0.0], r.tps / r.positives])[pick]
        out["roc"] = {  # pick[0] == 0: the point before any threshold
            "fpr": _floats(fpr),
            "tpr": _floats(tpr),
            "threshold": [None, *_floats(r.thresholds[pick[1:] - 1])],
        }
    if r.positives:
        pick = _pick(r.tps.size)
        out["pr"] = {
            "recall": _floats((r.tps / r.positives)[pick]),
            "precision": _floats((r.tps / (r.tps + r.fps))[pick]),
            "threshold": _floats(r.thresholds[pick]),
        }
    return out


def multiclass_curves(y: Array, proba: Array, labels: list[Any]) -> dict[str, Any]:
    """One-vs-rest ROC and PR per label (keyed by the label as text), top-label calibration."""
    per_label = {
        str(lab): binary_curves((y == c).astype(np.int8), proba[:, c])
        for c, lab in enumerate(labels)
    }
    top = np.argmax(proba, axis=1)
    return {
        "calibration": calibration(proba[np.arange(y.size), top], top == y),
        "roc": {k: v["roc"] for k, v in per_label.items() if "roc" in v},
        "pr": {k: v["pr"] for k, v in per_label.items() if "pr" in v},
    }
