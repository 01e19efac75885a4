"""Exports for analysis elsewhere (pandas, polars, DuckDB, a spreadsheet).

- :func:`export_metrics`: every metric point of some runs in long format,
  columns ``run_id, key, step, value, time`` (time in Unix milliseconds), as
  Parquet or CSV. Points go out in batches of about a million rows; a
  background thread writes one batch while the next is read from the store.
- :func:`export_table`: a list of flat dicts (the runs table) as CSV, Parquet
  or JSON.

Parquet needs pyarrow (``pip install 'trackrecord[tables]'``); CSV and JSON do
not, though CSV is written about fifteen times faster when pyarrow is there.
NaN and ±inf stay NaN and ±inf in Parquet and CSV (``nan``, ``inf``); JSON,
which has no such numbers, gets ``null``. Files are written beside their
destination and renamed into place, so a failed export leaves nothing behind.

Example:
    >>> export_metrics(store, [run.id], "metrics.parquet").rows  # doctest: +SKIP
    3000
    >>> export_table(api.search_runs(None).rows, "runs.csv")  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt

from trackrecord.errors import InvalidValueError, missing
from trackrecord.store.base import Store
from trackrecord.store.series import Series

__all__ = [
    "METRIC_COLUMNS",
    "MetricsExport",
    "TableExport",
    "export_metrics",
    "export_table",
]

METRIC_COLUMNS: Final = ("run_id", "key", "step", "value", "time")
METRIC_FORMATS: Final = ("parquet", "csv")
TABLE_FORMATS: Final = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".json": "json"}
_BATCH_ROWS: Final = 1 << 20

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class MetricsExport:
    """What :func:`export_metrics` wrote."""

    path: str
    format: str
    runs: int
    rows: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class TableExport:
    """What :func:`export_table` wrote."""

    path: str
    format: str
    rows: int
    columns: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


@contextmanager
def _replacing(target: Path) -> Iterator[Path]:
    """A temporary path beside *target*, renamed onto it when the block succeeds."""
    partial = target.with_name(f".{target.name}.partial")
    try:
        yield partial
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


# ----------------------------------------------------------------------------- metrics


@dataclass
class _Batch:
    """Series of several runs and keys, about to become rows."""

    runs: dict[str, int] = field(default_factory=dict)
    keys: dict[str, int] = field(default_factory=dict)
    parts: list[tuple[int, int, Series]] = field(default_factory=list)
    rows: int = 0

    def add(self, run_id: str, series: Series) -> None:
        run = self.runs.setdefault(run_id, len(self.runs))
        key = self.keys.setdefault(series.key, len(self.keys))
        self.parts.append((run, key, series))
        self.rows += len(series)

    def codes(self, which: int) -> npt.NDArray[np.int32]:
        """Per row, the index of its run (*which* = 0) or key (1) in :attr:`runs`/:attr:`keys`."""
        codes = np.array([p[which] for p in self.parts], dtype=np.int32)
        return np.repeat(codes, [len(p[2]) for p in self.parts])

    def column(self, name: str) -> npt.NDArray[Any]:
        """The concatenated ``steps``, ``values`` or ``times`` of every series."""
        return np.concatenate([getattr(p[2], name) for p in self.parts])


class _Sink(Protocol):
    def write(self, batch: _Batch) -> None: ...

    def close(self) -> None: ...


def export_metrics(
    store: Store,
    run_ids: Sequence[str],
    path: str | os.PathLike[str],
    format: str = "parquet",
    progress: Progress | None = None,
) -> MetricsExport:
    """Write every metric point of the runs *run_ids* to *path*, one row per point.

    Args:
        store: the store to read.
        run_ids: full run ids.
        path: the file to write (replaced if it exists).
        format: ``"parquet"`` (needs pyarrow) or ``"csv"``.
        progress: called ``(done, total, "run <id>")`` after each run.

    Raises:
        InvalidValueError: an unknown *format*.
        MissingDependencyError: Parquet without pyarrow.
        NotFoundError: a run id is not in the store.
    """
    if format not in METRIC_FORMATS:
        raise InvalidValueError(
            f"unknown metrics export format {format!r}; choose one of {', '.join(METRIC_FORMATS)}"
        )
    target, run_ids = Path(path), list(dict.fromkeys(run_ids))
    with _replacing(target) as partial:
        sink = _parquet_sink(partial) if format == "parquet" else _csv_sink(partial)
        rows = _write(sink, _batches(store, run_ids, progress))
    return MetricsExport(str(target), format, len(run_ids), rows)


def _write(sink: _Sink, batches: Iterator[_Batch]) -> int:
    """Write batches in a second thread, one at a time, while the next is read; count rows."""
    rows, pending = 0, None
    with ThreadPoolExecutor(1) as pool:
        try:
            for batch in batches:
                if pending is not None:
                    pending.result()
                pending = pool.submit(sink.write, batch)
                rows += batch.rows
        finally:
            if pending is not None:
                wait([pending])  # never close the sink under a running write
            sink.close()
        if pending is not None:
            pending.result()
    return rows


def _batches(store: Store, run_ids: Sequence[str], progress: Progress | None) -> Iterator[_Batch]:
    batch = _Batch()
    for done, run_id in enumerate(run_ids, 1):
        for key in sorted(store.get_run(run_id).summaries):
            batch.add(run_id, store.metric_series(run_id, key))
            if batch.rows >= _BATCH_ROWS:
                yield batch
                batch = _Batch()
        if progress is not None:
            progress(done, len(run_ids), f"run {run_id}")
    if batch.rows:
        yield batch


def _arrow_batch(batch: _Batch) -> Any:
    import pyarrow as pa

    def labels(which: int, names: dict[str, int]) -> Any:
        return pa.DictionaryArray.from_arrays(batch.codes(which), pa.array(list(names)))

    columns = [labels(0, batch.runs), labels(1, batch.keys)]
    columns += [pa.array(batch.column(c)) for c in ("steps", "values", "times")]
    return pa.Table.from_arrays(columns, schema=_arrow_schema())


def _arrow_schema() -> Any:
    import pyarrow as pa

    label = pa.dictionary(pa.int32(), pa.string())
    types = (label, label, pa.int64(), pa.float64(), pa.int64())
    return pa.schema(list(zip(METRIC_COLUMNS, types, strict=True)))


class _ArrowSink:
    """A pyarrow Parquet or CSV writer; for Parquet, one row group per batch."""

    def __init__(self, writer: Any, row_groups: bool) -> None:
        self.writer = writer
        self.row_groups = row_groups

    def write(self, batch: _Batch) -> None:
        table = _arrow_batch(batch)
        if self.row_groups:  # not cut at pyarrow's default of 1 Mi rows
            self.writer.write_table(table, row_group_size=table.num_rows)
        else:
            self.writer.write_table(table)

    def close(self) -> None:
        self.writer.close()


def _parquet_sink(path: Path) -> _Sink:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise missing("pyarrow", "tables", "Exporting metrics as Parquet") from None
    # Labels are written as dictionaries (cheap) but read back as plain strings
    # (store_schema=False); steps and times are delta-encoded: they barely change.
    writer = pq.ParquetWriter(
        path,
        _arrow_schema(),
        compression="snappy",
        use_dictionary=["run_id", "key"],
        column_encoding={"step": "DELTA_BINARY_PACKED", "time": "DELTA_BINARY_PACKED"},
        store_schema=False,
        write_statistics=["run_id", "step", "time"],
    )
    return _ArrowSink(writer, row_groups=True)


def _csv_sink(path: Path) -> _Sink:
    try:
        import pyarrow.csv as pcsv
    except ImportError:
        return _PlainCsvSink(path)
    return _ArrowSink(pcsv.CSVWriter(path, _arrow_schema()), row_groups=False)


class _PlainCsvSink:
    """CSV through the standard library, for when pyarrow is not installed."""

    def __init__(self, path: Path) -> None:
        self.file = path.open("w", newline="", encoding="utf-8")
        self.writer = csv.writer(self.file, lineterminator="\n")
        self.writer.writerow(METRIC_COLUMNS)

    def write(self, batch: _Batch) -> None:
        runs, keys = list(batch.runs), list(batch.keys)
        for run, key, series in batch.parts:
            steps, values, times = (a.tolist() for a in (series.steps, series.values, series.times))
            n = len(steps)
            self.writer.writerows(
                zip([runs[run]] * n, [keys[key]] * n, steps, values, times, strict=True)
            )

    def close(self) -> None:
        self.file.close()


# ----------------------------------------------------------------------------- tables


def export_table(
    rows: Sequence[Mapping[str, Any]], path: str | os.PathLike[str], format: str | None = None
) -> TableExport:
    """Write flat dicts (such as the runs table) to *path* as CSV, Parquet or JSON.

    Columns are the keys of all rows, in the order first seen; a row without a
    key gets an empty cell (CSV) or null. JSON is a list of objects, NaN and
    ±inf written as null. Lists and dicts are written as JSON text in CSV and
    Parquet; a Parquet column whose values mix types (``32`` and ``"auto"``)
    is written as text.

    Args:
        format: ``"csv"``, ``"parquet"`` or ``"json"``; by default from the
            file's extension (``.csv``, ``.parquet``/``.pq``, ``.json``).

    Raises:
        InvalidValueError: an unknown format or extension.
        MissingDependencyError: Parquet without pyarrow.
    """
    target = Path(path)
    kind = format or TABLE_FORMATS.get(target.suffix.lower(), "")
    if kind not in TABLE_FORMATS.values():
        choices = ", ".join(sorted(set(TABLE_FORMATS.values())))
        raise InvalidValueError(
            f"cannot tell the table format of {target.name!r} (format={format!r}); name the "
            f"file .csv, .parquet or .json, or pass format= one of {choices}"
        )
    columns = list(dict.fromkeys(key for row in rows for key in row))
    writer = {"csv": _table_csv, "parquet": _table_parquet, "json": _table_json}[kind]
    if kind == "parquet":
        _require_pyarrow()
    with _replacing(target) as partial:
        writer(rows, columns, partial)
    return TableExport(str(target), kind, len(rows), tuple(columns))


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise missing("pyarrow", "tables", "Exporting a table as Parquet") from None


def _plain(value: Any) -> Any:
    """numpy scalars as Python ones."""
    return value.item() if isinstance(value, np.generic) else value


def _json_value(value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return value


def _table_json(rows: Sequence[Mapping[str, Any]], columns: list[str], path: Path) -> None:
    objects = [{c: _json_value(row.get(c)) for c in columns} for row in rows]
    with path.open("w", encoding="utf-8") as out:
        json.dump(objects, out, ensure_ascii=False, allow_nan=False, default=str, indent=1)
        out.write("\n")


def _text(value: Any) -> str:
    """A cell's text: lists and dicts as JSON, booleans as true/false, None as empty."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (Mapping, list, tuple)):
        return json.dumps(_json_value(value), ensure_ascii=False, default=str)
    return str(value)


def _table_csv(rows: Sequence[Mapping[str, Any]], columns: list[str], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_text(row.get(c)) for c in columns] for row in rows)


def _arrow_column(values: list[Any]) -> Any:
    """One typed Arrow column; mixed or nested values become text."""
    import pyarrow as pa

    values = [_plain(v) for v in values]
    kinds = {type(v) for v in values if v is not None}
    typed = kinds <= {int, float} or kinds <= {bool} or kinds <= {str}
    if typed or all(issubclass(k, dt.datetime) for k in kinds):
        if kinds == {int, float}:
            values = [None if v is None else float(v) for v in values]
        try:
            return pa.array(values)
        except (pa.ArrowException, OverflowError):
            pass  # an int beyond 64 bits, or naive and aware times together
    return pa.array([None if v is None else v if isinstance(v, str) else _text(v) for v in values])


def _table_parquet(rows: Sequence[Mapping[str, Any]], columns: list[str], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = [_arrow_column([row.get(c) for row in rows]) for c in columns]
    pq.write_table(pa.Table.from_arrays(arrays, names=columns), path)
