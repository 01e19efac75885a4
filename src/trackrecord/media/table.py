"""Turn tables (data frames, Arrow tables, lists of rows) into Parquet or CSV bytes."""

from __future__ import annotations

import csv
import importlib.util
import io
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from trackrecord.errors import InvalidValueError, missing
from trackrecord.media._kinds import is_instance, type_name
from trackrecord.media.types import media_type

__all__ = ["EncodedTable", "TableFormat", "encode_table"]

TableFormat = Literal["parquet", "csv"]

_FORMATS: tuple[TableFormat, ...] = ("parquet", "csv")
_ACCEPTED = (
    "a pandas DataFrame, a polars DataFrame, a pyarrow Table, a list of dicts, "
    "or a list of lists/tuples together with columns=[...]"
)


@dataclass(frozen=True)
class EncodedTable:
    """A table written as a file.

    Attributes:
        content: the file content.
        extension: ``"parquet"`` or ``"csv"``, without the dot.
        media_type: the file's media type, e.g. ``application/vnd.apache.parquet``.
        rows: the number of data rows.
        columns: the column names, in order (a kept pandas index is not listed).
    """

    content: bytes
    extension: str
    media_type: str
    rows: int
    columns: list[str]


def encode_table(
    data: object,
    columns: Sequence[str] | None = None,
    format: TableFormat | None = None,
) -> EncodedTable:
    """Encode a table as Parquet or CSV.

    Args:
        data: a pandas DataFrame, a polars DataFrame, a pyarrow Table, a list
            of dicts (the columns are the union of their keys in first-seen
            order; a missing key is an empty cell), or a list of lists/tuples.
        columns: the column names of a list of lists (required there); for the
            other kinds, the columns to keep, in order.
        format: ``"parquet"`` or ``"csv"``; ``None`` means Parquet when pyarrow
            is installed, else CSV. A pandas index other than the default
            ``RangeIndex`` is kept in both formats.

    Raises:
        InvalidValueError: *data* is not a table, a row has the wrong length or
            kind, a column is unknown, or a column mixes types Parquet cannot hold.
        MissingDependencyError: Parquet was asked for but pyarrow is not installed.

    Example::

        >>> table = encode_table([{"epoch": 1, "acc": 0.9}], format="csv")
        >>> table.content, table.columns
        (b'epoch,acc\\n1,0.9\\n', ['epoch', 'acc'])
    """
    chosen = _resolve_format(format)
    if is_instance(data, "pandas", "DataFrame"):
        return _encode_pandas(data, columns, chosen)
    if is_instance(data, "polars", "DataFrame"):
        return _encode_polars(data, columns, chosen)
    if is_instance(data, "pyarrow", "Table"):
        return _encode_arrow(data, columns, chosen)
    if isinstance(data, (list, tuple)):
        names, rows = _records(data, columns)
        return _encode_records(names, rows, chosen)
    raise InvalidValueError(
        f"Cannot log a {type_name(data)} as a table; accepted are {_ACCEPTED}. "
        "Convert it first, e.g. list(rows) for a generator or pandas.DataFrame(data)."
    )


def _resolve_format(format: object) -> TableFormat:
    """The format asked for, or the default: Parquet when pyarrow is installed."""
    if format is None:
        return "parquet" if importlib.util.find_spec("pyarrow") is not None else "csv"
    if format not in _FORMATS:
        raise InvalidValueError(
            f"Unknown table format {format!r}; allowed are 'parquet' and 'csv'. "
            "Pass one of them, or None to pick Parquet when pyarrow is installed."
        )
    return "parquet" if format == "parquet" else "csv"


def _encoded(content: bytes, extension: TableFormat, rows: int, names: list[str]) -> EncodedTable:
    return EncodedTable(content, extension, media_type(f"table.{extension}"), rows, names)


def _check_selection(columns: Sequence[str], available: list[str]) -> list[str]:
    """Return *columns* as a list after checking each one exists in *available*."""
    unknown = [name for name in columns if name not in available]
    if unknown:
        raise InvalidValueError(
            f"Unknown column(s) {unknown} in columns=; the table has {available}. "
            "Pass only existing names, or columns=None to keep all."
        )
    return list(columns)


def _encode_pandas(frame: Any, columns: Sequence[str] | None, fmt: TableFormat) -> EncodedTable:
    """A pandas DataFrame; its index is kept unless it is the default 0..n-1."""
    if columns is not None:
        frame = frame[_check_selection(columns, list(frame.columns))]
    index = frame.index
    keep_index = not (
        type(index).__name__ == "RangeIndex"
        and (index.start, index.step, index.name) == (0, 1, None)
    )
    if fmt == "csv":
        content = frame.to_csv(index=keep_index, lineterminator="\n").encode("utf-8")
    else:
        pa = _import_pyarrow()
        try:
            table = pa.Table.from_pandas(frame, preserve_index=keep_index)
        except (TypeError, ValueError) as exc:  # Arrow errors derive from these
            raise _unstorable("The DataFrame", exc) from exc
        content = _parquet_bytes(table)
    return _encoded(content, fmt, len(frame), [str(name) for name in frame.columns])


def _encode_polars(frame: Any, columns: Sequence[str] | None, fmt: TableFormat) -> EncodedTable:
    """A polars DataFrame, written by polars itself (no pyarrow needed)."""
    if columns is not None:
        frame = frame.select(_check_selection(columns, list(frame.columns)))
    if fmt == "csv":
        content = frame.write_csv().encode("utf-8")
    else:
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        content = buffer.getvalue()
    return _encoded(content, fmt, int(frame.height), [str(name) for name in frame.columns])


