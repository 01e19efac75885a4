"""The canonical digest of in-memory data: content only, whatever the library or layout."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from trackrecord.data.canonical import (
    arrays_digest,
    ndarray_digest,
    table_digest,
)
from trackrecord.data.frames import to_arrow_table
from trackrecord.errors import InvalidValueError

COLUMNS: dict[str, list[Any]] = {
    "id": [1, 2, 3, 4],
    "score": [0.5, None, 2.25, -1.0],
    "label": ["cat", None, "dog", "cat"],
    "ok": [True, False, None, True],
}


def digest_of(data: Any) -> str:
    table = to_arrow_table(data)
    assert table is not None
    return table_digest(table)


def test_pandas_polars_and_arrow_of_the_same_table_have_one_digest() -> None:
    arrow = pa.table(COLUMNS)
    frame = pd.DataFrame(
        {
            "id": COLUMNS["id"],
            "score": COLUMNS["score"],
            "label": COLUMNS["label"],
            "ok": pd.array(COLUMNS["ok"], dtype="boolean"),
        }
    )
    digests = {digest_of(arrow), digest_of(frame), digest_of(pl.DataFrame(COLUMNS))}
    digests.add(digest_of(arrow.to_batches()[0]))
    assert len(digests) == 1


def test_digest_is_equal_in_another_process() -> None:
    code = (
        "import pyarrow as pa; from trackrecord.data.canonical import table_digest; "
        f"print(table_digest(pa.table({COLUMNS!r})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == table_digest(pa.table(COLUMNS))


@pytest.mark.parametrize(
    ("column", "row", "value"),
    [("id", 0, 9), ("score", 1, 0.0), ("label", 0, "cab"), ("label", 1, ""), ("ok", 2, False)],
)
def test_one_changed_value_changes_the_digest(column: str, row: int, value: Any) -> None:
    changed = {name: list(values) for name, values in COLUMNS.items()}
    changed[column][row] = value
    assert table_digest(pa.table(changed)) != table_digest(pa.table(COLUMNS))


def test_names_order_and_types_are_content() -> None:
    base = table_digest(pa.table(COLUMNS))
    renamed = pa.table(COLUMNS).rename_columns(["ID", "score", "label", "ok"])
    reordered = pa.table({name: COLUMNS[name] for name in reversed(COLUMNS)})
    widened = pa.table({**COLUMNS, "id": pa.array(COLUMNS["id"], pa.int32())})
    rows_swapped = pa.table(COLUMNS).take([1, 0, 2, 3])
    others = {table_digest(t) for t in (renamed, reordered, widened, rows_swapped)}
    assert base not in others and len(others) == 4


def test_arrow_chunking_slicing_and_dictionaries_do_not_matter() -> None:
    points = [{"x": 1.0, "tag": "a"}, None, {"x": None, "tag": "b"}, {"x": 2.0, "tag": None}]
    table = pa.table({**COLUMNS, "nested": [[1, 2], None, [], [3]], "point": points})
    chunked = pa.concat_tables([table.slice(0, 1), table.slice(1, 2), table.slice(3)])
    assert chunked.column("label").num_chunks == 3
    encoded = table.set_column(2, "label", table.column("label").dictionary_encode())
    large = table.set_column(2, "label", table.column("label").cast(pa.large_string()))
    assert {table_digest(t) for t in (table, chunked, encoded, large)} == {table_digest(table)}


def test_bytes_hidden_in_null_slots_are_not_content() -> None:
    clean = pa.array(["ab", None, "c"])
    offsets = pa.py_buffer(np.array([0, 2, 8, 9], dtype=np.int32).tobytes())
    validity = pa.py_buffer(np.packbits([1, 0, 1], bitorder="little").tobytes())
    dirty = pa.Array.from_buffers(
        pa.string(), 3, [validity, offsets, pa.py_buffer(b"abGARBAGc")], null_count=1
    )
    assert dirty.to_pylist() == clean.to_pylist()
    assert table_digest(pa.table({"s": dirty})) == table_digest(pa.table({"s": clean}))


def test_a_non_default_pandas_index_is_content() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0]})
    assert digest_of(frame) == digest_of(frame.reset_index(drop=True))
    assert digest_of(frame) != digest_of(frame.set_axis(["a", "b"]))
    assert digest_of(frame) != digest_of(frame.set_axis([1, 2]))


def test_nan_payloads_are_one_nan() -> None:
    quiet = np.array([1.0, np.nan])
    other = np.array([1.0, 0.0])
    other.view(np.uint64)[1] = 0x7FF0000000000001  # a signalling NaN
    assert ndarray_digest(quiet) == ndarray_digest(other)
    assert table_digest(pa.table({"x": quiet})) == table_digest(pa.table({"x": other}))


def test_numpy_digest_ignores_memory_order_and_byte_order_but_not_shape() -> None:
    array = np.arange(24, dtype=np.float64).reshape(4, 6)
    same = [np.asfortranarray(array), array.astype(">f8"), array.T.copy().T]
    assert {ndarray_digest(a) for a in same} == {ndarray_digest(array)}
    assert ndarray_digest(array) != ndarray_digest(array.reshape(6, 4))
    assert ndarray_digest(array) != ndarray_digest(array.astype(np.float32))
    assert ndarray_digest(array[::2]) == ndarray_digest(np.ascontiguousarray(array[::2]))


def test_object_arrays_are_digested_by_value_and_mixed_ones_refused() -> None:
    labels = np.array(["a", None, "b"], dtype=object)
    assert ndarray_digest(labels) == ndarray_digest(labels.copy())
    assert ndarray_digest(labels) != ndarray_digest(np.array(["a", None, "c"], dtype=object))
    with pytest.raises(InvalidValueError, match="astype"):
        ndarray_digest(np.array([1, "a", object()], dtype=object))


def test_arrays_digest_sorts_dict_keys_and_keeps_tuple_order() -> None:
    x, y = np.zeros((3, 2)), np.arange(3)
    assert arrays_digest({"X": x, "y": y}) == arrays_digest({"y": y, "X": x})
    assert arrays_digest((x, y)) != arrays_digest((y, x))
    assert arrays_digest((x, y)) != arrays_digest({"0": x, "1": y})


def test_a_lazy_polars_frame_asks_to_be_collected() -> None:
    with pytest.raises(InvalidValueError, match=r"collect\(\)"):
        to_arrow_table(pl.DataFrame(COLUMNS).lazy())


def test_a_million_rows_by_ten_columns_digest_in_well_under_a_second() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"f{i}": rng.random(1_000_000) for i in range(8)})
    frame["i"] = np.arange(1_000_000)
    frame["s"] = pd.array(rng.integers(0, 1000, 1_000_000).astype(str), dtype="string")
    digest_of(frame.head(2))  # imports pyarrow.compute and friends, once per process
    start = time.perf_counter()
    digest_of(frame)
    assert time.perf_counter() - start < 1.0


def test_empty_and_all_null_columns_digest_by_content_not_buffers() -> None:
    typed = pa.table(
        {"a": pa.array([None] * 3, pa.int64()), "s": pa.array([None] * 3, pa.string())}
    )
    bare = pa.table({"a": pa.nulls(3, pa.int64()), "s": pa.nulls(3, pa.string())})
    assert table_digest(typed) == table_digest(bare)
    empty = pa.table({"a": pa.array([1, 2], pa.int64())}).slice(2)
    assert table_digest(empty) == table_digest(pa.table({"a": pa.array([], pa.int64())}))


def test_a_column_type_with_no_canonical_encoding_is_refused_with_a_way_out() -> None:
    mapping = pa.array([[("k", 1)]], pa.map_(pa.string(), pa.int64()))
    with pytest.raises(InvalidValueError, match="Convert the column"):
        table_digest(pa.table({"m": mapping}))
