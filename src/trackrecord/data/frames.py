"""Pandas and polars frames and series, and Arrow record batches, as one Arrow table.

The table is what :func:`trackrecord.data.canonical.table_digest` digests and
:func:`trackrecord.data.profile.profile_table` profiles. A pandas index that is not
the default ``RangeIndex(0..n)`` is kept as leading columns; a Series becomes a
one-column table named after it.

Example:
    >>> import pandas as pd
    >>> to_arrow_table(pd.DataFrame({"x": [1, 2]}).set_index("x")).column_names
    ['x']
"""

from __future__ import annotations

import sys
from typing import Any

from trackrecord.errors import InvalidValueError, missing

__all__ = ["pyarrow_module", "to_arrow_table"]


def pyarrow_module() -> Any:
    """The pyarrow module; MissingDependencyError with the pip line if it is absent."""
    try:
        import pyarrow
    except ImportError as exc:
        raise missing("pyarrow", "tables", "Digesting a table") from exc
    return pyarrow


def to_arrow_table(data: Any) -> Any | None:
    """*data* as a ``pyarrow.Table`` if it is a pandas/polars frame or series, or an
    Arrow table or record batch; None for anything else.

    Raises:
        InvalidValueError: a polars LazyFrame (collect it first).
    """
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        return _from_pandas(data)
    if module == "polars":
        return _from_polars(data)
    if module == "pyarrow":
        pa = pyarrow_module()
        if isinstance(data, pa.Table):
            return data
        if isinstance(data, pa.RecordBatch):
            return pa.Table.from_batches([data])
    return None


def _from_pandas(data: Any) -> Any | None:
    pd = sys.modules["pandas"]
    if isinstance(data, pd.Series):
        data = data.to_frame(name="" if data.name is None else data.name)
    if not isinstance(data, pd.DataFrame):
        return None
    index = data.index
    default = (
        isinstance(index, pd.RangeIndex)
        and index.start == 0
        and index.step == 1
        and index.name is None
    )
    return pyarrow_module().Table.from_pandas(data, preserve_index=not default)


def _from_polars(data: Any) -> Any | None:
    name = type(data).__name__
    if name == "LazyFrame":
        raise InvalidValueError(
            "a polars LazyFrame has no content until it runs; pass frame.collect() instead"
        )
    if name == "Series":
        data = data.to_frame()
    return data.to_arrow() if type(data).__name__ == "DataFrame" else None