def _encode_arrow(table: Any, columns: Sequence[str] | None, fmt: TableFormat) -> EncodedTable:
    """A pyarrow Table; CSV goes through the stdlib writer like a list of rows."""
    names = [str(name) for name in table.column_names]
    if columns is not None:
        names = _check_selection(columns, names)
        table = table.select(names)
    if fmt == "parquet":
        return _encoded(_parquet_bytes(table), fmt, int(table.num_rows), names)
    rows = [
        list(row) for row in zip(*(column.to_pylist() for column in table.columns), strict=True)
    ]
    return _encoded(_csv_bytes(names, rows), fmt, int(table.num_rows), names)


def _encode_records(names: list[str], rows: list[list[object]], fmt: TableFormat) -> EncodedTable:
    """Rows already laid out under *names*, as Parquet or CSV."""
    if fmt == "csv":
        return _encoded(_csv_bytes(names, rows), fmt, len(rows), names)
    pa = _import_pyarrow()
    arrays = []
    for position, name in enumerate(names):
        try:
            arrays.append(pa.array([row[position] for row in rows]))
        except (TypeError, ValueError, OverflowError) as exc:  # Arrow errors derive from these
            raise _unstorable(f"Column {name!r}", exc) from exc
    table = pa.Table.from_arrays(arrays, names=names)
    return _encoded(_parquet_bytes(table), fmt, len(rows), names)


def _records(
    data: Sequence[object], columns: Sequence[str] | None
) -> tuple[list[str], list[list[object]]]:
    """Lay out a list of dicts or of lists/tuples as column names and rows."""
    if columns is not None:
        _check_names(columns)
    if not data:
        if columns is None:
            raise InvalidValueError(
                "Cannot infer the columns of an empty list of rows. "
                "Pass columns=[...] to log an empty table with those columns."
            )
        return list(columns), []
    if isinstance(data[0], Mapping):
        return _dict_records(data, columns)
    if isinstance(data[0], (list, tuple)):
        return _sequence_records(data, columns)
    raise InvalidValueError(
        f"Row 0 is a {type_name(data[0])}; rows must be dicts, lists or tuples. Pass {_ACCEPTED}."
    )


def _dict_records(
    data: Sequence[object], columns: Sequence[str] | None
) -> tuple[list[str], list[list[object]]]:
    """Rows given as dicts; missing keys become empty cells."""
    seen: dict[str, None] = {}
    records: list[Mapping[object, object]] = []
    for index, row in enumerate(data):
        if not isinstance(row, Mapping):
            raise InvalidValueError(
                f"Row {index} is a {type_name(row)} but row 0 is a dict; all rows must be "
                "dicts. Convert that row, or give every row as a list with columns=[...]."
            )
        for key in row:
            if not isinstance(key, str):
                raise InvalidValueError(
                    f"Row {index} has the key {key!r} ({type_name(key)}); column names "
                    "must be str. Convert the keys with str(key)."
                )
            seen.setdefault(key)
        records.append(row)
    names = list(seen) if columns is None else _check_selection(columns, list(seen))
    rows = [[record.get(name) for name in names] for record in records]
    return names, rows


def _sequence_records(
    data: Sequence[object], columns: Sequence[str] | None
) -> tuple[list[str], list[list[object]]]:
    """Rows given as lists/tuples; each must be as long as *columns*."""
    if columns is None:
        raise InvalidValueError(
            "Rows given as lists or tuples need column names; pass columns=['a', 'b', ...], "
            "or give the rows as dicts."
        )
    rows: list[list[object]] = []
    for index, row in enumerate(data):
        if not isinstance(row, (list, tuple)) or len(row) != len(columns):
            got = f"{len(row)} values" if isinstance(row, (list, tuple)) else type_name(row)
            raise InvalidValueError(
                f"Row {index} has {got} but there are {len(columns)} columns {list(columns)}; "
                "every row must be a list or tuple with one value per column. "
                "Fix that row or the columns= list."
            )
        rows.append(list(row))
    return list(columns), rows


def _check_names(columns: Sequence[str]) -> None:
    """Column names must be distinct strings."""
    if isinstance(columns, str) or not all(isinstance(name, str) for name in columns):
        raise InvalidValueError(
            f"columns= must be a list of str, got {columns!r}. Pass e.g. columns=['epoch', 'loss']."
        )
    duplicates = sorted(name for name, count in Counter(columns).items() if count > 1)
    if duplicates:
        raise InvalidValueError(
            f"columns= names {duplicates} more than once; column names must be unique. "
            "Rename the duplicates."
        )


def _csv_bytes(names: list[str], rows: list[list[object]]) -> bytes:
    """CSV with a header row, ``\\n`` line endings and empty cells for None."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _import_pyarrow() -> Any:
    """Import pyarrow, or raise the error that says how to install it."""
    try:
        import pyarrow
        import pyarrow.parquet  # loads pyarrow.parquet for _parquet_bytes
    except ImportError as exc:
        raise missing("pyarrow", "tables", "Writing a table as Parquet") from exc
    return pyarrow


def _parquet_bytes(table: Any) -> bytes:
    """Write an Arrow table as a Parquet file in memory."""
    pyarrow = _import_pyarrow()
    buffer = io.BytesIO()
    pyarrow.parquet.write_table(table, buffer)
    return buffer.getvalue()


def _unstorable(what: str, exc: Exception) -> InvalidValueError:
    return InvalidValueError(
        f"{what} cannot be stored as Parquet: {exc}. Give each column values of one type "
        "(e.g. all numbers or all str), or pass format='csv'."
    )
