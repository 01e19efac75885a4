"""Logging models from a run, and loading them back by URI.

``run.log_model`` saves the model with its flavor (see :mod:`trackrecord.models`)
into a temporary directory, stores every file as an artifact of the run under
``models/NAME/``, and records a ``model`` event with the files' digests, the
flavor, the framework versions and the signature. The model's digest is the
SHA-256 of its manifest of files, so it names these exact bytes.

:func:`load_model` accepts:

- ``runs:/RUN_ID/NAME`` a model a run logged;
- ``models:/NAME/3`` version 3 of a registered model;
- ``models:/NAME@champion`` the version an alias points to now.

Every file is checked against its recorded SHA-256 as it is fetched, and the
manifest digest against the model's, before anything is deserialised.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Final

from trackrecord.artifacts.base import check_artifact_path
from trackrecord.data.digest import FileEntry, manifest_digest
from trackrecord.errors import InvalidValueError, StoreError
from trackrecord.models import SavedModel, load_model_dir, save_model
from trackrecord.sdk.files import ArtifactSink, store_path
from trackrecord.store.base import Store
from trackrecord.store.catalog import check_model_name

__all__ = ["download_model", "load_model_from", "model_event", "resolve_model_uri"]

_URI: Final = re.compile(
    r"runs:/(?P<run>[^/]+)/(?P<name>[^/@]+)"
    r"|models:/(?P<model>[^/@]+)(?:/(?P<version>\d+)|@(?P<alias>[^/@]+))"
)


def model_event(
    sink: ArtifactSink,
    model: Any,
    name: str,
    flavor: str | None,
    serialization: str | None,
    input_example: Any,
) -> tuple[dict[str, Any], list[dict[str, Any]], SavedModel]:
    """The ``model`` event's body, its artifact records, and what the flavor saved."""
    check_model_name(name, "log_model: name")
    prefix = f"models/{name}"
    with tempfile.TemporaryDirectory(prefix="trackrecord-model-") as tmp:
        folder = Path(tmp) / name
        saved = save_model(
            model, folder, flavor, serialization=serialization, input_example=input_example
        )
        records = store_path(sink, folder, prefix)
    files = [
        {"path": r["path"][len(prefix) + 1 :], "sha256": r["sha256"], "size": r["size"]}
        for r in records
    ]
    digest = manifest_digest(FileEntry(f["path"], f["sha256"], f["size"]) for f in files)
    meta = saved.to_dict()
    body = {
        "name": name, "digest": digest, "flavor": saved.flavor, "format": saved.format,
        "path": prefix, "files": files,
        "meta": {k: v for k, v in meta.items() if k not in ("flavor", "format", "files")},
    }  # fmt: skip
    return body, records, saved


def resolve_model_uri(store: Store, uri: str) -> tuple[str, list[dict[str, Any]]]:
    """The digest and files of the model *uri* names (see the module's forms)."""
    match = _URI.fullmatch(uri) if isinstance(uri, str) else None
    if match is None:
        raise InvalidValueError(
            f"model URI {uri!r} must be runs:/RUN_ID/NAME, models:/NAME/VERSION or "
            f"models:/NAME@ALIAS"
        )
    catalog = store.catalog
    if match["run"]:
        logged = catalog.logged_model(match["run"], match["name"])
        return logged.digest, logged.files
    version = catalog.model_version(match["model"], match["version"] or match["alias"])
    return version.digest, version.files


def _fetch(store: Store, record: dict[str, Any], target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with store.open_artifact(record["sha256"]) as source, target.open("wb") as out:
        while block := source.read(1 << 20):
            digest.update(block)
            out.write(block)
    if digest.hexdigest() != record["sha256"]:
        raise StoreError(
            f"the stored bytes of {record['path']} do not match their recorded SHA-256 "
            f"{record['sha256']}; the artifact store was altered (run trackrecord verify)"
        )


def download_model(store: Store, uri: str, dst: str | os.PathLike[str]) -> Path:
    """Fetch the files of the model *uri* names into the new or empty folder *dst*."""
    digest, files = resolve_model_uri(store, uri)
    _check_manifest(uri, digest, files)
    folder = Path(dst)
    if folder.exists() and any(folder.iterdir()):
        raise InvalidValueError(f"{folder} is not empty; give a new folder for the model")
    _download(store, files, folder)
    return folder


def load_model_from(
    store: Store, uri: str, dst: str | os.PathLike[str] | None, **options: Any
) -> Any:
    """Download the model *uri* names into *dst* (default: a cache folder) and load it."""
    if dst is not None:
        return load_model_dir(download_model(store, uri, dst), **options)
    digest, files = resolve_model_uri(store, uri)
    _check_manifest(uri, digest, files)
    cache = Path(tempfile.gettempdir()) / "trackrecord-models"
    folder, done = cache / digest, cache / f"{digest}.complete"
    if not done.exists():
        partial = cache / f"{digest}.partial-{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        _download(store, files, partial)
        shutil.rmtree(folder, ignore_errors=True)
        partial.rename(folder)
        done.write_text(digest)
    return load_model_dir(folder, **options)


def _check_manifest(uri: str, digest: str, files: list[dict[str, Any]]) -> None:
    entries = [FileEntry(f["path"], f["sha256"], f["size"]) for f in files]
    if manifest_digest(entries) != digest:
        raise StoreError(f"the files recorded for {uri} do not match its digest {digest}")


def _download(store: Store, files: list[dict[str, Any]], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for record in files:
        path = check_artifact_path(str(record["path"]), "model file path")  # stays inside
        _fetch(store, record, folder.joinpath(*path.split("/")))
