"""Acceptance criteria defined before testing (EU AI Act Art. 9(8)).

A :class:`Criterion` says which metric must be on which side of a threshold, at
which confidence, and optionally in every group of a group column. Its verdict
(see :mod:`trackrecord.evaluation.verdicts`) uses the metric's confidence interval,
not only its point value, so a criterion is a probabilistic threshold.

Example:
    >>> c = Criterion("recall", ">=", 0.8, group="sex")
    >>> Criterion.from_dict(c.to_dict()) == c
    True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from trackrecord.errors import InvalidValueError

__all__ = [
    "HIGHER_IS_BETTER",
    "METRICS",
    "OPERATORS",
    "SCORE_METRICS",
    "TASKS",
    "Criterion",
    "check_metric",
]

_CLASSIFICATION: Final = (
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "f1",
    "roc_auc",
    "pr_auc",
    "log_loss",
    "brier",
    "ece",
)
METRICS: Final[dict[str, tuple[str, ...]]] = {
    "binary": _CLASSIFICATION,
    "multiclass": _CLASSIFICATION,
    "regression": ("mae", "rmse", "r2", "ae_p50", "ae_p90", "ae_p95", "ae_p99"),
}
"""Task -> the metric names it computes (score metrics only when scores are given)."""

TASKS: Final = tuple(METRICS)
SCORE_METRICS: Final = frozenset({"roc_auc", "pr_auc", "log_loss", "brier", "ece"})
"""Classification metrics that need ``y_score``."""

HIGHER_IS_BETTER: Final = frozenset(
    {"accuracy", "balanced_accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc", "r2"}
)
OPERATORS: Final = (">=", ">", "<=", "<")
_ALL_METRICS: Final = tuple(dict.fromkeys(m for ms in METRICS.values() for m in ms))
_FIELDS: Final = ("metric", "op", "threshold", "confidence", "group")


@dataclass(frozen=True)
class Criterion:
    """A metric that must be ``op threshold`` with confidence *confidence*.

    Args:
        metric: a name from :data:`METRICS`, such as ``"accuracy"`` or ``"rmse"``.
        op: one of ``">="``, ``">"``, ``"<="``, ``"<"``.
        threshold: a finite number.
        confidence: the level of the interval the verdict uses, 0.5 < c < 1.
        group: a group column (or an intersection of columns, ``"sex & age"``); the
            criterion must then hold in every group of it.

    Raises:
        InvalidValueError: on an unknown metric or operator, a threshold that is
            not a finite number, or a confidence outside (0.5, 1).

    Example:
        >>> Criterion("accuracy", ">=", 0.9).to_dict()["op"]
        '>='
    """

    metric: str
    op: str
    threshold: float
    confidence: float = 0.95
    group: str | None = None

    def __post_init__(self) -> None:
        if self.metric not in _ALL_METRICS:
            raise InvalidValueError(
                f"unknown metric {self.metric!r} in a criterion; use one of "
                f"{', '.join(_ALL_METRICS)}"
            )
        if self.op not in OPERATORS:
            raise InvalidValueError(
                f"unknown operator {self.op!r} in a criterion; use one of {', '.join(OPERATORS)}"
            )
        object.__setattr__(self, "threshold", _number(self.threshold, "threshold"))
        confidence = _number(self.confidence, "confidence")
        if not 0.5 < confidence < 1:
            raise InvalidValueError(
                f"criterion confidence must be between 0.5 and 1 (exclusive), got {confidence}; "
                "use e.g. 0.95"
            )
        object.__setattr__(self, "confidence", confidence)
        if self.group is not None and (not isinstance(self.group, str) or not self.group):
            raise InvalidValueError(
                f"criterion group must be a group column name or None, got {self.group!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        """The criterion as a JSON-ready dict (the keys of the constructor)."""
        return {name: getattr(self, name) for name in _FIELDS}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Criterion:
        """Rebuild a criterion from :meth:`to_dict` output.

        Raises:
            InvalidValueError: on a missing or unknown key, or a bad value.

        Example:
            >>> Criterion.from_dict({"metric": "rmse", "op": "<", "threshold": 3}).op
            '<'
        """
        if not isinstance(d, Mapping):
            raise InvalidValueError(f"a criterion must be a dict, got {type(d).__name__}")
        unknown = sorted(set(d) - set(_FIELDS))
        missing = [k for k in ("metric", "op", "threshold") if k not in d]
        if unknown or missing:
            raise InvalidValueError(
                f"bad criterion {dict(d)!r}: missing keys {missing}, unknown keys {unknown}; "
                f"allowed keys are {', '.join(_FIELDS)} (metric, op, threshold required)"
            )
        return cls(**{k: d[k] for k in _FIELDS if k in d})

    def describe(self) -> str:
        """A short human reading, e.g. ``'recall >= 0.8 in every sex group (95%)'``."""
        where = f" in every {self.group} group" if self.group else ""
        return f"{self.metric} {self.op} {self.threshold:g}{where} ({self.confidence:.0%})"


def check_metric(metric: str, task: str, available: Mapping[str, Any]) -> None:
    """Raise unless *metric* is computed for *task* (given what was *available*).

    Raises:
        InvalidValueError: listing the metrics of the task, or saying to pass y_score.
    """
    if metric not in METRICS[task]:
        raise InvalidValueError(
            f"metric {metric!r} is not computed for task {task!r}; "
            f"use one of {', '.join(METRICS[task])}"
        )
    if metric not in available:
        raise InvalidValueError(
            f"metric {metric!r} needs predicted probabilities; pass y_score= "
            f"(or use one of {', '.join(available)})"
        )


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise InvalidValueError(f"criterion {what} must be a number, got {value!r}") from None
    try:
        number = float(value)
    except OverflowError:  # an int past the range of a float
        number = math.inf
    if not math.isfinite(number):
        raise InvalidValueError(f"criterion {what} must be finite, got {value!r:.60}")
    return number
