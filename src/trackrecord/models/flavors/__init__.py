"""The flavors: one module per kind of model, each with ``save``, ``load`` and ``accepts``.

Every flavor module imports its machine-learning library only inside its
functions, so importing this package stays cheap.

Example::

    >>> sorted(FLAVOR_MODULES) == sorted(FLAVORS)
    True
"""

from __future__ import annotations

from trackrecord.models.flavors import directory, lightgbm, onnx, pytorch, sklearn, xgboost
from trackrecord.models.flavors._flavor import Flavor, FlavorResult

__all__ = ["DETECTION_ORDER", "FLAVORS", "FLAVOR_MODULES", "Flavor", "FlavorResult"]

FLAVOR_MODULES: dict[str, Flavor] = {
    sklearn.NAME: sklearn,
    pytorch.NAME: pytorch,
    onnx.NAME: onnx,
    xgboost.NAME: xgboost,
    lightgbm.NAME: lightgbm,
    directory.NAME: directory,
}

FLAVORS: tuple[str, ...] = tuple(FLAVOR_MODULES)

# XGBoost and LightGBM models are scikit-learn estimators too, so they are asked first.
DETECTION_ORDER: tuple[str, ...] = ("xgboost", "lightgbm", "pytorch", "onnx", "sklearn")
