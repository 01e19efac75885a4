"""The binned bootstrap of regression metrics, used when ``n x B`` is large.

Below :data:`EXACT_LIMIT` row-resamples (``n x B``) regression intervals come from
an exact index bootstrap. Above it, as for binary scores (see
:mod:`trackrecord.evaluation.binned`), a resample is a multinomial draw of ``n``
over fine bins, and the metrics follow from the resampled counts:

* MAE, RMSE and the quantiles of ``|error|``: bins at quantiles of ``|error|``
  (2^11 for the whole set, 2^7 in group cells; half of them equally spaced in
  probability, half log-spaced toward the largest error, for p95 and p99). MAE
  and RMSE are resampled counts x each bin's mean ``|e|`` / ``e²``; a quantile is
  read from the resampled cumulative counts, interpolated linearly between the
  bin's smallest and largest ``|e|``;
* R²: a second draw over joint bins of (``y`` quantile x ``e²`` quantile), 64 x 32
  (16 x 8 in group cells), giving resampled sums of ``e²``, ``y`` and ``y²``.
  Coarse bins hide how ``y`` varies inside a bin, which would make the interval
  too narrow, so each resampled bin sum also gets a normal term with the bin's
  within-bin covariance of (``e²``, ``y``, ``y²``) times its resampled count:
  drawing ``c`` rows from a bin adds exactly that variance to the sums.

Group cells draw once over the finest cells, as binary scores do; their
resolutions shrink when memory asks (:func:`~trackrecord.evaluation.binned.group_resolution`).
Every replicate is shifted by ``exact - binned`` on the original data, so the
interval is centred on the exact point value. Regression is not stratified.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = rng.normal(size=5000); pred = y + rng.normal(size=5000)
    >>> bins = error_bins(y, np.abs(pred - y), 256, (16, 8))
    >>> m = binned_regression(bins.abs_counts, bins.joint_counts, bins)
    >>> round(float(m["mae"]), 6) == round(float(np.mean(np.abs(pred - y))), 6)
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "EXACT_LIMIT",
    "JOINT",
    "RESOLUTION",
    "ErrorBins",
    "binned_regression",
    "error_bins",
]

EXACT_LIMIT: Final = 20_000_000
RESOLUTION: Final = 2048
JOINT: Final = (64, 32)
QUANTILES: Final = {"ae_p50": 0.5, "ae_p90": 0.9, "ae_p95": 0.95, "ae_p99": 0.99}
Array = NDArray[Any]


@dataclass(frozen=True)
class ErrorBins:
    """Per-row bins of ``|e|`` and of (y, e²), with per-bin means and ranges."""

    abs_index: NDArray[np.int64]
    abs_counts: NDArray[np.int64]
    abs_low: NDArray[np.float64]
    abs_high: NDArray[np.float64]
    abs_mean: NDArray[np.float64]
    sq_mean: NDArray[np.float64]
    joint_index: NDArray[np.int64]
    joint_counts: NDArray[np.int64]
    joint_sq: NDArray[np.float64]
    joint_y: NDArray[np.float64]
    joint_yy: NDArray[np.float64]
    joint_root: NDArray[np.float64]  # (bins, 3, 3): a square root of the within-bin covariance
    resolution: int


def _quantile_bins(
    values: Array, resolution: int, tail: bool = False
) -> tuple[NDArray[np.int64], int]:
    """Bins at quantiles; with *tail*, half of them log-spaced toward the maximum."""
    ordered = np.sort(values)
    probs = np.linspace(0, 1, (resolution // 2 if tail else resolution) + 1)[1:-1]
    if tail:
        probs = np.union1d(probs, 1 - np.geomspace(0.5, 1e-5, resolution // 2))
    at = (probs * (values.size - 1)).astype(np.int64)
    index = np.searchsorted(np.unique(ordered[at]), values, side="right")
    present = np.bincount(index) > 0
    return (np.cumsum(present) - 1)[index], int(present.sum())


def _means(index: Array, counts: Array, size: int, weights: Array) -> NDArray[np.float64]:
    return np.bincount(index, weights, size) / np.maximum(counts, 1)


def error_bins(y: Array, err: Array, resolution: int, joint: tuple[int, int]) -> ErrorBins:
    """Bin rows by ``|e|`` at *resolution* quantiles and jointly by (y, e²) at *joint*."""
    sq = err * err
    a_index, a_size = _quantile_bins(err, resolution, tail=True)
    a_counts = np.bincount(a_index, minlength=a_size)
    low = np.full(a_size, np.inf)
    np.minimum.at(low, a_index, err)
    high = np.zeros(a_size)
    np.maximum.at(high, a_index, err)
    y_index, _ = _quantile_bins(y, joint[0])
    e_index, e_size = _quantile_bins(sq, joint[1])
    key = y_index * e_size + e_index
    present = np.bincount(key) > 0
    j_index, j_size = (np.cumsum(present) - 1)[key], int(present.sum())
    j_counts = np.bincount(j_index, minlength=j_size)
    parts = np.stack([sq, y, y * y], axis=1)
    return ErrorBins(
        a_index,
        a_counts,
        low,
        high,
        _means(a_index, a_counts, a_size, err),
        _means(a_index, a_counts, a_size, sq),
        j_index,
        j_counts,
        _means(j_index, j_counts, j_size, sq),
        _means(j_index, j_counts, j_size, y),
        _means(j_index, j_counts, j_size, y * y),
        _within_root(j_index, j_counts, j_size, parts),
        resolution,
    )


def _within_root(index: Array, counts: Array, size: int, parts: Array) -> NDArray[np.float64]:
    """Per bin, a matrix ``L`` with ``L Lᵀ`` the covariance of *parts* inside the bin."""
    center = parts - (np.stack([_means(index, counts, size, p) for p in parts.T], 1))[index]
    cov = np.empty((size, 3, 3))
    for a in range(3):
        for b in range(a, 3):
            cov[:, a, b] = cov[:, b, a] = _means(index, counts, size, center[:, a] * center[:, b])
    values, vectors = np.linalg.eigh(cov)
    root: NDArray[np.float64] = vectors * np.sqrt(np.clip(values, 0, None))[:, None, :]
    return root


def _quantile(counts: Array, bins: ErrorBins, q: float) -> Array:
    cum = np.cumsum(counts, -1)
    n = cum[..., -1:]
    target = q * (n - 1)
    k = np.minimum((cum <= target).sum(-1, keepdims=True), counts.shape[-1] - 1)
    inside = np.take_along_axis(counts, k, -1)
    before = np.take_along_axis(cum, k, -1) - inside
    frac = np.clip((target - before + 0.5) / np.maximum(inside, 1), 0, 1)[..., 0]
    k = k[..., 0]
    value: Array = bins.abs_low[k] + frac * (bins.abs_high[k] - bins.abs_low[k])
    return value


def binned_regression(
    abs_counts: Array, joint_counts: Array, bins: ErrorBins, rng: np.random.Generator | None = None
) -> dict[str, Array]:
    """MAE, RMSE, R² and |e| quantiles from counts over the two binnings.

    With *rng* (for resamples), the joint sums get the within-bin normal term.
    """
    a = abs_counts.astype(np.float64)
    j = joint_counts.astype(np.float64)
    n = a.sum(-1)
    sse, sy, syy = j @ bins.joint_sq, j @ bins.joint_y, j @ bins.joint_yy
    if rng is not None:
        z = rng.standard_normal((*j.shape, 3)) * np.sqrt(j)[..., None]
        noise = np.einsum("...ki,kji->...j", z, bins.joint_root)
        sse, sy, syy = sse + noise[..., 0], sy + noise[..., 1], syy + noise[..., 2]
    sst = syy - sy * sy / n
    with np.errstate(divide="ignore", invalid="ignore"):
        out = {
            "mae": a @ bins.abs_mean / n,
            "rmse": np.sqrt(a @ bins.sq_mean / n),
            "r2": np.where(sst > 0, 1 - sse / sst, np.nan),
        }
    return out | {name: _quantile(a, bins, q) for name, q in QUANTILES.items()}
