"""LightGBM boosters and scikit-learn-API models, in LightGBM's text format.

Loading always returns a ``lightgbm.Booster``: LightGBM has no supported way
to rebuild an ``LGBMRegressor`` (or ``LGBMClassifier``) from a model file.
The booster predicts what ``LGBMRegressor.predict`` does; for a classifier,
``booster.predict`` gives class probabilities (``predict_proba``), so take
their ``argmax`` (or threshold at 0.5 for binary) to get labels. The saved
class is recorded as ``model_class``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from trackrecord.errors import InvalidValueError
from trackrecord.media._kinds import is_instance
from trackrecord.models.flavors._flavor import (
    FlavorResult,
    check_format,
    class_path,
    copy_file,
    require,
    run_example,
)
from trackrecord.models.signature import Signature, describe, make_signature, tensor_spec

if TYPE_CHECKING:
    from trackrecord.models.manifest import SavedModel

__all__ = ["FORMATS", "LOAD_OPTIONS", "NAME", "accepts", "load", "save"]

NAME: str = "lightgbm"
FORMATS: tuple[str, ...] = ("text",)
LOAD_OPTIONS: tuple[str, ...] = ()
FILE = "model.txt"


def accepts(model: object) -> bool:
    """A ``lightgbm.Booster`` or ``LGBMModel``, or (only with ``flavor="lightgbm"``) a path."""
    if isinstance(model, Path):
        return model.suffix.lower() == ".txt"
    return is_instance(model, "lightgbm.basic", "Booster") or is_instance(
        model, "lightgbm.sklearn", "LGBMModel"
    )


def save(
    model: Any, directory: Path, serialization: str | None, input_example: Any
) -> FlavorResult:
    """Write ``model.txt`` with the booster's ``save_model``."""
    check_format(NAME, FORMATS, serialization)
    if isinstance(model, Path):
        copy_file(model, directory, FILE)
        return FlavorResult(
            format="text", model_class="lightgbm.basic.Booster", packages=("lightgbm",)
        )
    booster = model if is_instance(model, "lightgbm.basic", "Booster") else _fitted_booster(model)
    booster.save_model(str(directory / FILE))
    return FlavorResult(
        format="text",
        model_class=class_path(model),
        signature=_signature(model, booster, input_example),
        packages=("lightgbm",),
    )


def load(directory: Path, manifest: SavedModel, **options: Any) -> Any:
    """A ``lightgbm.Booster``, whatever class was saved (see the module docstring)."""
    lightgbm = require("lightgbm", "lightgbm", "Loading a LightGBM model")
    return lightgbm.Booster(model_file=str(directory / FILE))


def _fitted_booster(model: Any) -> Any:
    try:
        return model.booster_
    except Exception as exc:  # LightGBM raises its own NotFittedError (a ValueError subclass)
        raise InvalidValueError(
            f"The {type(model).__name__} is not fitted, so there is nothing to save. "
            "Call fit() before logging the model."
        ) from exc


def _signature(model: Any, booster: Any, example: Any) -> Signature | None:
    """From *example* (run through ``predict``), else the booster's feature names."""
    if example is not None:
        output = run_example(model.predict, example, "the model")
        return make_signature(describe(example, "X"), describe(output, "output"))
    names = [str(n) for n in booster.feature_name()]
    if names and not all(n == f"Column_{i}" for i, n in enumerate(names)):
        return make_signature([tensor_spec(n, None, [-1]) for n in names], [])
    return make_signature([tensor_spec("X", None, [-1, int(booster.num_feature())])], [])
