"""What a dataset is: its kind, content digest, size, rows, schema, profile and
the references to where it comes from, worked out from the data itself.

:func:`describe_data` accepts a local file or directory, a URI (a reference
only), a pandas/polars DataFrame or Series, an Arrow Table or RecordBatch, a
numpy array, a tuple/list or dict of arrays such as ``(X, y)``, and a Hugging
Face ``datasets.Dataset`` when that package is installed. In-memory data is
digested by the canonical encoding of :mod:`trackrecord.data.canonical`; files
by their bytes; directories by their manifest (:mod:`trackrecord.data.digest`).

Example:
    >>> import numpy as np
    >>> content = describe_data((np.zeros((3, 2)), np.ones(3)))
    >>> content.kind, content.rows
    ('array', 3)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import numpy as np

from trackrecord.data import canonical, frames
from trackrecord.data.digest import FileEntry, hash_directory, hash_file
from trackrecord.data.profile import (
    describe_table_file,
    profile_arrays,
    profile_directory,
    profile_table,
    table_schema,
)
from trackrecord.data.sources import detect_sources, parse_uri
from trackrecord.errors import InvalidValueError

__all__ = ["KINDS", "DatasetContent", "describe_data"]

KINDS = ("file", "directory", "dataframe", "array", "arrow", "reference")
_ACCEPTED = (
    "a local path, a URI such as 's3://bucket/key', a pandas or polars DataFrame, a "
    "pyarrow Table, a numpy array, or a tuple or dict of arrays such as (X, y)"
)


@dataclass(frozen=True)
class DatasetContent:
    """The description of a dataset's content, ready to record.

    Attributes:
        kind: one of :data:`KINDS`.
        digest: SHA-256 hex of the content; None only for a reference with no
            digest known.
        size: bytes on disk (files, directories) or in memory.
        rows: rows of a table, first dimension of arrays, else None.
        schema: ``[{"name", "type"}]`` for tables and arrays.
        profile: a compact JSON-ready summary (see :mod:`trackrecord.data.profile`).
        files: the manifest of a directory, else None.
        sources: references to where the data comes from (see
            :mod:`trackrecord.data.sources`).
        uri: where the data lives, for local paths (``file://``) and references.
    """

    kind: str
    digest: str | None
    size: int | None
    rows: int | None
    schema: list[dict[str, str]] | None
    profile: dict[str, Any] | None
    files: list[FileEntry] | None
    sources: list[dict[str, Any]]
    uri: str | None

    def to_dict(self) -> dict[str, Any]:
        """The description as a JSON-ready dict (file entries as dicts).

        Example:
            >>> describe_data(None, source="s3://b/k").to_dict()["kind"]
            'reference'
        """
        result = {name: getattr(self, name) for name in self.__dataclass_fields__}
        if self.files is not None:
            result["files"] = [entry.to_dict() for entry in self.files]
        return result


def describe_data(data: Any, source: str | None = None) -> DatasetContent:
    """Describe *data*, and the reference *source* (a URI) if given.

    Raises:
        InvalidValueError: both are None, a local path that does not exist, or
            data of a kind that cannot be digested (the message lists the kinds).

    Example:
        >>> describe_data("lakefs://repo/main/train.csv").sources[0]["kind"]
        'lakefs'
    """
    if data is None:
        if source is None:
            raise InvalidValueError(f"pass the data ({_ACCEPTED}), or source='<uri>', or both")
        return _reference(source, None)
    if isinstance(data, bytes):
        data = os.fsdecode(data)
    if isinstance(data, (str, os.PathLike)):
        return _from_path(os.fspath(data), source)
    table = frames.to_arrow_table(data)
    if table is not None:
        kind = "arrow" if type(data).__module__.startswith("pyarrow") else "dataframe"
        return _from_table(table, kind, _memory_size(data, table), _source_list(source))
    if isinstance(data, np.ndarray):
        return _from_arrays({"array": data}, canonical.ndarray_digest(data), source)
    if isinstance(data, (tuple, list, Mapping)):
        return _from_arrays(_members(data), canonical.arrays_digest(data), source)
    if _is_hugging_face_dataset(data):
        return _from_hugging_face(data, source)
    raise InvalidValueError(f"cannot describe a {type(data).__name__}; pass {_ACCEPTED}")


def _source_list(source: str | None) -> list[dict[str, Any]]:
    if source is None:
        return []
    return [parse_uri(source) or {"kind": "other", "uri": source}]


def _reference(uri: str, source: str | None) -> DatasetContent:
    sources = _source_list(uri) + [s for s in _source_list(source) if s.get("uri") != uri]
    return DatasetContent("reference", None, None, None, None, None, None, sources, uri)


def _from_path(path: str, source: str | None) -> DatasetContent:
    if path.startswith("file://"):
        path = unquote(urlsplit(path).path)
    elif parse_uri(path) is not None:
        return _reference(path, source)
    if os.path.isdir(path):
        digest, entries = hash_directory(path)
        sources = detect_sources(Path(path), source)
        uri = Path(os.path.abspath(path)).as_uri()
        profile = profile_directory(entries)
        return DatasetContent(
            "directory", digest, profile["size"], None, None, profile, entries, sources, uri
        )
    if not os.path.isfile(path):
        raise InvalidValueError(
            f"{path!r} is not an existing file or directory; pass the path of local data, "
            "a URI such as 's3://bucket/key' for remote data, or data=None with source=<uri>"
        )
    return _from_file(path, source)


def _from_file(path: str, source: str | None) -> DatasetContent:
    digest, size = hash_file(path)
    sources = detect_sources(Path(path), source)
    uri = Path(os.path.abspath(path)).as_uri()
    pointer = next((s for s in sources if s["kind"] == "git-lfs" and s.get("pointer")), None)
    if pointer is not None:  # not checked out: the oid is the digest of the real content
        return DatasetContent(
            "file", pointer["oid"], pointer["size"], None, None, None, None, sources, uri
        )
    described = describe_table_file(path, size)
    rows, schema, profile = described if described is not None else (None, None, None)
    return DatasetContent("file", digest, size, rows, schema, profile, None, sources, uri)


def _from_table(
    table: Any, kind: str, size: int | None, sources: list[dict[str, Any]]
) -> DatasetContent:
    digest = canonical.table_digest(table)
    return DatasetContent(
        kind,
        digest,
        size,
        table.num_rows,
        table_schema(table),
        profile_table(table),
        None,
        sources,
        None,
    )


def _memory_size(data: Any, table: Any) -> int | None:
    try:
        if hasattr(data, "memory_usage"):  # pandas
            usage = data.memory_usage(index=True, deep=False)
            return int(usage.sum() if hasattr(usage, "sum") else usage)
        if hasattr(data, "estimated_size"):  # polars
            return int(data.estimated_size())
        return int(table.nbytes)
    except (TypeError, ValueError):
        return None


def _members(data: tuple[Any, ...] | list[Any] | Mapping[Any, Any]) -> dict[str, Any]:
    if not data:
        raise InvalidValueError(f"an empty {type(data).__name__} holds no data; pass {_ACCEPTED}")
    if isinstance(data, Mapping):
        bad = [key for key in data if not isinstance(key, str)]
        if bad:
            raise InvalidValueError(
                f"the keys of a dict of arrays must be strings, not {bad[0]!r}; "
                "for example {'X': X, 'y': y}"
            )
        return dict(data)
    return {str(index): value for index, value in enumerate(data)}


def _from_arrays(members: dict[str, Any], digest: str, source: str | None) -> DatasetContent:
    arrays = {name: a for name, a in members.items() if isinstance(a, np.ndarray)}
    schema, sizes, lengths = [], [], set()
    for name, value in members.items():
        if isinstance(value, np.ndarray):
            schema.append({"name": name, "type": f"{value.dtype}{list(value.shape)}"})
            sizes.append(int(value.nbytes))
            lengths.add(value.shape[0] if value.ndim else None)
        else:
            table: Any = frames.to_arrow_table(value)  # a table: arrays_digest checked
            schema.append({"name": name, "type": f"table[{table.num_rows}x{table.num_columns}]"})
            sizes.append(int(table.nbytes))
            lengths.add(table.num_rows)
    rows = lengths.pop() if len(lengths) == 1 else None
    profile = profile_arrays(arrays) if arrays else None
    sources = _source_list(source)
    return DatasetContent("array", digest, sum(sizes), rows, schema, profile, None, sources, None)


def _is_hugging_face_dataset(data: Any) -> bool:
    return all(hasattr(data, name) for name in ("_fingerprint", "info", "data"))


def _from_hugging_face(data: Any, source: str | None) -> DatasetContent:
    """A ``datasets.Dataset``: its rows as Arrow (after any select/shuffle), plus its
    fingerprint and builder facts as a reference. Not tested: the package is optional."""
    table = data.data.table
    indices = getattr(data, "_indices", None)
    if indices is not None:
        table = table.take(indices.column(0))
    info = data.info
    reference = {
        "kind": "huggingface",
        "fingerprint": str(data._fingerprint),
        "dataset_name": getattr(info, "dataset_name", None),
        "config_name": getattr(info, "config_name", None),
        "version": str(info.version) if getattr(info, "version", None) else None,
        "split": str(data.split) if getattr(data, "split", None) else None,
    }
    sources = [reference, *_source_list(source)]
    return _from_table(table, "arrow", int(table.nbytes), sources)
