"""Compact, JSON-ready profiles of data: per column its type, nulls, and either
min/max (numbers, times) or its most common values (strings, categories, booleans).

A profile never holds NaN or infinities (they become None), keeps at most
:data:`MAX_COLUMNS` columns and :data:`TOP_VALUES` common values per column, and
cuts long strings, so it stays small whatever the data.

Example:
    >>> import pyarrow as pa
    >>> profile_table(pa.table({"x": [1, 2, None]}))["columns"][0]
    {'name': 'x', 'type': 'int64', 'nulls': 1, 'min': 1, 'max': 2, 'distinct': 2}
"""

from __future__ import annotations

import datetime
import decimal
import math
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Final

import numpy as np

from trackrecord.data.canonical import logical_type
from trackrecord.data.digest import FileEntry

__all__ = [
    "MAX_COLUMNS",
    "PROFILE_MAX_BYTES",
    "TOP_VALUES",
    "describe_table_file",
    "profile_arrays",
    "profile_directory",
    "profile_table",
    "table_schema",
]

MAX_COLUMNS: Final = 200
MAX_SCHEMA_COLUMNS: Final = 1000
TOP_VALUES: Final = 5
MAX_TEXT: Final = 200
DISTINCT_MAX_ROWS: Final = 10_000_000
PROFILE_MAX_BYTES: Final = 256 << 20
TABLE_EXTENSIONS: Final = (".parquet", ".pq", ".csv", ".tsv", ".csv.gz", ".tsv.gz")
TABLE_EXTENSIONS_IPC: Final = (".arrow", ".feather", ".ipc")


def table_schema(table: Any) -> list[dict[str, str]]:
    """``[{"name", "type"}]`` for the first 1000 columns of a ``pyarrow.Table`` or schema."""
    schema = getattr(table, "schema", table)
    return [
        {"name": str(field.name), "type": logical_type(field.type)}
        for field in list(schema)[:MAX_SCHEMA_COLUMNS]
    ]


def profile_table(table: Any, max_columns: int = MAX_COLUMNS) -> dict[str, Any]:
    """The profile of a ``pyarrow.Table``: rows, column count, and each column's summary."""
    columns = [
        _column_profile(str(name), column)
        for name, column in zip(table.column_names[:max_columns], table.columns, strict=False)
    ]
    return {"rows": table.num_rows, "columns_total": table.num_columns, "columns": columns}


def _column_profile(name: str, column: Any) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.compute as pc

    types = pa.types
    if types.is_dictionary(column.type):
        column = pa.chunked_array(
            [chunk.dictionary_decode() for chunk in column.chunks], type=column.type.value_type
        )
    t = column.type
    profile: dict[str, Any] = {"name": name, "type": logical_type(t), "nulls": column.null_count}
    if types.is_integer(t) or types.is_floating(t) or types.is_decimal(t) or types.is_temporal(t):
        extremes = pc.min_max(column)
        profile["min"] = _json_value(extremes["min"].as_py())
        profile["max"] = _json_value(extremes["max"].as_py())
        if len(column) <= DISTINCT_MAX_ROWS:
            profile["distinct"] = pc.count_distinct(column).as_py()
    elif types.is_string(t) or types.is_large_string(t) or types.is_boolean(t):
        counts = pc.value_counts(column)
        ranked = pa.table({"v": counts.field("values"), "c": counts.field("counts")})
        ranked = ranked.filter(pc.is_valid(ranked["v"]))
        profile["distinct"] = ranked.num_rows
        top = ranked.sort_by([("c", "descending"), ("v", "ascending")]).slice(0, TOP_VALUES)
        pairs = top.to_pydict()
        profile["top"] = [[_json_value(v), c] for v, c in zip(pairs["v"], pairs["c"], strict=True)]
    return profile


def _json_value(value: Any) -> Any:
    """*value* as a compact JSON value: non-finite floats become None, times ISO strings."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.generic):
        return _json_value(value.item())
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (datetime.timedelta, decimal.Decimal)):
        return str(value)
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + "…"
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)[:MAX_TEXT]


def profile_arrays(arrays: Mapping[str, np.ndarray[Any, Any]]) -> dict[str, Any]:
    """The profile of named numpy arrays: dtype, shape, and min/max/NaNs for numbers."""
    return {"arrays": [_array_profile(name, a) for name, a in list(arrays.items())[:MAX_COLUMNS]]}


def _array_profile(name: str, array: np.ndarray[Any, Any]) -> dict[str, Any]:
    profile: dict[str, Any] = {"name": name, "dtype": str(array.dtype), "shape": list(array.shape)}
    if array.size == 0 or array.dtype.kind not in "biuf":
        return profile
    if array.dtype.kind == "f":
        nans = int(np.count_nonzero(np.isnan(array)))
        profile["nans"] = nans
        if nans == array.size:
            return profile
        low, high = np.nanmin(array), np.nanmax(array)
    else:
        low, high = array.min(), array.max()
    profile["min"], profile["max"] = _json_value(low), _json_value(high)
    return profile


def profile_directory(entries: Iterable[FileEntry]) -> dict[str, Any]:
    """File count, total size and the count of files per extension (the 50 commonest).

    Example:
        >>> profile_directory([FileEntry("a/x.csv", "0" * 64, 3)])
        {'files': 1, 'size': 3, 'extensions': {'.csv': 1}}
    """
    count = size = 0
    extensions: Counter[str] = Counter()
    for entry in entries:
        count, size = count + 1, size + entry.size
        extensions[os.path.splitext(entry.path.rsplit("/", 1)[-1])[1].lower()] += 1
    return {"files": count, "size": size, "extensions": dict(extensions.most_common(50))}


def describe_table_file(
    path: str, size: int
) -> tuple[int | None, list[dict[str, str]], dict[str, Any] | None] | None:
    """(rows, schema, profile) of a Parquet, CSV/TSV or Arrow IPC file; None for others,
    and for files pyarrow cannot read (a damaged file is only hashed, never raised).

    A Parquet file's rows and schema come from its footer; its columns are read for
    the profile only up to :data:`PROFILE_MAX_BYTES`, as are whole CSV files.
    """
    lower = path.lower()
    if not lower.endswith(TABLE_EXTENSIONS + TABLE_EXTENSIONS_IPC):
        return None
    try:
        import pyarrow as pa
    except ImportError:
        return None
    try:
        return _read_table_file(lower, path, size)
    except (pa.ArrowException, OSError, ValueError):
        return None


def _read_table_file(
    lower: str, path: str, size: int
) -> tuple[int | None, list[dict[str, str]], dict[str, Any] | None] | None:
    import pyarrow as pa

    if lower.endswith((".parquet", ".pq")):
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(path)
        schema = parquet.schema_arrow
        profile = None
        if size <= PROFILE_MAX_BYTES:
            table = parquet.read(columns=schema.names[:MAX_COLUMNS])
            profile = {**profile_table(table), "columns_total": len(schema.names)}
        return parquet.metadata.num_rows, table_schema(schema), profile
    if size > PROFILE_MAX_BYTES:
        return None
    if lower.endswith(TABLE_EXTENSIONS_IPC):
        with pa.memory_map(path) as source:  # profile while the mapping is open
            table = pa.ipc.open_file(source).read_all()
            return table.num_rows, table_schema(table), profile_table(table)
    import pyarrow.csv as csv

    tab = lower.endswith((".tsv", ".tsv.gz"))
    options = csv.ParseOptions(delimiter="\t" if tab else ",")
    table = csv.read_csv(path, parse_options=options)
    return table.num_rows, table_schema(table), profile_table(table)
