"""Real data sets and fitted models shared by the evaluation tests."""

from __future__ import annotations

from typing import Any

import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def _classifier(loader: Any, seed: int = 0) -> dict[str, Any]:
    x, y = loader(return_X_y=True)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.5, random_state=seed, stratify=y)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.05, max_iter=2000))
    model.fit(x_tr, y_tr)
    return {
        "y": y_te,
        "pred": model.predict(x_te),
        "proba": model.predict_proba(x_te),
        "labels": list(model.classes_),
        "x": x_te,
    }


@pytest.fixture(scope="session")
def cancer() -> dict[str, Any]:
    """Breast cancer (binary), a logistic regression's predictions on a held-out half."""
    return _classifier(load_breast_cancer)


@pytest.fixture(scope="session")
def iris() -> dict[str, Any]:
    return _classifier(load_iris)


@pytest.fixture(scope="session")
def wine() -> dict[str, Any]:
    return _classifier(load_wine)


@pytest.fixture(scope="session")
def diabetes() -> dict[str, Any]:
    x, y = load_diabetes(return_X_y=True)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.5, random_state=0)
    model = Ridge(alpha=0.1).fit(x_tr, y_tr)
    return {"y": y_te, "pred": model.predict(x_te), "x": x_te}
