"""Point values and intervals of every metric, for every cell of a level.

One function per kind of metric; each returns, for each cell of a level, a dict
of metric name -> :class:`~trackrecord.evaluation.intervals.Estimate`. The methods
are described in :mod:`trackrecord.evaluation.intervals` and
:mod:`trackrecord.evaluation.binned`; each generator is keyed by (seed, purpose,
level, cell), so the same seed gives the same numbers.

Example:
    >>> import numpy as np
    >>> cm = np.array([[[40, 10], [5, 45]]])
    >>> est = count_estimates(cm, positive=1, n_resamples=200, seed=0, level=0)[0]
    >>> est["accuracy"].value, est["accuracy"].method, est["f1"].method
    (0.85, 'wilson', 'bootstrap-stratified')
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from trackrecord.evaluation.binned import (
    RESOLUTION,
    ScoreBins,
    binned_metrics,
    cell_draws,
    draw_counts,
    group_resolution,
    score_bins,
)
from trackrecord.evaluation.binned_errors import JOINT, ErrorBins, binned_regression, error_bins
from trackrecord.evaluation.binned_errors import RESOLUTION as ERROR_RESOLUTION
from trackrecord.evaluation.groups import Level, Partition
from trackrecord.evaluation.intervals import Estimate, index_bootstrap, resample_confusion, stream
from trackrecord.evaluation.metrics import (
    ECE_BINS,
    RankedScores,
    count_metrics,
    ece_bin,
    multiclass_score_metrics,
    regression_metrics,
)
from trackrecord.evaluation.multiclass import multiclass_replicates

__all__ = [
    "BinarySorted",
    "binary_score_estimates",
    "binned_regression_estimates",
    "count_estimates",
    "level_confusion",
    "multiclass_score_estimates",
    "regression_estimates",
]

Cells = list[dict[str, Estimate]]
Array = NDArray[Any]
COUNTS: Final = 1  # stream purposes
INDEX: Final = 2
BINNED_ALL: Final = 3
BINNED_GROUPS: Final = 4
ERRORS_ALL: Final = 5
ERRORS_GROUPS: Final = 6


def level_confusion(y: Array, pred: Array, k: int, level: Level) -> NDArray[np.int64]:
    """Confusion matrices ``(cells, k, k)`` of a level."""
    cells = len(level.values)
    flat = (level.cell_of_item * k + y) * k + pred
    return np.bincount(flat, minlength=cells * k * k).reshape(cells, k, k)


def count_estimates(
    cms: NDArray[np.int64], positive: int, n_resamples: int, seed: int, level: int
) -> Cells:
    """Accuracy (and binary precision/recall) by Wilson; the rest by count bootstrap."""
    out: Cells = []
    for i, cm in enumerate(cms):
        points = {k: float(v) for k, v in count_metrics(cm, positive).items()}
        drawn = resample_confusion(cm, n_resamples, stream(seed, COUNTS, level, i))
        reps = count_metrics(drawn, positive)
        cell = {k: Estimate(points[k], "bootstrap-stratified", replicates=reps[k]) for k in points}
        cell["accuracy"] = Estimate(points["accuracy"], "wilson", int(np.trace(cm)), int(cm.sum()))
        if positive >= 0:
            tp, predicted, actual = int(cm[positive, positive]), cm[:, positive], cm[positive]
            for name, den in (("precision", int(predicted.sum())), ("recall", int(actual.sum()))):
                cell[name] = Estimate(points[name] if den else None, "wilson", tp, den)
        out.append(cell)
    return out


class BinarySorted:
    """The rows sorted once by descending score, shared by every level."""

    def __init__(self, y01: Array, score: Array) -> None:
        self.y01, self.score = y01, score
        self.order = np.argsort(-score, kind="stable")
        self.ascending = score[self.order[::-1]]
        eps = np.finfo(np.float64).eps
        p_true = np.clip(np.where(y01 == 1, score, 1 - score), eps, 1 - eps)
        self.log_loss = -np.log(p_true)
        self.brier = (score - y01) ** 2
        self.ece_bin = ece_bin(score)
        self.ranked = _ranked(y01[self.order], score[self.order])

    def points(self, level: Level) -> list[dict[str, float | None]]:
        """Exact score metrics of each cell, from the one global sort."""
        cells = len(level.values)
        cell_sorted = level.cell_of_item[self.order]
        small = cell_sorted.astype(np.int16 if cells < 32768 else np.int32)  # radix sort
        grouped = self.order[np.argsort(small, kind="stable")]
        sizes = np.bincount(level.cell_of_item, minlength=cells)
        ll = np.bincount(level.cell_of_item, self.log_loss, cells) / sizes
        br = np.bincount(level.cell_of_item, self.brier, cells) / sizes
        flat = level.cell_of_item * ECE_BINS + self.ece_bin
        gap = np.bincount(flat, self.score - self.y01, cells * ECE_BINS).reshape(cells, -1)
        ece = np.abs(gap).sum(axis=1) / sizes
        out = []
        for i, (a, b) in enumerate(zip(np.cumsum(sizes) - sizes, np.cumsum(sizes), strict=True)):
            ranked = _ranked(self.y01[grouped[a:b]], self.score[grouped[a:b]])
            out.append(
                {
                    "roc_auc": ranked.roc_auc(),
                    "pr_auc": ranked.average_precision(),
                    "log_loss": float(ll[i]),
                    "brier": float(br[i]),
                    "ece": float(ece[i]),
                }
            )
        return out


def _ranked(y_desc: Array, s_desc: Array) -> RankedScores:
    last = np.flatnonzero(np.diff(s_desc, append=-np.inf) != 0)
    tps = np.cumsum(y_desc, dtype=np.float64)[last]
    return RankedScores(s_desc[last], tps, last + 1 - tps)


def binary_score_estimates(
    data: BinarySorted, part: Partition, n_resamples: int, seed: int
) -> tuple[list[Cells], dict[str, Any]]:
    """Exact points and binned-bootstrap replicates of score metrics, every level."""
    y01 = data.y01
    fine = score_bins(y01, data.score, data.ascending, RESOLUTION)
    draws = draw_counts(fine.counts[None], n_resamples, seed, BINNED_ALL)
    overall = _cells(data.points(part.levels[0]), [fine.counts], [draws[0]], fine)
    out = [overall]
    info = {"bins": fine.size, "resolution": RESOLUTION}
    if len(part.levels) > 1:
        res = group_resolution(part.n_finest, n_resamples)
        coarse = score_bins(y01, data.score, data.ascending, res)
        info |= {"group_bins": coarse.size, "group_resolution": res}
        shape = (2, coarse.size)
        per_level = cell_draws(part, y01, coarse.index, shape, n_resamples, seed, BINNED_GROUPS)
        for level, (sums, reps) in zip(part.levels[1:], per_level, strict=True):
            out.append(_cells(data.points(level), sums, reps, coarse))
    return out, info


def _cells(
    points: list[dict[str, float | None]],
    counts: list[NDArray[np.int64]],
    draws: list[Array],
    bins: ScoreBins,
) -> Cells:
    out: Cells = []
    for pt, cnt, drawn in zip(points, counts, draws, strict=True):
        at_data = binned_metrics(cnt[0], cnt[1], bins)
        reps = binned_metrics(drawn[0], drawn[1], bins)
        cell = {}
        for name, value in pt.items():
            shifted = reps[name] + (np.nan if value is None else value - float(at_data[name]))
            cell[name] = Estimate(value, "bootstrap-stratified-binned", replicates=shifted)
        out.append(cell)
    return out


def multiclass_score_estimates(
    y: Array, proba: Array, level: Level, index: int, n_resamples: int, seed: int
) -> Cells:
    """Exact points and stratified bootstrap replicates of multiclass score metrics."""
    out: Cells = []
    for i, rows in enumerate(_rows_by_cell(level)):
        yc, pc = y[rows], proba[rows]
        points = multiclass_score_metrics(yc, pc)
        reps = multiclass_replicates(yc, pc, n_resamples, stream(seed, INDEX, index, i))
        out.append(
            {k: Estimate(v, "bootstrap-stratified", replicates=reps[k]) for k, v in points.items()}
        )
    return out


def regression_estimates(
    y: Array, pred: Array, level: Level, index: int, n_resamples: int, seed: int
) -> Cells:
    """Exact points and index-bootstrap replicates of regression metrics."""
    out: Cells = []
    for i in range(len(level.values)):
        rows = np.flatnonzero(level.cell_of_item == i)
        yc, pc = y[rows], pred[rows]
        points = regression_metrics(yc, pc)

        def stat(idx: NDArray[np.int64], yc: Array = yc, pc: Array = pc) -> dict[str, Array]:
            return regression_metrics(yc[idx], pc[idx])

        reps = index_bootstrap(stat, None, rows.size, n_resamples, stream(seed, INDEX, index, i))
        out.append(
            {k: Estimate(_finite(v), "bootstrap", replicates=reps[k]) for k, v in points.items()}
        )
    return out


def _finite(value: Any) -> float | None:
    f = float(value)
    return f if np.isfinite(f) else None


def _rows_by_cell(level: Level) -> list[NDArray[np.int64]]:
    cells = len(level.values)
    keys = level.cell_of_item.astype(np.int16 if cells < 32768 else np.int32)
    order = np.argsort(keys, kind="stable")
    return np.split(order, np.cumsum(np.bincount(level.cell_of_item, minlength=cells))[:-1])


def binned_regression_estimates(
    y: Array, pred: Array, part: Partition, n_resamples: int, seed: int
) -> tuple[list[Cells], dict[str, Any]]:
    """Exact points and binned-bootstrap replicates of regression metrics, every level."""
    err = np.abs(pred - y)
    zeros = np.zeros(y.size, dtype=np.int64)
    fine = error_bins(y, err, ERROR_RESOLUTION, JOINT)
    a = draw_counts(fine.abs_counts[None, None], n_resamples, seed, ERRORS_ALL)[0, 0]
    j = draw_counts(fine.joint_counts[None, None], n_resamples, seed, ERRORS_ALL + 100)[0, 0]
    points = [regression_metrics(y, pred)]
    rng = stream(seed, ERRORS_ALL, 0)
    out = [_error_cells(points, [fine.abs_counts], [fine.joint_counts], [a], [j], fine, rng)]
    info = {"bins": int(fine.abs_counts.size), "resolution": ERROR_RESOLUTION}
    info["joint_bins"] = int(fine.joint_counts.size)
    if len(part.levels) > 1:
        res = group_resolution(part.n_finest, n_resamples)
        coarse = error_bins(y, err, res, (max(2, res // 8), 8))
        info |= {"group_bins": int(coarse.abs_counts.size), "group_resolution": res}
        info["group_joint_bins"] = int(coarse.joint_counts.size)
        sizes = (1, coarse.abs_counts.size), (1, coarse.joint_counts.size)
        abs_draws = cell_draws(
            part, zeros, coarse.abs_index, sizes[0], n_resamples, seed, ERRORS_GROUPS
        )
        joint_draws = cell_draws(
            part, zeros, coarse.joint_index, sizes[1], n_resamples, seed, ERRORS_GROUPS + 100
        )
        for level, (ac, ad), (jc, jd) in zip(part.levels[1:], abs_draws, joint_draws, strict=True):
            pts = [regression_metrics(y[r], pred[r]) for r in _rows_by_cell(level)]
            first = [x[0] for x in ac], [x[0] for x in jc], [x[0] for x in ad], [x[0] for x in jd]
            rng = stream(seed, ERRORS_GROUPS, len(out))
            out.append(_error_cells(pts, *first, coarse, rng))
    return out, info


def _error_cells(
    points: list[dict[str, Array]],
    abs_counts: list[Array],
    joint_counts: list[Array],
    abs_draws: list[Array],
    joint_draws: list[Array],
    bins: ErrorBins,
    rng: np.random.Generator,
) -> Cells:
    out: Cells = []
    for pt, ac, jc, ad, jd in zip(
        points, abs_counts, joint_counts, abs_draws, joint_draws, strict=True
    ):
        at_data = binned_regression(ac, jc, bins)
        reps = binned_regression(ad, jd, bins, rng)
        cell = {}
        for name, raw in pt.items():
            value = _finite(raw)
            shift = np.nan if value is None else value - float(at_data[name])
            cell[name] = Estimate(value, "bootstrap-binned", replicates=reps[name] + shift)
        out.append(cell)
    return out
