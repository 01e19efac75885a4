"""Checking and encoding the inputs of :func:`evaluate_predictions`.

Classification labels become integer codes in ``labels`` order; group columns
become integer codes plus the string name of each value. Every check raises
:class:`~trackrecord.errors.InvalidValueError` saying what to fix.

Example:
    >>> p = prepare([0, 1, 1], y_pred=[0, 1, 0], y_score=None, task="binary",
    ...             groups=None, labels=None, positive_label=None)
    >>> p.labels, p.positive, p.y.tolist()
    ((0, 1), 1, [0, 1, 1])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from trackrecord.errors import InvalidValueError

__all__ = ["GroupColumn", "Prepared", "prepare"]

SUM_TOLERANCE: Final = 1e-5
MISSING: Final = "(missing)"


@dataclass(frozen=True)
class GroupColumn:
    """A group column as integer codes into ``names`` (the values as strings)."""

    codes: NDArray[np.int64]
    names: tuple[str, ...]


@dataclass(frozen=True)
class Prepared:
    """Checked inputs: codes or floats, scores in ``labels`` order, group columns."""

    task: str
    y: NDArray[Any]
    pred: NDArray[Any]
    score: NDArray[np.float64] | None
    labels: tuple[Any, ...]
    positive: int
    groups: dict[str, GroupColumn]
    notes: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return int(self.y.shape[0])


def prepare(
    y_true: Any,
    *,
    y_pred: Any,
    y_score: Any,
    task: str,
    groups: Mapping[str, Any] | Any | None,
    labels: Sequence[Any] | None,
    positive_label: Any,
) -> Prepared:
    """Check and encode the inputs (see :func:`evaluate_predictions`)."""
    if task not in ("binary", "multiclass", "regression"):
        raise InvalidValueError(
            f"unknown task {task!r}; use one of 'binary', 'multiclass', 'regression'"
        )
    y = _vector(y_true, "y_true")
    n = y.shape[0]
    if n == 0:
        raise InvalidValueError("y_true is empty; pass at least one prediction")
    _check_missing(y, "y_true")
    cols = _group_columns(groups, n)
    if task == "regression":
        return _regression(y, y_pred, y_score, cols)
    pred = None if y_pred is None else _vector(y_pred, "y_pred", n)
    if pred is None and y_score is None:
        raise InvalidValueError(f"task {task!r} needs y_pred=, y_score= or both; neither was given")
    if pred is not None:
        _check_missing(pred, "y_pred")
    return _classification(task, y, pred, y_score, cols, labels, positive_label)


def _vector(values: Any, name: str, n: int | None = None) -> NDArray[Any]:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise InvalidValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise InvalidValueError(
            f"{name} has {arr.shape[0]} values but y_true has {n}; pass one per row of y_true"
        )
    return arr


def _check_missing(arr: NDArray[Any], name: str) -> None:
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr)
    elif arr.dtype.kind == "O":
        bad = np.fromiter((v is None or v != v for v in arr), bool, arr.shape[0])
    else:
        return
    if bad.any():
        where = np.flatnonzero(bad)[:5].tolist()
        raise InvalidValueError(
            f"{name} has {int(bad.sum())} missing or non-finite values (first at rows {where}); "
            "drop those rows or fill them before evaluating"
        )


def _regression(
    y: NDArray[Any], y_pred: Any, y_score: Any, cols: dict[str, GroupColumn]
) -> Prepared:
    if y_pred is None:
        raise InvalidValueError("task 'regression' needs y_pred= (the predicted values)")
    if y_score is not None:
        raise InvalidValueError("task 'regression' takes no y_score; pass predictions as y_pred")
    pred = _vector(y_pred, "y_pred", y.shape[0])
    try:
        yf, pf = y.astype(np.float64), pred.astype(np.float64)
    except (TypeError, ValueError):
        raise InvalidValueError(
            "task 'regression' needs numeric y_true and y_pred; for class labels use "
            "task='binary' or 'multiclass'"
        ) from None
    _check_missing(yf, "y_true")
    _check_missing(pf, "y_pred")
    return Prepared("regression", yf, pf, None, (), -1, cols)


def _classification(
    task: str,
    y: NDArray[Any],
    pred: NDArray[Any] | None,
    y_score: Any,
    cols: dict[str, GroupColumn],
    labels: Sequence[Any] | None,
    positive_label: Any,
) -> Prepared:
    found = _unique(y) if pred is None else _unique(np.concatenate([_unique(y), _unique(pred)]))
    labs = tuple(_py(v) for v in (found if labels is None else labels))
    if len(set(labs)) != len(labs):
        raise InvalidValueError(f"labels must be distinct, got {list(labs)}")
    if task == "binary" and len(labs) != 2:
        raise InvalidValueError(
            f"task 'binary' needs exactly 2 labels, found {list(labs)}; pass labels=[negative, "
            "positive] (e.g. labels=[0, 1]) or use task='multiclass'"
        )
    if task == "multiclass" and len(labs) < 2:
        raise InvalidValueError(f"task 'multiclass' needs at least 2 labels, found {list(labs)}")
    y_codes = _encode(y, labs, "y_true")
    if task == "multiclass" and labels is not None:
        seen = np.bincount(y_codes, minlength=len(labs))
        absent = [lab for lab, count in zip(labs, seen, strict=True) if count == 0]
        if absent:
            raise InvalidValueError(
                f"labels {absent} do not occur in y_true, so macro averages would count them "
                "as 0; drop them from labels= or evaluate on data that has them"
            )
    positive = -1
    if task == "binary":
        pos = labs[-1] if positive_label is None else _py(positive_label)
        if pos not in labs:
            raise InvalidValueError(
                f"positive_label {pos!r} is not one of the labels {list(labs)}; pass one of them"
            )
        positive = labs.index(pos)
    score = None if y_score is None else _scores(y_score, task, len(labs), positive, y.shape[0])
    notes: list[str] = []
    if pred is None:
        assert score is not None
        if task == "binary":
            pred_codes = np.where(score >= 0.5, positive, 1 - positive).astype(np.int64)
            notes.append("y_pred was derived from y_score: positive when score >= 0.5")
        else:
            pred_codes = np.argmax(score, axis=1).astype(np.int64)
            notes.append("y_pred was derived from y_score: the label of the highest probability")
    else:
        pred_codes = _encode(pred, labs, "y_pred")
    return Prepared(task, y_codes, pred_codes, score, labs, positive, cols, notes)


def _small_ints(arr: NDArray[Any]) -> tuple[NDArray[Any], NDArray[np.int64]] | None:
    """unique and inverse of an integer array of small range, by counting (no sort)."""
    if arr.dtype.kind not in "iub" or arr.size == 0:
        return None
    low, high = int(arr.min()), int(arr.max())
    if high - low > 4 * arr.size + 1024:
        return None
    shifted = arr.astype(np.int64) - low
    present = np.bincount(shifted) > 0
    uniq = (np.flatnonzero(present) + low).astype(arr.dtype)
    return uniq, (np.cumsum(present) - 1)[shifted]


def _unique_inverse(arr: NDArray[Any]) -> tuple[NDArray[Any], NDArray[np.int64]]:
    fast = _small_ints(arr)
    if fast is not None:
        return fast
    uniq, inverse = np.unique(arr, return_inverse=True)
    return uniq, inverse.reshape(-1).astype(np.int64)


def _unique(arr: NDArray[Any]) -> NDArray[Any]:
    fast = _small_ints(arr)
    if fast is not None:
        return fast[0]
    try:
        return np.unique(arr)
    except TypeError:
        raise InvalidValueError(
            "labels of mixed types cannot be ordered; pass labels= in the order you want"
        ) from None


def _py(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _encode(arr: NDArray[Any], labels: tuple[Any, ...], name: str) -> NDArray[np.int64]:
    uniq, inverse = _unique_inverse(arr)
    index = {v: i for i, v in enumerate(labels)}
    mapped = [index.get(_py(u), -1) for u in uniq]
    unknown = [_py(u) for u, m in zip(uniq, mapped, strict=True) if m < 0]
    if unknown:
        raise InvalidValueError(
            f"{name} has values {unknown[:10]} that are not in labels {list(labels)}; "
            "add them to labels= or drop those rows"
        )
    return np.asarray(mapped, dtype=np.int64)[inverse]


def _scores(y_score: Any, task: str, k: int, positive: int, n: int) -> NDArray[np.float64]:
    try:
        s = np.asarray(y_score, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidValueError("y_score must be numeric probabilities") from None
    if s.shape[0:1] != (n,):
        raise InvalidValueError(
            f"y_score has {s.shape[0] if s.ndim else 0} rows but y_true has {n}; pass one per row"
        )
    if task == "binary":
        if s.ndim == 2 and s.shape[1] == 2:
            _check_rows(s)
            s = s[:, positive]
        elif s.ndim != 1:
            raise InvalidValueError(
                f"binary y_score must be the probability of the positive label (shape (n,)) or "
                f"2 columns in labels order (shape (n, 2)), got shape {s.shape}"
            )
    elif s.ndim != 2 or s.shape[1] != k:
        raise InvalidValueError(
            f"multiclass y_score must have shape (n, {k}): one probability per label in "
            f"labels order, got shape {s.shape}"
        )
    _check_probabilities(s)
    if s.ndim == 2:
        _check_rows(s)
    return np.ascontiguousarray(s)


def _check_probabilities(s: NDArray[np.float64]) -> None:
    bad = ~np.isfinite(s) | (s < 0) | (s > 1)
    if bad.any():
        rows = np.flatnonzero(bad.reshape(s.shape[0], -1).any(axis=1))
        raise InvalidValueError(
            f"y_score must hold probabilities in [0, 1]; {rows.size} rows do not (first at rows "
            f"{rows[:5].tolist()}); apply a sigmoid/softmax or calibrate the scores first"
        )


def _check_rows(s: NDArray[np.float64]) -> None:
    off = np.abs(s.sum(axis=1) - 1.0) > SUM_TOLERANCE
    if off.any():
        rows = np.flatnonzero(off)
        raise InvalidValueError(
            f"each row of y_score must sum to 1 (within {SUM_TOLERANCE}); {rows.size} rows do "
            f"not (first at rows {rows[:5].tolist()}); apply softmax or divide by the row sum"
        )


def _group_columns(groups: Mapping[str, Any] | Any | None, n: int) -> dict[str, GroupColumn]:
    if groups is None:
        return {}
    if hasattr(groups, "columns") and hasattr(groups, "__getitem__"):
        items = [(str(c), groups[c].to_numpy()) for c in groups.columns]
    elif isinstance(groups, Mapping):
        items = [(str(c), v) for c, v in groups.items()]
    else:
        raise InvalidValueError(
            f"groups must be a dict of column -> values or a pandas DataFrame, "
            f"got {type(groups).__name__}"
        )
    out: dict[str, GroupColumn] = {}
    for name, values in items:
        if "&" in name or "=" in name:
            raise InvalidValueError(f"group column {name!r} may not contain '&' or '='; rename it")
        out[name] = _group_column(name, np.asarray(values), n)
    return out


def _group_column(name: str, arr: NDArray[Any], n: int) -> GroupColumn:
    if arr.ndim != 1 or arr.shape[0] != n:
        raise InvalidValueError(
            f"group column {name!r} has shape {arr.shape} but y_true has {n} rows; "
            "pass one value per row"
        )
    if arr.dtype.kind == "O":
        arr = np.array([MISSING if v is None or v != v else str(v) for v in arr], dtype=object)
    uniq, inverse = _unique_inverse(arr)
    names = tuple(MISSING if isinstance(u, float) and u != u else str(_py(u)) for u in uniq)
    return GroupColumn(inverse, names)
