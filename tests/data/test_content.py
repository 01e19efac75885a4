"""describe_data: kind, digest, rows, schema, profile and sources of each kind of data."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from trackrecord.data import describe_data, hash_directory
from trackrecord.data.content import DatasetContent
from trackrecord.errors import InvalidValueError


def assert_json(content: DatasetContent) -> None:
    json.dumps(content.to_dict(), allow_nan=False)


def test_a_csv_file_is_hashed_and_profiled(tmp_path: Path) -> None:
    path = tmp_path / "train.csv"
    path.write_text("x,label\n1,cat\n2,dog\n3,cat\n")
    content = describe_data(path, source="s3://b/train.csv?versionId=7")
    assert content.kind == "file" and content.size == path.stat().st_size
    assert content.digest == hashlib.sha256(path.read_bytes()).hexdigest()
    assert content.rows == 3
    assert content.schema == [{"name": "x", "type": "int64"}, {"name": "label", "type": "string"}]
    assert content.profile is not None
    assert content.profile["columns"][1]["top"] == [["cat", 2], ["dog", 1]]
    assert content.uri == path.as_uri()
    assert content.sources == [
        {"kind": "s3", "bucket": "b", "key": "train.csv", "version_id": "7",
         "uri": "s3://b/train.csv?versionId=7"}
    ]  # fmt: skip
    assert_json(content)


def test_a_parquet_file_gives_rows_and_schema_from_its_footer(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"a": [1.5, None], "b": ["x", "y"]}), path)
    content = describe_data(str(path))
    assert (content.rows, content.schema) == (
        2,
        [{"name": "a", "type": "float64"}, {"name": "b", "type": "string"}],
    )
    assert content.profile is not None and content.profile["columns"][0]["nulls"] == 1


def test_a_damaged_table_file_is_still_hashed(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 not really")
    content = describe_data(path)
    assert content.digest == hashlib.sha256(b"PAR1 not really").hexdigest()
    assert (content.rows, content.schema, content.profile) == (None, None, None)


def test_a_directory_is_described_by_its_manifest(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "a.png").write_bytes(b"a")
    (tmp_path / "labels.csv").write_bytes(b"y\n1\n")
    content = describe_data(tmp_path)
    digest, entries = hash_directory(tmp_path)
    assert (content.kind, content.digest, content.files) == ("directory", digest, entries)
    assert content.profile == {"files": 2, "size": 5, "extensions": {".png": 1, ".csv": 1}}
    assert content.size == 5
    assert_json(content)


def test_a_git_lfs_pointer_file_uses_the_oid_as_content_digest(tmp_path: Path) -> None:
    oid = hashlib.sha256(b"weights").hexdigest()
    path = tmp_path / "model.bin"
    path.write_text(f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize 7\n")
    content = describe_data(path)
    assert (content.kind, content.digest, content.size) == ("file", oid, 7)
    assert content.sources == [{"kind": "git-lfs", "oid": oid, "size": 7, "pointer": True}]


@pytest.mark.parametrize(
    "uri",
    [
        "s3://bucket/key.csv",
        "lakefs://repo/main/a.csv",
        "hf://datasets/org/name@main/x.parquet",
        "gs://b/k",
        "dvc://example/data.xml",
    ],
)
def test_a_uri_is_a_reference_without_digest(uri: str) -> None:
    content = describe_data(uri)
    assert (content.kind, content.digest, content.uri) == ("reference", None, uri)
    assert content.sources[0]["uri"] == uri


def test_source_alone_is_a_reference_and_a_file_uri_is_local(tmp_path: Path) -> None:
    content = describe_data(None, source="lakefs://repo/main/a.csv")
    assert content.kind == "reference" and content.sources[0]["kind"] == "lakefs"
    (tmp_path / "f.txt").write_bytes(b"hi")
    assert describe_data((tmp_path / "f.txt").as_uri()).digest == hashlib.sha256(b"hi").hexdigest()


def test_frames_tables_and_arrays_are_digested_by_content() -> None:
    frame = pd.DataFrame({"x": [1, 2], "s": ["a", "b"]})
    from_pandas, from_polars = describe_data(frame), describe_data(pl.from_pandas(frame))
    from_arrow = describe_data(pa.Table.from_pandas(frame, preserve_index=False))
    assert from_pandas.kind == from_polars.kind == "dataframe" and from_arrow.kind == "arrow"
    assert from_pandas.digest == from_polars.digest == from_arrow.digest
    assert from_pandas.rows == 2 and from_pandas.schema == from_arrow.schema
    assert describe_data(frame["x"]).rows == 2
    assert_json(from_pandas)


def test_x_y_pairs_are_arrays_with_rows_schema_and_profile() -> None:
    x, y = np.arange(6.0).reshape(3, 2), np.array([0, 1, 0])
    content = describe_data((x, y))
    assert (content.kind, content.rows, content.size) == ("array", 3, x.nbytes + y.nbytes)
    assert content.schema == [
        {"name": "0", "type": "float64[3, 2]"},
        {"name": "1", "type": "int64[3]"},
    ]
    assert describe_data({"X": x, "y": y}).digest != content.digest
    assert describe_data({"X": x, "y": y}).digest == describe_data({"y": y, "X": x}).digest
    assert describe_data(x).digest == describe_data(np.asfortranarray(x)).digest
    assert_json(content)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (None, "pass the data"),
        ("no/such/file.csv", "not an existing file or directory"),
        (object(), "cannot describe a object"),
        ((), "empty tuple"),
        ({1: np.zeros(2)}, "keys of a dict of arrays must be strings"),
        ((np.zeros(2), "text"), "must be numpy arrays or tables"),
    ],
)
def test_what_cannot_be_described_says_what_to_pass(data: object, match: str) -> None:
    with pytest.raises(InvalidValueError, match=match):
        describe_data(data)
