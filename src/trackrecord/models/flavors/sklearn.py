"""scikit-learn estimators and pipelines, written with skops (default) or pickle.

skops files are loaded only after checking the types they hold: a type that
skops does not trust by default must be named in ``trusted=[...]``. Pickle
runs arbitrary code when loaded, so it is recorded as a risk.
"""

from __future__ import annotations

import json
import pickle
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trackrecord.errors import InvalidValueError
from trackrecord.media._kinds import is_instance
from trackrecord.models.flavors._flavor import (
    PICKLE_RISK,
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

NAME: str = "sklearn"
FORMATS: tuple[str, ...] = ("skops", "pickle")
LOAD_OPTIONS: tuple[str, ...] = ("trusted",)
_FILES = {"skops": "model.skops", "pickle": "model.pkl"}
_SUFFIXES = {".skops": "skops", ".pkl": "pickle", ".pickle": "pickle"}


def accepts(model: object) -> bool:
    """A scikit-learn estimator, or the path of a ``.skops``/``.pkl`` file."""
    if isinstance(model, Path):
        return model.suffix.lower() in _SUFFIXES
    return is_instance(model, "sklearn.base", "BaseEstimator")


def save(
    model: Any, directory: Path, serialization: str | None, input_example: Any
) -> FlavorResult:
    """Write ``model.skops`` (or ``model.pkl``) with the signature of *input_example*."""
    if isinstance(model, Path):
        return _save_file(model, directory, serialization, input_example)
    fmt = check_format(NAME, FORMATS, serialization)
    path = directory / _FILES[fmt]
    if fmt == "skops":
        require("skops.io", "skops", "Saving a scikit-learn model").dump(model, path)
    else:
        with path.open("wb") as file:
            pickle.dump(model, file, protocol=pickle.HIGHEST_PROTOCOL)
    return FlavorResult(
        format=fmt,
        model_class=class_path(model),
        signature=_signature(model, input_example),
        risks=(PICKLE_RISK,) if fmt == "pickle" else (),
        packages=("scikit-learn", "skops") if fmt == "skops" else ("scikit-learn",),
    )


def load(directory: Path, manifest: SavedModel, **options: Any) -> Any:
    """The estimator; a skops file only when every type in it is trusted.

    Args:
        trusted: type names (as listed by the error) to trust in a skops file
            beyond those skops trusts by default.
    """
    path = directory / _FILES[manifest.format]
    if manifest.format == "pickle":
        with path.open("rb") as file:
            return pickle.load(file)  # the manifest records this risk
    sio = require("skops.io", "skops", "Loading a scikit-learn model")
    trusted = list(options.get("trusted") or [])
    untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in trusted]
    if untrusted:
        raise InvalidValueError(
            f"The skops file {path.name} holds types that are not trusted by default: "
            f"{untrusted}. Check that you expect them, then load with trusted={untrusted!r}."
        )
    return sio.load(path, trusted=trusted or None)


def _save_file(
    source: Path, directory: Path, serialization: str | None, input_example: Any
) -> FlavorResult:
    """A model already written to a ``.skops`` or pickle file."""
    fmt = _SUFFIXES.get(source.suffix.lower(), "")
    if serialization not in (None, fmt):
        raise InvalidValueError(
            f"{source.name} is a {fmt or 'file of unknown format'}, not {serialization!r}. "
            "Pass serialization=None for a model file, or the model object to convert it."
        )
    copy_file(source, directory, _FILES[fmt])
    inputs = describe(input_example, "X") if input_example is not None else None
    return FlavorResult(
        format=fmt,
        model_class=_skops_class(source) if fmt == "skops" else None,
        signature=None if inputs is None else make_signature(inputs, []),
        risks=(PICKLE_RISK,) if fmt == "pickle" else (),
        packages=("scikit-learn", "skops") if fmt == "skops" else ("scikit-learn",),
    )


def _skops_class(path: Path) -> str | None:
    """The class of the top-level object of a skops file, read from its schema."""
    try:
        with zipfile.ZipFile(path) as archive:
            schema = json.loads(archive.read("schema.json"))
        return f"{schema['__module__']}.{schema['__class__']}"
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None


def _signature(model: Any, example: Any) -> Signature | None:
    """From *example* run through ``predict`` (or ``transform``), else the fitted features."""
    if example is not None:
        inputs = describe(example, "X")
        method = getattr(model, "predict", None) or getattr(model, "transform", None)
        if method is None:
            return make_signature(inputs, [])
        return make_signature(inputs, describe(run_example(method, example, "the model"), "output"))
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        return make_signature([tensor_spec(str(n), None, [-1]) for n in names], [])
    count = getattr(model, "n_features_in_", None)
    if count is not None:
        return make_signature([tensor_spec("X", None, [-1, int(count)])], [])
    return None
