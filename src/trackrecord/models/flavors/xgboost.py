"""XGBoost boosters and scikit-learn-API models, in XGBoost's own format.

``model.ubj`` (Universal Binary JSON, the default) or ``model.json``. Loading
returns an object of the saved class: a ``Booster``, or an ``XGBClassifier``
(``XGBRegressor``, ...) rebuilt with its ``load_model``.
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

__all__ = ["FORMATS", "LOAD_OPTIONS", "NAME", "accepts", "is_xgboost_json", "load", "save"]

NAME: str = "xgboost"
FORMATS: tuple[str, ...] = ("ubj", "json")
LOAD_OPTIONS: tuple[str, ...] = ()
BOOSTER = "xgboost.core.Booster"
_FEATURE_DTYPES = {"float": "float32", "q": "float32", "int": "int64", "i": "bool", "c": "category"}


def accepts(model: object) -> bool:
    """A ``Booster`` or ``XGBModel``, or the path of a ``.ubj`` or XGBoost ``.json`` file."""
    if isinstance(model, Path):
        return model.suffix.lower() == ".ubj" or is_xgboost_json(model)
    return is_instance(model, "xgboost.core", "Booster") or is_instance(
        model, "xgboost.sklearn", "XGBModel"
    )


def is_xgboost_json(path: Path) -> bool:
    """Whether *path* is a ``.json`` file that starts like an XGBoost model."""
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    with path.open("rb") as file:
        head = file.read(64).lstrip()
    return head.startswith(b'{"learner"')


def save(
    model: Any, directory: Path, serialization: str | None, input_example: Any
) -> FlavorResult:
    """Write ``model.ubj`` (or ``model.json``) with the model's own ``save_model``."""
    if isinstance(model, Path):
        fmt = "ubj" if model.suffix.lower() == ".ubj" else "json"
        if serialization not in (None, fmt):
            raise InvalidValueError(
                f"{model.name} is a {fmt} file, not {serialization!r}. Pass "
                "serialization=None for a model file, or the model object to convert it."
            )
        copy_file(model, directory, f"model.{fmt}")
        return FlavorResult(format=fmt, model_class=BOOSTER, packages=("xgboost",))
    fmt = check_format(NAME, FORMATS, serialization)
    model.save_model(str(directory / f"model.{fmt}"))
    return FlavorResult(
        format=fmt,
        model_class=class_path(model),
        signature=_signature(model, input_example),
        packages=("xgboost",),
    )


def load(directory: Path, manifest: SavedModel, **options: Any) -> Any:
    """An object of the saved class (a ``Booster`` when the class is unknown)."""
    xgboost = require("xgboost", "xgboost", "Loading an XGBoost model")
    path = str(directory / f"model.{manifest.format}")
    cls = _model_class(xgboost, manifest.model_class)
    if cls is xgboost.Booster:
        return xgboost.Booster(model_file=path)
    model = cls()
    model.load_model(path)
    return model


def _model_class(xgboost: Any, name: str | None) -> Any:
    """The XGBoost class named in the manifest; only XGBoost's own classes are imported."""
    module, _, attr = (name or BOOSTER).rpartition(".")
    cls = getattr(xgboost, attr, None) if module.split(".")[0] == "xgboost" else None
    if cls is None or not (cls is xgboost.Booster or issubclass(cls, xgboost.XGBModel)):
        raise InvalidValueError(
            f"Cannot rebuild an XGBoost model of class {name!r}: only xgboost.Booster and "
            "the xgboost scikit-learn classes are supported. Load the file yourself with "
            "xgboost.Booster(model_file=...)."
        )
    return cls


def _signature(model: Any, example: Any) -> Signature | None:
    """From *example* (run through ``predict``), else the features the model was fitted on."""
    booster = model if is_instance(model, "xgboost.core", "Booster") else model.get_booster()
    if example is not None:
        predict = booster.inplace_predict if model is booster else model.predict
        output = run_example(predict, example, "the model")
        return make_signature(describe(example, "X"), describe(output, "output"))
    names, count = booster.feature_names, booster.num_features()
    if names:
        types = booster.feature_types or [None] * len(names)
        return make_signature(
            [tensor_spec(n, _feature_dtype(t), [-1]) for n, t in zip(names, types, strict=True)],
            [],
        )
    return make_signature([tensor_spec("X", None, [-1, int(count)])], [])


def _feature_dtype(feature_type: str | None) -> str | None:
    """XGBoost's feature type letters as numpy-like dtypes (``q`` is a float)."""
    return {"float": "float32", "q": "float32", "int": "int64", "i": "bool", "c": "category"}.get(
        feature_type or ""
    )
