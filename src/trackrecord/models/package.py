"""Save a model into a directory with its manifest, and load it back.

``run.log_model`` calls :func:`save_model` into a fresh directory and stores
every file there as run artifacts; ``trackrecord.load_model`` downloads them
and calls :func:`load_model_dir`.

Example::

    >>> import tempfile
    >>> from sklearn.linear_model import LinearRegression
    >>> model = LinearRegression().fit([[0.0], [1.0]], [0.0, 2.0])
    >>> directory = Path(tempfile.mkdtemp()) / "model"
    >>> saved = save_model(model, directory)
    >>> saved.flavor, saved.format, saved.files
    ('sklearn', 'skops', ('model.skops', 'trackrecord-model.json'))
    >>> load_model_dir(directory).predict([[2.0]]).round(6)
    array([4.])
"""

from __future__ import annotations

import os
import platform
import shutil
from importlib import metadata
from pathlib import Path
from typing import Any

from trackrecord.errors import ConfigurationError, InvalidValueError
from trackrecord.media._kinds import type_name
from trackrecord.models.flavors import DETECTION_ORDER, FLAVOR_MODULES, FLAVORS, Flavor
from trackrecord.models.flavors.xgboost import is_xgboost_json
from trackrecord.models.manifest import MANIFEST, SavedModel, read_manifest, write_manifest

__all__ = [
    "FLAVORS",
    "MANIFEST",
    "SavedModel",
    "detect_flavor",
    "framework_versions",
    "load_model_dir",
    "save_model",
]

# Distributions that install a framework under another name (xgboost-cpu).
_DISTRIBUTIONS = {"xgboost": ("xgboost", "xgboost-cpu")}
_PATH_FLAVORS = {".onnx": "onnx", ".pt": "pytorch", ".pth": "pytorch", ".ubj": "xgboost"}
_PATH_FLAVORS |= {".skops": "sklearn"}


def save_model(
    model: Any,
    directory: Path,
    flavor: str | None = None,
    *,
    serialization: str | None = None,
    input_example: Any = None,
) -> SavedModel:
    """Write *model* and its manifest into *directory*, which must be new or empty.

    Args:
        model: a model object (scikit-learn, PyTorch, ONNX, XGBoost, LightGBM),
            or a ``str``/``Path`` to a model file or to a directory of files.
        directory: where to write; created if missing.
        flavor: one of :data:`FLAVORS`; ``None`` detects it (see :func:`detect_flavor`).
        serialization: the flavor's format, e.g. ``"pickle"`` for scikit-learn
            or ``"torchscript"`` for PyTorch; ``None`` is the flavor's safe default.
        input_example: a few rows of input, run through the model to record
            the signature (names, dtypes and shapes of inputs and outputs).

    Returns:
        The :class:`SavedModel` also written to ``directory / MANIFEST``.

    Raises:
        InvalidValueError: no flavor handles *model*, or *flavor* or
            *serialization* is unknown or does not fit *model*.
        ConfigurationError: *directory* is a file or is not empty.
        MissingDependencyError: the flavor's library is not installed.
    """
    directory = Path(directory)
    if isinstance(model, (str, os.PathLike)):
        model = Path(model)
    chosen = _flavor_module(flavor or detect_flavor(model))
    if flavor is not None and not chosen.accepts(model):
        raise _mismatch(model, flavor)
    created = _prepare(directory)
    try:
        result = chosen.save(model, directory, serialization, input_example)
    except BaseException:
        _clear(directory, remove=created)  # no half-written model is left to be logged
        raise
    saved = SavedModel(
        flavor=chosen.NAME,
        format=result.format,
        files=_listing(directory),
        frameworks=framework_versions(*result.packages),
        model_class=result.model_class,
        signature=result.signature,
        risks=result.risks,
    )
    write_manifest(directory, saved)
    return saved


def load_model_dir(directory: Path, **options: Any) -> Any:
    """Load the model that :func:`save_model` wrote into *directory*.

    Args:
        directory: a directory holding :data:`MANIFEST` and the files it lists.
        **options: flavor options: ``trusted=[...]`` (sklearn skops),
            ``model=``/``map_location=`` (pytorch), ``session=True``/``providers=``
            (onnx).

    Returns:
        The model: see each flavor for what comes back (e.g. a state dict for
        PyTorch without ``model=``, a ``lightgbm.Booster`` for LightGBM, the
        ``Path`` of the files for ``directory``).

    Raises:
        NotFoundError: *directory* has no manifest or lacks a file it lists.
        InvalidValueError: the manifest is damaged, an option is unknown to
            the flavor, or a skops file holds untrusted types.
    """
    directory = Path(directory)
    saved = read_manifest(directory)
    flavor = _flavor_module(saved.flavor)
    unknown = sorted(set(options) - set(flavor.LOAD_OPTIONS))
    if unknown:
        allowed = ", ".join(flavor.LOAD_OPTIONS) or "none"
        raise InvalidValueError(
            f"Unknown option(s) {unknown} for a {saved.flavor} model; allowed are: {allowed}. "
            "Remove them from the load call."
        )
    if saved.format not in flavor.FORMATS:
        raise InvalidValueError(
            f"The {MANIFEST} in {directory} names format {saved.format!r}, which the "
            f"{saved.flavor} flavor does not know ({', '.join(flavor.FORMATS)}). "
            "Upgrade TrackRecord, or save the model again."
        )
    return flavor.load(directory, saved, **options)


