"""The manifest of a saved model: what ``trackrecord-model.json`` holds.

``save_model`` writes it next to the model files and ``load_model_dir`` reads
it back; the same fields are the body of a run's ``model`` event.

Example::

    >>> saved = SavedModel("onnx", "onnx", ("model.onnx", MANIFEST), {"onnx": "1.17.0"},
    ...                    None, None, ())
    >>> SavedModel.from_dict(saved.to_dict()) == saved
    True
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trackrecord.errors import InvalidValueError, NotFoundError

__all__ = ["MANIFEST", "MANIFEST_VERSION", "SavedModel", "read_manifest", "write_manifest"]

MANIFEST = "trackrecord-model.json"
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class SavedModel:
    """A model written by :func:`~trackrecord.models.save_model`.

    Attributes:
        flavor: ``"sklearn"``, ``"pytorch"``, ``"onnx"``, ``"xgboost"``,
            ``"lightgbm"`` or ``"directory"``.
        format: how the model was written, e.g. ``"skops"``, ``"pickle"``,
            ``"state_dict"``, ``"torchscript"``, ``"onnx"``, ``"ubj"``,
            ``"json"``, ``"text"``, ``"files"`` or ``"file"``.
        files: POSIX paths relative to the model directory, sorted, the
            manifest included.
        frameworks: versions in use at save time, e.g.
            ``{"python": "3.11.7", "numpy": "2.1.0", "scikit-learn": "1.5.2"}``.
        model_class: the dotted class of the saved object, when known.
        signature: ``{"inputs": [...], "outputs": [...]}``, or ``None``.
        risks: what loading the files could do that a user should know, e.g.
            that a pickle runs arbitrary code.
    """

    flavor: str
    format: str
    files: tuple[str, ...]
    frameworks: dict[str, str]
    model_class: str | None
    signature: dict[str, Any] | None
    risks: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON-serialisable values (tuples become lists).

        Example::

            >>> SavedModel("directory", "files", ("a.txt",), {}, None, None, ()).to_dict()["files"]
            ['a.txt']
        """
        return {
            "flavor": self.flavor,
            "format": self.format,
            "files": list(self.files),
            "frameworks": dict(self.frameworks),
            "model_class": self.model_class,
            "signature": self.signature,
            "risks": list(self.risks),
        }

    @classmethod
    def from_dict(cls, d: Any) -> SavedModel:
        """Rebuild a :class:`SavedModel` from :meth:`to_dict` output; extra keys are ignored.

        Raises:
            InvalidValueError: a field is missing or of the wrong type.
        """
        if not isinstance(d, dict):
            raise _bad(f"it holds a {type(d).__name__}, not a JSON object")
        missing = [k for k in ("flavor", "format", "files") if k not in d]
        if missing:
            raise _bad(f"it lacks the field(s) {missing}")
        return cls(
            flavor=_text(d, "flavor"),
            format=_text(d, "format"),
            files=tuple(_relative_paths(_texts(d, "files"))),
            frameworks=_frameworks(d.get("frameworks", {})),
            model_class=_optional_text(d, "model_class"),
            signature=_signature(d.get("signature")),
            risks=tuple(_texts(d, "risks")),
        )


def write_manifest(directory: Path, saved: SavedModel) -> None:
    """Write *saved* as :data:`MANIFEST` into *directory*."""
    body = {"manifest_version": MANIFEST_VERSION, **saved.to_dict()}
    text = json.dumps(body, indent=2, sort_keys=True) + "\n"
    (directory / MANIFEST).write_text(text, encoding="utf-8")


def read_manifest(directory: Path) -> SavedModel:
    """Read the manifest of the model in *directory* and check its files are there.

    Raises:
        NotFoundError: *directory* has no manifest, or a listed file is missing.
        InvalidValueError: the manifest is not valid, or is from a newer TrackRecord.
    """
    path = directory / MANIFEST
    if not path.is_file():
        raise NotFoundError(
            f"{directory} holds no {MANIFEST}, so it is not a model saved by TrackRecord. "
            "Pass the directory that save_model wrote (or that load_model downloaded); "
            "to keep arbitrary files, log them with flavor='directory'."
        )
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _bad(f"it is not valid JSON ({exc})") from exc
    version = body.get("manifest_version", MANIFEST_VERSION) if isinstance(body, dict) else None
    if isinstance(version, int) and version > MANIFEST_VERSION:
        raise InvalidValueError(
            f"{path} has manifest version {version}; this TrackRecord reads up to "
            f"{MANIFEST_VERSION}. Upgrade TrackRecord to load this model."
        )
    saved = SavedModel.from_dict(body)
    absent = [name for name in saved.files if not (directory / name).is_file()]
    if absent:
        raise NotFoundError(
            f"The model in {directory} lacks the file(s) {absent} that {MANIFEST} lists. "
            "Download the model again; an interrupted copy leaves files out."
        )
    return saved


def _bad(why: str) -> InvalidValueError:
    return InvalidValueError(
        f"The model manifest {MANIFEST} is damaged: {why}. Save the model again with "
        "save_model (or log_model); do not edit the manifest by hand."
    )


def _text(d: dict[str, Any], key: str) -> str:
    value = d.get(key)
    if not isinstance(value, str) or not value:
        raise _bad(f"{key!r} is {value!r}, not a non-empty string")
    return value


def _optional_text(d: dict[str, Any], key: str) -> str | None:
    return None if d.get(key) is None else _text(d, key)


def _texts(d: dict[str, Any], key: str) -> list[str]:
    value = d.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad(f"{key!r} is {value!r}, not a list of strings")
    return value


def _relative_paths(names: list[str]) -> list[str]:
    """*names*, after checking none leaves the model directory."""
    for name in names:
        if name.startswith("/") or "\\" in name or ".." in name.split("/"):
            raise _bad(f"the file name {name!r} is not a relative path inside the model directory")
    return names


def _frameworks(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise _bad(f"'frameworks' is {value!r}, not an object of name: version strings")
    return dict(value)


def _signature(value: Any) -> dict[str, Any] | None:
    if value is not None and not (isinstance(value, dict) and "inputs" in value):
        raise _bad(f"'signature' is {value!r}, not null or an object with 'inputs'")
    return value
