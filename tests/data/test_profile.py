"""Column profiles: compact, JSON-ready, with nulls, min/max and common values."""

from __future__ import annotations

import datetime
import json

import numpy as np
import pandas as pd
import pyarrow as pa

from trackrecord.data.digest import FileEntry
from trackrecord.data.frames import to_arrow_table
from trackrecord.data.profile import (
    MAX_COLUMNS,
    profile_arrays,
    profile_directory,
    profile_table,
)


def test_a_small_frame_profile_has_nulls_extremes_and_common_values() -> None:
    frame = pd.DataFrame(
        {
            "age": [31, 45, None, 22, 45],
            "score": [0.5, np.nan, 1.5, np.inf, -2.0],
            "city": ["Oslo", "Lima", "Oslo", None, "Oslo"],
            "seen": pd.to_datetime(["2024-01-02", None, "2023-05-06", "2024-03-01", None]),
            "flag": pd.array([True, True, False, None, True], dtype="boolean"),
            "kind": pd.Categorical(["a", "b", "a", "a", None]),
        }
    )
    table = to_arrow_table(frame)
    profile = profile_table(table)
    assert profile["rows"] == 5 and profile["columns_total"] == 6
    age, score, city, seen, flag, kind = profile["columns"]
    assert age == {
        "name": "age", "type": "float64", "nulls": 1, "min": 22.0, "max": 45.0, "distinct": 3
    }  # fmt: skip
    assert (score["nulls"], score["min"], score["max"]) == (1, -2.0, None)  # inf is not JSON
    assert city["top"] == [["Oslo", 3], ["Lima", 1]] and city["nulls"] == 1
    assert city["distinct"] == 2 and "min" not in city
    assert (seen["min"], seen["max"]) == ("2023-05-06T00:00:00", "2024-03-01T00:00:00")
    assert flag["top"] == [[True, 3], [False, 1]]
    assert kind["type"] == "string" and kind["top"] == [["a", 3], ["b", 1]]
    json.dumps(profile, allow_nan=False)


def test_top_values_are_capped_and_long_strings_cut() -> None:
    table = pa.table({"s": [f"v{i % 9}" for i in range(100)] + ["x" * 1000] * 20})
    (column,) = profile_table(table)["columns"]
    assert len(column["top"]) == 5 and column["top"][0][0] == "x" * 200 + "…"


def test_wide_tables_are_capped_to_the_first_columns() -> None:
    table = pa.table({f"c{i}": [i] for i in range(MAX_COLUMNS + 50)})
    profile = profile_table(table)
    assert len(profile["columns"]) == MAX_COLUMNS
    assert profile["columns_total"] == MAX_COLUMNS + 50


def test_temporal_decimal_and_nested_columns_are_json() -> None:
    import decimal

    table = pa.table(
        {
            "d": pa.array([datetime.date(2020, 1, 1), None]),
            "t": pa.array([1, 2], pa.timestamp("us", tz="UTC")),
            "m": pa.array([decimal.Decimal("1.50"), decimal.Decimal("-2.25")]),
            "l": pa.array([[1], None]),
        }
    )
    d, t, m, nested = profile_table(table)["columns"]
    assert d["min"] == "2020-01-01" and t["max"] == "1970-01-01T00:00:00.000002+00:00"
    assert (m["min"], m["max"]) == ("-2.25", "1.50")
    assert nested == {"name": "l", "type": "list<int64>", "nulls": 1}
    json.dumps(profile_table(table), allow_nan=False)


def test_array_profiles_count_nans_and_skip_all_nan_extremes() -> None:
    profile = profile_arrays(
        {
            "X": np.array([[1.0, np.nan], [3.0, -1.0]]),
            "empty": np.array([np.nan, np.nan]),
            "y": np.array([0, 1, 1], dtype=np.int8),
            "names": np.array(["a", "b"]),
        }
    )
    x, empty, y, names = profile["arrays"]
    assert x == {"name": "X", "dtype": "float64", "shape": [2, 2], "nans": 1, "min": -1.0,
                 "max": 3.0}  # fmt: skip
    assert empty == {"name": "empty", "dtype": "float64", "shape": [2], "nans": 2}
    assert (y["min"], y["max"]) == (0, 1)
    assert names == {"name": "names", "dtype": "<U1", "shape": [2]}
    json.dumps(profile, allow_nan=False)


def test_directory_profile_counts_files_per_extension() -> None:
    entries = [
        FileEntry("a/1.PNG", "0" * 64, 10),
        FileEntry("a/2.png", "1" * 64, 20),
        FileEntry("README", "2" * 64, 1),
        FileEntry(".hidden", "3" * 64, 1),
    ]
    assert profile_directory(entries) == {
        "files": 4,
        "size": 32,
        "extensions": {".png": 2, "": 2},
    }