def detect_flavor(model: Any) -> str:
    """The flavor that saves *model*, found from its type or, for a path, its name.

    Objects are recognised by class (without importing any ML library): XGBoost,
    LightGBM, PyTorch ``nn.Module``, ``onnx.ModelProto``, scikit-learn estimator.
    A path is a ``"directory"`` when it is one; a file is recognised by its
    suffix: ``.onnx``, ``.pt``/``.pth``, ``.ubj`` or an XGBoost ``.json``, ``.skops``.

    Raises:
        InvalidValueError: nothing recognises *model*; the message lists the
            flavors and how to pass ``flavor=``.

    Example::

        >>> from sklearn.linear_model import Ridge
        >>> detect_flavor(Ridge())
        'sklearn'
    """
    if isinstance(model, (str, os.PathLike)):
        return _path_flavor(Path(model))
    for name in DETECTION_ORDER:
        if FLAVOR_MODULES[name].accepts(model):
            return name
    raise InvalidValueError(
        f"No flavor saves a {type_name(model)}; the flavors are {', '.join(FLAVORS)}. "
        "Save the model to a file or directory with its library, and pass that path "
        "(with flavor='directory' to keep the files as they are)."
    )


def framework_versions(*packages: str) -> dict[str, str]:
    """Versions of Python, numpy, TrackRecord and the installed *packages*.

    Example::

        >>> sorted(framework_versions("numpy"))
        ['numpy', 'python', 'trackrecord']
    """
    versions = {"python": platform.python_version()}
    for package in ("numpy", "trackrecord", *packages):
        for distribution in _DISTRIBUTIONS.get(package, (package,)):
            try:
                versions[package] = metadata.version(distribution)
                break
            except metadata.PackageNotFoundError:
                continue
    return versions


def _path_flavor(path: Path) -> str:
    if path.is_dir():
        return "directory"
    if not path.exists():
        raise InvalidValueError(
            f"{path} does not exist. Pass the path of a saved model file or directory, "
            "or the model object itself."
        )
    flavor = _PATH_FLAVORS.get(path.suffix.lower())
    if flavor is None and is_xgboost_json(path):
        flavor = "xgboost"
    if flavor is None:
        raise InvalidValueError(
            f"Cannot tell which library wrote {path.name}. Pass flavor= one of "
            f"{', '.join(FLAVORS)} (flavor='directory' keeps the file as it is)."
        )
    return flavor


def _flavor_module(name: str) -> Flavor:
    module = FLAVOR_MODULES.get(name)
    if module is None:
        raise InvalidValueError(
            f"Unknown model flavor {name!r}; allowed are {', '.join(FLAVORS)}. "
            "Pass one of them, or flavor=None to detect it."
        )
    return module


def _mismatch(model: Any, flavor: str) -> InvalidValueError:
    what = f"the file {model.name}" if isinstance(model, Path) else f"a {type_name(model)}"
    try:
        hint = f"it looks like flavor={detect_flavor(model)!r}"
    except InvalidValueError:
        hint = "save it to a directory and pass flavor='directory'"
    return InvalidValueError(
        f"Flavor {flavor!r} cannot save {what}; {hint}. Pass that flavor, or flavor=None."
    )


def _prepare(directory: Path) -> bool:
    """Make sure *directory* is there and empty; whether it had to be created."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ConfigurationError(
            f"{directory} is not an empty directory; save_model writes only into a new "
            "or empty directory so that every file there belongs to the model. "
            "Pass a fresh path (e.g. from tempfile.mkdtemp())."
        )
    created = not directory.exists()
    directory.mkdir(parents=True, exist_ok=True)
    return created


def _clear(directory: Path, remove: bool) -> None:
    """Delete what a failed save wrote: *directory* itself when it was created for it."""
    if remove:
        shutil.rmtree(directory, ignore_errors=True)
        return
    for child in directory.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _listing(directory: Path) -> tuple[str, ...]:
    """Every file under *directory* (POSIX, relative), the manifest included, sorted."""
    names = {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}
    return tuple(sorted(names | {MANIFEST}))
