"""Confidence intervals: Wilson for proportions, percentile bootstrap for the rest.

* **Wilson** (``method: "wilson"``): accuracy (correct / n), and in binary tasks
  precision (TP / predicted positive) and recall (TP / actual positive), each with
  its own denominator. Score interval without continuity correction.
* **Exact count bootstrap** (``"bootstrap-stratified"``): resampling ``n_c`` items of
  true class ``c`` with replacement is a multinomial draw of ``n_c`` over that row of
  the confusion matrix, so balanced accuracy, F1 (and macro precision/recall) are
  bootstrapped exactly from ``B`` multinomial draws per class, never per item.
* **Index bootstrap** (``"bootstrap-stratified"`` / ``"bootstrap"``): resampled row
  indices, stratified by true class (classification) or not (regression); used for
  multiclass score metrics and regression metrics. Costs O(n·B).
* **Binned bootstrap** (``"bootstrap-stratified-binned"``): see
  :mod:`trackrecord.evaluation.binned`.

Every bootstrap interval is a percentile interval of the replicates; an
:class:`Estimate` keeps them so a verdict can ask for another level.

Example:
    >>> lo, hi = wilson(90, 100, 0.95)
    >>> round(lo, 4), round(hi, 4)
    (0.8256, 0.9448)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "Estimate",
    "as_float",
    "index_bootstrap",
    "percentile",
    "resample_confusion",
    "stratified_indices",
    "stream",
    "wilson",
]

Interval = tuple[float | None, float | None]
CHUNK_ITEMS: Final = 4_000_000


def wilson(successes: int, trials: int, level: float) -> Interval:
    """The Wilson score interval of ``successes / trials`` at *level*; (None, None) if n = 0."""
    if trials <= 0:
        return None, None
    z = NormalDist().inv_cdf(0.5 + level / 2)
    p, z2 = successes / trials, z * z / trials
    center = (p + z2 / 2) / (1 + z2)
    half = z / (1 + z2) * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials))
    low = 0.0 if successes == 0 else max(0.0, center - half)  # exact ends, not 1e-17 off
    return low, 1.0 if successes == trials else min(1.0, center + half)


def percentile(replicates: NDArray[np.float64], level: float) -> Interval:
    """The percentile interval of the finite *replicates* at *level*."""
    finite = replicates[np.isfinite(replicates)]
    if finite.size == 0:
        return None, None
    lo, hi = np.quantile(finite, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


@dataclass(frozen=True)
class Estimate:
    """A point value with what is needed for its interval at any level.

    Example:
        >>> Estimate(0.9, "wilson", successes=90, trials=100).interval(0.9)[0] > 0.83
        True
    """

    value: float | None
    method: str
    successes: int = 0
    trials: int = 0
    replicates: NDArray[np.float64] | None = None

    def interval(self, level: float) -> Interval:
        if self.value is None:
            return None, None
        if self.method == "wilson":
            return wilson(self.successes, self.trials, level)
        assert self.replicates is not None
        return percentile(self.replicates, level)


def stream(seed: int, *key: int) -> np.random.Generator:
    """An independent generator for one purpose: the same (seed, key) gives the same draws."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def resample_confusion(
    cm: NDArray[np.int64], n_resamples: int, rng: np.random.Generator
) -> NDArray[np.int64]:
    """``n_resamples`` confusion matrices, each row resampled by a multinomial draw."""
    k = cm.shape[0]
    out = np.zeros((n_resamples, k, k), dtype=np.int64)
    for c in range(k):
        n_c = int(cm[c].sum())
        if n_c:
            out[:, c, :] = rng.multinomial(n_c, cm[c] / n_c, size=n_resamples)
    return out


def stratified_indices(
    strata: NDArray[np.int64] | None, n: int, n_resamples: int, rng: np.random.Generator
) -> Iterator[NDArray[np.int64]]:
    """Chunks of resampled row indices (shape ``(m, n)``), stratum sizes kept fixed."""
    members = [np.arange(n)] if strata is None else _members(strata)
    per_chunk = max(1, CHUNK_ITEMS // max(n, 1))
    for start in range(0, n_resamples, per_chunk):
        m = min(per_chunk, n_resamples - start)
        parts = [idx[rng.integers(0, idx.size, (m, idx.size))] for idx in members]
        yield np.concatenate(parts, axis=1)


def _members(strata: NDArray[np.int64]) -> list[NDArray[np.int64]]:
    order = np.argsort(strata, kind="stable")
    bounds = np.flatnonzero(np.diff(strata[order])) + 1
    return [part for part in np.split(order, bounds) if part.size]


def index_bootstrap(
    statistic: Callable[[NDArray[np.int64]], dict[str, NDArray[np.float64]]],
    strata: NDArray[np.int64] | None,
    n: int,
    n_resamples: int,
    rng: np.random.Generator,
) -> dict[str, NDArray[np.float64]]:
    """Replicates of *statistic* (indices ``(m, n)`` -> ``{name: (m,)}``) over resamples."""
    parts: dict[str, list[NDArray[np.float64]]] = {}
    for idx in stratified_indices(strata, n, n_resamples, rng):
        for name, values in statistic(idx).items():
            parts.setdefault(name, []).append(np.asarray(values, dtype=np.float64))
    return {name: np.concatenate(v) for name, v in parts.items()}


def as_float(value: Any) -> float | None:
    """A finite Python float, or None for NaN/inf/None."""
    if value is None:
        return None
    f = float(value)
    return f if math.isfinite(f) else None
