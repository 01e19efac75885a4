"""An Optuna study recorded by TrackRecord: one child run per trial, the best on the study run.

Tunes a ridge regression on the diabetes data. Run it with
``python examples/integrations/optuna_study.py``; it prints the study run's id.
"""

from __future__ import annotations

import os

import optuna
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.model_selection import cross_val_score

import trackrecord
from trackrecord.integrations.optuna import TrackRecordCallback


def main(store: str | os.PathLike[str] | None = None, trials: int = 8) -> str:
    """Run the study, recorded in *store* (default: TRACKRECORD_DIR); return the study run's id."""
    X, y = load_diabetes(return_X_y=True)

    def objective(trial: optuna.Trial) -> float:
        alpha = trial.suggest_float("alpha", 1e-3, 10.0, log=True)
        return float(cross_val_score(Ridge(alpha=alpha), X, y, cv=3, scoring="r2").mean())

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=0))
    with trackrecord.init("diabetes", name="ridge-study", dir=store) as run:
        study.optimize(objective, n_trials=trials, callbacks=[TrackRecordCallback()])
        run.log_model(Ridge(alpha=study.best_params["alpha"]).fit(X, y), "model")
    print(f"run {run.id}: best alpha {study.best_params['alpha']:.4f} r2 {study.best_value:.3f}")
    return run.id


if __name__ == "__main__":
    main()
