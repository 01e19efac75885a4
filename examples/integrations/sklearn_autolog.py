"""scikit-learn autologging: a grid search over a pipeline on the iris data, recorded.

Run it with ``python examples/integrations/sklearn_autolog.py``; it prints the run id.
"""

from __future__ import annotations

import os

from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import trackrecord
from trackrecord.integrations import sklearn as tr_sklearn


def main(store: str | os.PathLike[str] | None = None) -> str:
    """Train and record one run in *store* (default: TRACKRECORD_DIR); return its id."""
    tr_sklearn.autolog()
    X, y = load_iris(return_X_y=True, as_frame=True)
    pipeline = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=500))])
    search = GridSearchCV(pipeline, {"clf__C": [0.1, 1.0, 10.0]}, cv=3)
    with trackrecord.init("iris", name="grid-search", dir=store) as run:
        search.fit(X, y)  # logs params, best.clf.C, best_score, cv_results, model, dataset
    print(f"run {run.id}: best {search.best_params_} score {search.best_score_:.3f}")
    return run.id


if __name__ == "__main__":
    main()
