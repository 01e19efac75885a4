"""The binned, stratified bootstrap of binary score metrics.

Resampling the ``n_c`` items of true class ``c`` with replacement only changes how
many items fall in each cell of any partition of them. Binning the positive-class
score finely makes each resample a multinomial draw of ``n_c`` over the bins of
class ``c`` — ``B x bins`` draws instead of ``B x n`` index draws — and ROC AUC,
average precision, log loss, Brier score and ECE of a resample follow from its
per-(class, bin) counts:

* bins: quantiles of the pooled scores at ``resolution`` (2^11 for the whole set),
  split further at the ECE bin edges, so each bin lies in one ECE bin and equal
  scores share a bin (ties stay ties);
* AUC: ``Σ_k pos_k (neg below k + neg_k / 2) / (P N)``; AP: precision at each bin
  boundary, descending, weighted by ``pos_k / P``; log loss, Brier, ECE: resampled
  counts x the mean loss / score of each (class, bin);
* binning moves AUC and AP slightly (items in a bin count as tied), so each
  replicate is shifted by ``exact - binned`` on the original data: the interval is
  centred on the exact point estimate, which is computed on the raw data.

Group cells use one draw for all levels: every cell of the finest partition (the
intersection of all group columns) is resampled within each true class, at a
coarser resolution (2^7, less when memory asks; with the centring below its
intervals agree with an exact bootstrap within Monte Carlo noise), and the replicates of a
coarser cell (one column, or two) are sums of its finest cells' replicates. That
is a bootstrap stratified by (finest cell, true class): valid, and it keeps the
finer group composition fixed.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 2000); s = np.clip(y * 0.3 + rng.random(2000) * 0.7, 0, 1)
    >>> bins = score_bins(y, s, np.sort(s), 256)
    >>> m = binned_metrics(bins.counts[0], bins.counts[1], bins)
    >>> 0.6 < float(m["roc_auc"]) < 1
    True
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from trackrecord.evaluation.groups import Partition
from trackrecord.evaluation.intervals import stream
from trackrecord.evaluation.metrics import ECE_BINS, auc_ap, ece_bin

__all__ = [
    "GROUP_RESOLUTION",
    "RESOLUTION",
    "ScoreBins",
    "binned_metrics",
    "cell_draws",
    "draw_counts",
    "group_resolution",
    "score_bins",
]

RESOLUTION: Final = 2048
GROUP_RESOLUTION: Final = 128
MEMORY_BUDGET: Final = 48_000_000  # resampled counts held at once for group cells
Array = NDArray[Any]


@dataclass(frozen=True)
class ScoreBins:
    """Per-item bin (ascending score), per-(class, bin) counts and mean losses."""

    index: NDArray[np.int64]
    size: int
    resolution: int
    ece_starts: NDArray[np.int64]
    counts: NDArray[np.int64]  # (2, size)
    mean_score: NDArray[np.float64]  # (2, size)
    mean_brier: NDArray[np.float64]
    mean_log_loss: NDArray[np.float64]


def score_bins(y01: Array, score: Array, ascending: Array, resolution: int) -> ScoreBins:
    """Bin *score* at *resolution* quantiles (of the sorted *ascending*) and ECE edges."""
    n = ascending.size
    cut = np.unique(ascending[np.linspace(0, n - 1, resolution + 1)[1:-1].astype(np.int64)])
    width = cut.size + 1
    key = ece_bin(score) * width + np.searchsorted(cut, score, side="right")
    present = np.bincount(key, minlength=ECE_BINS * width) > 0
    index = (np.cumsum(present) - 1)[key]
    size = int(present.sum())
    ece_of_bin = np.flatnonzero(present) // width
    starts = np.flatnonzero(np.diff(ece_of_bin, prepend=-1))
    flat = y01.astype(np.int64) * size + index
    counts = np.bincount(flat, minlength=2 * size).reshape(2, size)
    eps = np.finfo(np.float64).eps
    p_true = np.clip(np.where(y01 == 1, score, 1 - score), eps, 1 - eps)

    def mean(weights: Array) -> NDArray[np.float64]:
        sums = np.bincount(flat, weights, minlength=2 * size).reshape(2, size)
        return np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)

    return ScoreBins(
        index,
        size,
        resolution,
        starts,
        counts,
        mean(score),
        mean((score - y01) ** 2),
        mean(-np.log(p_true)),
    )


def binned_metrics(neg: Array, pos: Array, bins: ScoreBins) -> dict[str, Array]:
    """AUC, AP, log loss, Brier and ECE from counts shaped ``(..., bins.size)``."""
    neg, pos = neg.astype(np.float64), pos.astype(np.float64)
    n = pos.sum(-1) + neg.sum(-1)
    auc, ap = auc_ap(pos, neg)
    gap = neg * bins.mean_score[0] + pos * (bins.mean_score[1] - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "roc_auc": auc,
            "pr_auc": ap,
            "log_loss": (neg @ bins.mean_log_loss[0] + pos @ bins.mean_log_loss[1]) / n,
            "brier": (neg @ bins.mean_brier[0] + pos @ bins.mean_brier[1]) / n,
            "ece": np.abs(np.add.reduceat(gap, bins.ece_starts, axis=-1)).sum(-1) / n,
        }


def group_resolution(finest_cells: int, n_resamples: int) -> int:
    """The bin resolution for group cells that keeps their draws within memory."""
    fit = MEMORY_BUDGET // max(1, finest_cells * 2 * n_resamples) - ECE_BINS
    res = GROUP_RESOLUTION
    while res > 16 and res > fit:
        res //= 2
    return res


def cell_draws(
    part: Partition,
    stratum: Array,
    index: Array,
    shape: tuple[int, int],
    n_resamples: int,
    seed: int,
    tag: int,
) -> Iterator[tuple[list[Array], list[Array]]]:
    """Per group level: each cell's counts ``(strata, bins)`` and resampled counts.

    *stratum* and *index* give each row's stratum and bin; *shape* is (strata, bins).
    One draw over the finest cells serves every level (see the module docstring).
    """
    strata, size = shape
    flat = (part.finest_of_item * strata + stratum) * size + index
    counts = np.bincount(flat, minlength=part.n_finest * strata * size)
    counts = counts.reshape(part.n_finest, strata, size)
    finest = draw_counts(counts, n_resamples, seed, tag)
    for level in part.levels[1:]:
        yield (
            [counts[ids].sum(0) for ids in level.finest],
            [finest[ids].sum(0, dtype=np.int32) for ids in level.finest],
        )


def draw_counts(counts: NDArray[np.int64], n_resamples: int, seed: int, tag: int) -> Array:
    """Resampled counts ``(cells, strata, B, bins)``: a multinomial per (cell, stratum).

    Draws run on a thread pool (numpy releases the GIL); each (cell, class) has its
    own generator keyed by (seed, tag, cell, class), so results do not depend on it.
    """
    cells, strata, size = counts.shape
    dtype = np.uint16 if counts.sum(-1).max(initial=0) < 65535 else np.int32
    out = np.zeros((cells, strata, n_resamples, size), dtype=dtype)

    def one(job: tuple[int, int]) -> None:
        f, c = job
        row = counts[f, c]
        total = int(row.sum())
        if total:
            nz = np.flatnonzero(row)
            rng = stream(seed, tag, f, c)
            out[f, c][:, nz] = rng.multinomial(total, row[nz] / total, size=n_resamples)

    jobs = [(f, c) for f in range(cells) for c in range(strata)]
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers > 1 and counts.sum() * n_resamples > 1_000_000:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(one, jobs))
    else:
        for job in jobs:
            one(job)
    return out
