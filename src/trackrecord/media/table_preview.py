"""The first rows of a stored Parquet table, for previews (the web UI's artifact view).

Only the first row group's first rows are read, so a preview of a large file costs
little; values that JSON lacks (bytes, dates, decimals) come back as text.

Example:
    >>> import io, pyarrow as pa, pyarrow.parquet as pq
    >>> buffer = io.BytesIO(); pq.write_table(pa.table({"x": [1, 2, 3]}), buffer)
    >>> preview_parquet(io.BytesIO(buffer.getvalue()), rows=2)
    {'columns': ['x'], 'types': ['int64'], 'rows': [[1], [2]], 'total_rows': 3}
"""

from __future__ import annotations

import math
from typing import Any, BinaryIO

from trackrecord.errors import InvalidValueError, missing

__all__ = ["preview_parquet"]


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def preview_parquet(source: BinaryIO, rows: int = 50) -> dict[str, Any]:
    """Column names and types, the first *rows* rows, and the table's row count."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise missing("pyarrow", "tables", "previewing Parquet tables") from None
    import pyarrow as pa

    try:
        table = pq.ParquetFile(source)
        first = next(table.iter_batches(batch_size=max(1, rows)), None)
    except (pa.ArrowException, OSError) as exc:
        raise InvalidValueError(f"this is not a readable Parquet file: {exc}") from None
    schema = table.schema_arrow
    records = first.to_pylist() if first is not None else []
    return {
        "columns": schema.names,
        "types": [str(t) for t in schema.types],
        "rows": [[_plain(record[name]) for name in schema.names] for record in records],
        "total_rows": table.metadata.num_rows,
    }
