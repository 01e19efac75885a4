"""XGBoost with TrackRecordCallback: per-iteration metrics, early stopping, the model.

Run it with ``python examples/integrations/xgboost_callback.py``; it prints the run id.
"""

from __future__ import annotations

import os

import xgboost
from sklearn.datasets import load_breast_cancer

import trackrecord
from trackrecord.integrations.xgboost import TrackRecordCallback


def main(store: str | os.PathLike[str] | None = None) -> str:
    """Train and record one run in *store* (default: TRACKRECORD_DIR); return its id."""
    X, y = load_breast_cancer(return_X_y=True)
    train = xgboost.DMatrix(X[:450], label=y[:450])
    valid = xgboost.DMatrix(X[450:], label=y[450:])
    params = {"objective": "binary:logistic", "max_depth": 3, "eta": 0.2,
              "eval_metric": ["logloss", "auc"]}  # fmt: skip
    with trackrecord.init("breast-cancer", name="xgboost", dir=store) as run:
        booster = xgboost.train(
            params, train, num_boost_round=100, evals=[(train, "train"), (valid, "valid")],
            early_stopping_rounds=10, verbose_eval=False, callbacks=[TrackRecordCallback()],
        )  # fmt: skip
    print(f"run {run.id}: best iteration {booster.best_iteration}")
    return run.id


if __name__ == "__main__":
    main()
