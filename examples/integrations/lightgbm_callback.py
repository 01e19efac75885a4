"""LightGBM with the TrackRecord callback: per-iteration metrics, early stopping, the model.

Run it with ``python examples/integrations/lightgbm_callback.py``; it prints the run id.
"""

from __future__ import annotations

import os

import lightgbm
from sklearn.datasets import load_breast_cancer

import trackrecord
from trackrecord.integrations.lightgbm import callback


def main(store: str | os.PathLike[str] | None = None) -> str:
    """Train and record one run in *store* (default: TRACKRECORD_DIR); return its id."""
    X, y = load_breast_cancer(return_X_y=True)
    train = lightgbm.Dataset(X[:450], label=y[:450])
    valid = lightgbm.Dataset(X[450:], label=y[450:], reference=train)
    params = {"objective": "binary", "num_leaves": 8, "learning_rate": 0.1,
              "metric": ["binary_logloss", "auc"], "verbose": -1}  # fmt: skip
    with trackrecord.init("breast-cancer", name="lightgbm", dir=store) as run:
        logger = callback()
        booster = lightgbm.train(
            params, train, num_boost_round=100, valid_sets=[valid], valid_names=["valid"],
            callbacks=[logger, lightgbm.early_stopping(10, verbose=False)],
        )  # fmt: skip
        logger.finish(booster)  # early stopping ends training before the last iteration
    print(f"run {run.id}: best iteration {booster.best_iteration}")
    return run.id


if __name__ == "__main__":
    main()
