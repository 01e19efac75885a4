"""The result of an evaluation: JSON-ready, round-trips through :meth:`to_dict`.

Shape of :meth:`EvaluationResult.to_dict` (values are ``None``, never NaN/inf)::

    {"format": "trackrecord-evaluation-v1", "task": "binary", "n": 569, "seed": 0,
     "n_resamples": 1000, "confidence": 0.95, "labels": [0, 1], "positive_label": 1,
     "metrics": {"accuracy": {"value": 0.95, "low": 0.93, "high": 0.97}, ...},
     "methods": {"accuracy": {"method": "wilson", "level": 0.95}, ...,
                 "groups": {...the same for group cells...}},
     "confusion_matrix": [[200, 12], [9, 348]],
     "groups": {"sex": [{"group": "sex=F", "level": "sex", "values": {"sex": "F"},
                         "n": 300, "metrics": {...}, "confusion_matrix": [...],
                         "small": false, "small_reasons": []}, ...],
                "sex & age": [...]},
     "worst": {"accuracy": [{"group": ..., "level": ..., "n": ..., "small": ...,
                             "value": ..., "low": ..., "high": ...}, ...], ...},
     "verdicts": [{"criterion": {...}, "scope": "overall" | "combined" | "group",
                   "group": "sex=F" | None, "n": ..., "value": ..., "low": ...,
                   "high": ..., "level": 0.95, "outcome": "pass"}, ...],
     "curves": {"roc": {"fpr": [...], "tpr": [...], "threshold": [...]},
                "pr": {"recall": [...], "precision": [...], "threshold": [...]},
                "calibration": {"bin_edges": [...], "mean_predicted": [...],
                                "fraction_positive": [...], "count": [...]}},
     "limitations": [{"kind": "worst_group", ..., "text": "..."}, ...],
     "warnings": ["..."]}

Example:
    >>> r = EvaluationResult(task="regression", n=3, seed=0, n_resamples=10, confidence=0.95)
    >>> EvaluationResult.from_dict(r.to_dict()) == r
    True
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Final

from trackrecord.errors import InvalidValueError
from trackrecord.values import json_ready

__all__ = ["FORMAT", "EvaluationResult", "json_ready"]


FORMAT: Final = "trackrecord-evaluation-v1"


@dataclass(frozen=True)
class EvaluationResult:
    """Metrics with intervals overall and per group, verdicts, curves and limitations.

    Built by :func:`~trackrecord.evaluation.evaluate_predictions`; the module
    docstring shows the JSON shape. Every field is JSON-ready.
    """

    task: str
    n: int
    seed: int
    n_resamples: int
    confidence: float
    labels: list[Any] | None = None
    positive_label: Any = None
    metrics: dict[str, dict[str, float | None]] = field(default_factory=dict)
    methods: dict[str, Any] = field(default_factory=dict)
    confusion_matrix: list[list[int]] | None = None
    groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    worst: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    curves: dict[str, Any] = field(default_factory=dict)
    limitations: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The result as a JSON-ready dict (``json.dumps(..., allow_nan=False)`` works)."""
        out: dict[str, Any] = {"format": FORMAT}
        for f in fields(self):
            out[f.name] = json_ready(getattr(self, f.name))
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EvaluationResult:
        """Rebuild a result from :meth:`to_dict` output.

        Raises:
            InvalidValueError: when *d* is not an evaluation of this format.
        """
        if not isinstance(d, Mapping) or d.get("format") != FORMAT:
            found = d.get("format") if isinstance(d, Mapping) else type(d).__name__
            raise InvalidValueError(
                f"not a TrackRecord evaluation (format {found!r}); pass the dict made by "
                f"EvaluationResult.to_dict(), whose format is {FORMAT!r}"
            )
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - names - {"format"})
        missing = sorted(
            k for k in ("task", "n", "seed", "n_resamples", "confidence") if k not in d
        )
        if unknown or missing:
            raise InvalidValueError(
                f"bad evaluation dict: unknown keys {unknown}, missing keys {missing}; "
                "pass the dict made by EvaluationResult.to_dict() unchanged"
            )
        return cls(**{k: copy.deepcopy(v) for k, v in d.items() if k in names})

    def verdict_summary(self) -> dict[str, int]:
        """Counts of ``pass``/``fail``/``inconclusive`` over criteria (combined verdicts)."""
        out = {"pass": 0, "fail": 0, "inconclusive": 0}
        for v in self.verdicts:
            if v["scope"] != "group":
                out[v["outcome"]] += 1
        return out
