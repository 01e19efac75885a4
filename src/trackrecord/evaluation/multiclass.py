"""The exact, vectorised bootstrap of multiclass score metrics.

A resample of a cell is a vector of multiplicities ``w`` (how often each row was
drawn), stratified by true class: the ``n_t`` rows of class ``t`` get a uniform
multinomial draw of ``n_t``. Every metric is then a weighted sum over rows, so a
block of resamples is a few matrix products, with no per-resample Python loop:

* one-vs-rest ROC AUC and average precision of label ``c``: rows sorted by the
  probability of ``c`` and grouped by equal values (ties stay ties), weighted
  positive and negative counts per group, then the same formulas as the binned
  bootstrap with one group per distinct value, which makes them exact;
  the macro average over labels;
* log loss, Brier score: ``w @ loss / n``; top-label ECE: ``w @ gap-by-bin``.

Cost O(B x n x k) arithmetic in blocks of at most :data:`BLOCK` multiplicities:
fine for test sets of thousands of rows, slow for large ones (200,000 rows x 5
labels x 1000 resamples took about 80 s on a 2-core machine).

Example:
    >>> import numpy as np
    >>> y = np.array([0, 1, 2, 0, 1, 2]); p = np.eye(3)[[0, 1, 2, 0, 2, 1]] * 0.7 + 0.1
    >>> reps = multiclass_replicates(y, p, 50, np.random.default_rng(0))
    >>> sorted(reps), reps["log_loss"].shape
    (['brier', 'ece', 'log_loss', 'pr_auc', 'roc_auc'], (50,))
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from trackrecord.evaluation.metrics import ECE_BINS, auc_ap, ece_bin

__all__ = ["BLOCK", "multiclass_replicates"]

BLOCK: Final = 4_000_000
Array = NDArray[Any]


def _multiplicities(y: Array, n_resamples: int, rng: np.random.Generator) -> Array:
    """How often each row is drawn, per resample: ``n_t`` uniform draws within class t."""
    w = np.zeros((n_resamples, y.size))
    offsets = np.arange(n_resamples)[:, None]
    for t in np.unique(y):
        rows = np.flatnonzero(y == t)
        drawn = rng.integers(0, rows.size, (n_resamples, rows.size)) + offsets * rows.size
        counts = np.bincount(drawn.ravel(), minlength=n_resamples * rows.size)
        w[:, rows] = counts.reshape(n_resamples, rows.size)
    return w


def multiclass_replicates(
    y: Array, proba: Array, n_resamples: int, rng: np.random.Generator
) -> dict[str, NDArray[np.float64]]:
    """Bootstrap replicates of the multiclass score metrics of one cell (codes *y*)."""
    n, k = proba.shape
    onehot = np.eye(k)[y]
    eps = np.finfo(np.float64).eps
    loss = -np.log(np.clip(proba[np.arange(n), y], eps, 1 - eps))
    brier = ((proba - onehot) ** 2).sum(1)
    top = proba.argmax(1)
    conf = proba[np.arange(n), top]
    gaps = np.zeros((n, ECE_BINS))
    gaps[np.arange(n), ece_bin(conf)] = conf - (top == y)
    sorts = []
    for c in range(k):
        order = np.argsort(proba[:, c], kind="stable")
        starts = np.flatnonzero(np.diff(proba[order, c], prepend=-np.inf))
        sorts.append((order, starts, (y[order] == c).astype(np.float64)))
    parts: dict[str, list[Array]] = {}
    block = max(1, BLOCK // max(n, 1))
    for first in range(0, n_resamples, block):
        w = _multiplicities(y, min(block, n_resamples - first), rng)
        aucs, aps = [], []
        for order, starts, pos in sorts:
            ws = w[:, order]
            positive = np.add.reduceat(ws * pos, starts, 1)
            auc, ap = auc_ap(positive, np.add.reduceat(ws, starts, 1) - positive)
            aucs.append(auc)
            aps.append(ap)
        block_values = {
            "roc_auc": np.mean(aucs, axis=0),
            "pr_auc": np.mean(aps, axis=0),
            "log_loss": w @ loss / n,
            "brier": w @ brier / n,
            "ece": np.abs(w @ gaps).sum(1) / n,
        }
        for name, values in block_values.items():
            parts.setdefault(name, []).append(values)
    return {name: np.concatenate(v) for name, v in parts.items()}
