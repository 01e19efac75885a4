"""Evaluation with intervals on 1,000,000 predictions: TrackRecord beside a naive bootstrap.

Data: 1M seeded binary predictions (positive-class probabilities) with three group
columns of 5, 4 and 3 values (60 intersection cells), a little worse in some groups.

Timed:

- TrackRecord ``evaluate_predictions(..., n_resamples=1000)``: every metric with an
  interval, overall and in all 119 group cells (3 columns, 3 pairs, 1 triple);
- the naive way: resample 1M row indices (stratified by true class) and call
  scikit-learn's metrics on each resample, for ``--naive`` resamples, extrapolated to
  1000 resamples for the whole set only, and to the group cells too (each of the 7
  group levels covers all rows again, so 8x the rows).

Usage: .venv/bin/python benchmarks/evaluation_bench.py [--rows 1000000] [--naive 3]
Prints both timings and the ratio.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from trackrecord.evaluation import Criterion, evaluate_predictions


def make_data(rows: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    region, age, device = (
        rng.integers(0, 5, rows),
        rng.integers(0, 4, rows),
        rng.integers(0, 3, rows),
    )
    y = (rng.random(rows) < 0.25 + 0.04 * region).astype(np.int64)
    z = rng.normal(size=rows) + (1.4 - 0.15 * age) * y - 0.8
    return {"y": y, "score": 1 / (1 + np.exp(-z)), "region": region, "age": age, "device": device}


def run_trackrecord(d: dict[str, np.ndarray], resamples: int, show: bool = True) -> float:
    start = time.perf_counter()
    result = evaluate_predictions(
        d["y"],
        y_score=d["score"],
        groups={"region": d["region"], "age": d["age"], "device": d["device"]},
        criteria=[Criterion("roc_auc", ">=", 0.75), Criterion("recall", ">=", 0.5, group="age")],
        n_resamples=resamples,
        seed=0,
    )
    elapsed = time.perf_counter() - start
    cells = sum(len(c) for c in result.groups.values())
    auc = result.metrics["roc_auc"]
    if show:
        print(
            f"  roc_auc {auc['value']:.4f} [{auc['low']:.4f}, {auc['high']:.4f}], "
            f"{cells} group cells, verdicts {result.verdict_summary()}"
        )
    return elapsed


def naive_resample(y: np.ndarray, score: np.ndarray, rng: np.random.Generator) -> None:
    from sklearn import metrics as skm

    idx = np.concatenate(
        [
            m[rng.integers(0, m.size, m.size)]
            for m in (np.flatnonzero(y == 0), np.flatnonzero(y == 1))
        ]
    )
    yt, s = y[idx], score[idx]
    pred = (s >= 0.5).astype(np.int64)
    skm.accuracy_score(yt, pred)
    skm.balanced_accuracy_score(yt, pred)
    skm.precision_recall_fscore_support(yt, pred, average="binary")
    skm.roc_auc_score(yt, s)
    skm.average_precision_score(yt, s)
    skm.log_loss(yt, s)
    skm.brier_score_loss(yt, s)


def run_naive(d: dict[str, np.ndarray], resamples: int) -> float:
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    for _ in range(resamples):
        naive_resample(d["y"], d["score"], rng)
    return (time.perf_counter() - start) / resamples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--naive", type=int, default=3, help="naive resamples actually timed")
    args = parser.parse_args()
    d = make_data(args.rows)
    print(
        f"{args.rows:,} binary predictions, 3 group columns (5 x 4 x 3), {args.resamples} resamples"
    )
    run_trackrecord(make_data(10_000), 50, show=False)  # warm up imports
    ours = run_trackrecord(d, args.resamples)
    per = run_naive(d, args.naive)
    whole, grouped = per * args.resamples, per * args.resamples * 8
    rows = [
        ("TrackRecord evaluate_predictions (all + 119 cells)", ours),
        ("naive index bootstrap + sklearn, whole set only", whole),
        ("naive, whole set + 119 group cells (8x the rows)", grouped),
    ]
    print(f"{'approach':<52}{'seconds':>10}{'÷ ours':>10}")
    for name, seconds in rows:
        print(f"{name:<52}{seconds:>10.2f}{seconds / ours:>10.1f}")
    print(f"(naive: {per:.3f} s per resample, timed over {args.naive}, extrapolated)")


if __name__ == "__main__":
    main()
