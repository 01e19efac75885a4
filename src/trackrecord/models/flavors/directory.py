"""Any model as files: a directory (or one file) copied as it is.

The files go under ``files/`` in the model directory, so that they never
clash with the manifest. Loading returns the path of the copied directory
(or of the copied file); TrackRecord does not read the files themselves.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trackrecord.errors import InvalidValueError
from trackrecord.media._kinds import type_name
from trackrecord.models.flavors._flavor import FlavorResult, check_format

if TYPE_CHECKING:
    from trackrecord.models.manifest import SavedModel

__all__ = ["FORMATS", "LOAD_OPTIONS", "NAME", "accepts", "load", "save"]

NAME: str = "directory"
FORMATS: tuple[str, ...] = ("files", "file")
LOAD_OPTIONS: tuple[str, ...] = ()
FOLDER = "files"
RISK = (
    "directory: the files are stored as given and not inspected; whether they are safe "
    "to load depends on their formats (a pickle inside runs code when loaded)"
)


def accepts(model: object) -> bool:
    """The path of an existing directory or file."""
    return isinstance(model, Path) and model.exists()


def save(
    model: Any, directory: Path, serialization: str | None, input_example: Any
) -> FlavorResult:
    """Copy the directory's files into ``files/`` (a single file into ``files/<name>``)."""
    if not accepts(model):
        raise InvalidValueError(
            f"The directory flavor saves a path to an existing directory or file, not "
            f"{model if isinstance(model, Path) else type_name(model)!s}. "
            "Save the model to disk first and pass that path."
        )
    fmt = "files" if model.is_dir() else "file"
    check_format(NAME, FORMATS, serialization)
    if serialization not in (None, fmt):
        raise InvalidValueError(
            f"{model} is a {'directory' if fmt == 'files' else 'file'}, so its format is "
            f"{fmt!r}, not {serialization!r}. Pass serialization=None."
        )
    target = directory / FOLDER
    if fmt == "files":
        shutil.copytree(model, target)
    else:
        target.mkdir()
        shutil.copyfile(model, target / model.name)
    return FlavorResult(format=fmt, risks=(RISK,))


def load(directory: Path, manifest: SavedModel, **options: Any) -> Path:
    """The path of the copied directory, or of the copied file."""
    folder = directory / FOLDER
    if manifest.format == "file":
        names = [name for name in manifest.files if name.startswith(f"{FOLDER}/")]
        return directory / names[0]
    return folder
