"""What every flavor module provides, and the small pieces they share."""

from __future__ import annotations

import importlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from trackrecord.errors import InvalidValueError, MissingDependencyError

if TYPE_CHECKING:
    from trackrecord.models.manifest import SavedModel
    from trackrecord.models.signature import Signature

__all__ = [
    "PICKLE_RISK",
    "Flavor",
    "FlavorResult",
    "check_format",
    "class_path",
    "copy_file",
    "require",
    "run_example",
]

PICKLE_RISK = (
    "pickle: loading runs arbitrary code from the file; load only models whose digest you trust"
)


@dataclass(frozen=True)
class FlavorResult:
    """What a flavor's ``save`` tells the package beyond the files it wrote.

    Attributes:
        format: how the model was written, e.g. ``"skops"`` or ``"ubj"``.
        model_class: the dotted class of the saved object, when known.
        signature: inputs and outputs (see :mod:`trackrecord.models.signature`).
        risks: what loading the files could do that a user should know.
        packages: distributions whose versions are recorded, e.g. ``("torch",)``.
    """

    format: str
    model_class: str | None = None
    signature: Signature | None = None
    risks: tuple[str, ...] = ()
    packages: tuple[str, ...] = field(default=())


class Flavor(Protocol):
    """The interface of a flavor module, e.g. :mod:`trackrecord.models.flavors.onnx`."""

    NAME: str
    FORMATS: tuple[str, ...]  # the first is the default
    LOAD_OPTIONS: tuple[str, ...]

    def accepts(self, model: object) -> bool:
        """Whether *model* (an object, or a :class:`~pathlib.Path`) is one this flavor saves."""

    def save(
        self, model: Any, directory: Path, serialization: str | None, input_example: Any
    ) -> FlavorResult:
        """Write *model* into the empty *directory*."""

    def load(self, directory: Path, manifest: SavedModel, **options: Any) -> Any:
        """Read the model that ``save`` wrote into *directory*."""


def require(module: str, package: str, purpose: str) -> Any:
    """Import *module* of an optional *package*, or say how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{purpose} needs the optional package {package!r}, which is not installed. "
            f"Install it with: pip install {package}"
        ) from exc


def check_format(flavor: str, formats: tuple[str, ...], serialization: str | None) -> str:
    """The format asked for, or the flavor's default (the first of *formats*)."""
    if serialization is None:
        return formats[0]
    if serialization not in formats:
        raise InvalidValueError(
            f"Unknown serialization {serialization!r} for flavor {flavor!r}; allowed are "
            f"{', '.join(repr(f) for f in formats)}. Pass one of them, or None for "
            f"{formats[0]!r}."
        )
    return serialization


def class_path(obj: object) -> str:
    """The dotted path of the class of *obj*, e.g. ``sklearn.linear_model.Ridge``."""
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


def copy_file(source: Path, directory: Path, name: str) -> Path:
    """Copy the model file *source* into *directory* as *name*."""
    if not source.is_file():
        raise InvalidValueError(
            f"{source} is not a file. Pass the path of an existing model file, "
            "or the model object itself."
        )
    target = directory / name
    shutil.copyfile(source, target)
    return target


def run_example(function: Any, example: Any, what: str) -> Any:
    """Call *function* on *example* to learn the outputs, explaining a failure."""
    try:
        return function(example)
    except Exception as exc:  # any error of the model's own code on a bad example
        raise InvalidValueError(
            f"The input_example could not be run through {what}: {type(exc).__name__}: {exc}. "
            "Pass an example the model accepts (a few rows of real input), or input_example=None."
        ) from exc
