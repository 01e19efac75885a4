"""Evaluation with uncertainty: metrics, intervals, groups, verdicts, limitations.

The pure computation behind the EU AI Act Annex IV(3) accuracy reporting (overall
and per group of persons) and Art. 9(8) testing against prior defined metrics and
probabilistic thresholds. No storage, no I/O.

Example:
    >>> import numpy as np
    >>> r = evaluate_predictions(np.array([0, 1] * 50), y_pred=np.array([0, 1] * 50),
    ...                          n_resamples=100)
    >>> r.metrics["accuracy"]["value"]
    1.0
"""

from __future__ import annotations

from trackrecord.evaluation.criteria import METRICS, OPERATORS, TASKS, Criterion
from trackrecord.evaluation.evaluate import evaluate_predictions
from trackrecord.evaluation.result import EvaluationResult

__all__ = [
    "METRICS",
    "OPERATORS",
    "TASKS",
    "Criterion",
    "EvaluationResult",
    "evaluate_predictions",
]
