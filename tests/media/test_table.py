"""encode_table: data frames, Arrow tables and plain rows to Parquet or CSV."""

from __future__ import annotations

import io
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from trackrecord.errors import InvalidValueError, MissingDependencyError
from trackrecord.media import EncodedTable, encode_table


def read_parquet(encoded: EncodedTable) -> pd.DataFrame:
    assert encoded.content.startswith(b"PAR1")
    return pd.read_parquet(io.BytesIO(encoded.content))


FRAME = pd.DataFrame({"epoch": [1, 2, 3], "loss": [0.9, 0.5, 0.25], "split": ["a", "b", "c"]})


def test_dataframe_parquet_round_trip() -> None:
    encoded = encode_table(FRAME, format="parquet")

    pd.testing.assert_frame_equal(read_parquet(encoded), FRAME)
    assert (encoded.extension, encoded.media_type) == ("parquet", "application/vnd.apache.parquet")
    assert (encoded.rows, encoded.columns) == (3, ["epoch", "loss", "split"])


def test_default_format_is_parquet_when_pyarrow_is_installed() -> None:
    assert encode_table(FRAME).extension == "parquet"


def test_dataframe_keeps_a_meaningful_index() -> None:
    frame = FRAME.set_index("epoch")

    encoded = encode_table(frame, format="parquet")

    pd.testing.assert_frame_equal(read_parquet(encoded), frame)
    assert encoded.columns == ["loss", "split"]


def test_dataframe_csv_round_trip() -> None:
    encoded = encode_table(FRAME, format="csv")

    pd.testing.assert_frame_equal(pd.read_csv(io.BytesIO(encoded.content)), FRAME)
    assert encoded.content.startswith(b"epoch,loss,split\n1,0.9,a\n")
    assert (encoded.extension, encoded.media_type) == ("csv", "text/csv")


def test_dataframe_csv_keeps_a_meaningful_index() -> None:
    encoded = encode_table(FRAME.set_index("split"), format="csv")

    assert encoded.content.splitlines()[:2] == [b"split,epoch,loss", b"a,1,0.9"]


def test_columns_selects_and_orders_dataframe_columns() -> None:
    encoded = encode_table(FRAME, columns=["split", "epoch"], format="parquet")

    assert list(read_parquet(encoded).columns) == ["split", "epoch"]


def test_unknown_column_lists_the_available_ones() -> None:
    with pytest.raises(InvalidValueError) as caught:
        encode_table(FRAME, columns=["accuracy"])

    assert "['accuracy']" in str(caught.value)
    assert "['epoch', 'loss', 'split']" in str(caught.value)


def test_dataframe_column_of_mixed_types_is_rejected_for_parquet() -> None:
    frame = pd.DataFrame({"mixed": [1, "two"]})

    with pytest.raises(InvalidValueError, match="format='csv'"):
        encode_table(frame, format="parquet")


def test_list_of_dicts_uses_the_union_of_keys_in_first_seen_order() -> None:
    rows = [{"epoch": 1, "loss": 0.5}, {"epoch": 2, "acc": 0.8}]

    csv_table = encode_table(rows, format="csv")
    parquet_table = encode_table(rows, format="parquet")

    assert csv_table.content == b"epoch,loss,acc\n1,0.5,\n2,,0.8\n"
    assert pq.read_table(io.BytesIO(parquet_table.content)).to_pydict() == {
        "epoch": [1, 2],
        "loss": [0.5, None],
        "acc": [None, 0.8],
    }
    assert parquet_table.columns == csv_table.columns == ["epoch", "loss", "acc"]
    assert parquet_table.rows == 2


def test_list_of_rows_with_columns() -> None:
    rows = [(1, "cat", 0.9), [2, "dog", None]]

    encoded = encode_table(rows, columns=["id", "label", "score"], format="parquet")

    table = pq.read_table(io.BytesIO(encoded.content))
    assert table.to_pylist() == [
        {"id": 1, "label": "cat", "score": 0.9},
        {"id": 2, "label": "dog", "score": None},
    ]
    assert encode_table(rows, columns=["id", "label", "score"], format="csv").content == (
        b"id,label,score\n1,cat,0.9\n2,dog,\n"
    )


def test_row_length_mismatch_names_the_row() -> None:
    rows = [[1, 2], [3, 4], [5]]

    with pytest.raises(InvalidValueError) as caught:
        encode_table(rows, columns=["a", "b"])

    assert "Row 2 has 1 values but there are 2 columns ['a', 'b']" in str(caught.value)


def test_rows_as_lists_need_columns() -> None:
    with pytest.raises(InvalidValueError, match=r"pass columns=\['a', 'b', \.\.\.\]"):
        encode_table([[1, 2]])


def test_rows_of_mixed_kinds_are_rejected() -> None:
    with pytest.raises(InvalidValueError, match="Row 1 is a list but row 0 is a dict"):
        encode_table([{"a": 1}, [2]])


def test_non_str_dict_key_is_rejected() -> None:
    with pytest.raises(InvalidValueError, match=r"Row 0 has the key 3 \(int\)"):
        encode_table([{3: "x"}])


def test_duplicate_column_names_are_rejected() -> None:
    with pytest.raises(InvalidValueError, match=r"\['a'\] more than once"):
        encode_table([[1, 2]], columns=["a", "a"])


def test_empty_rows_need_columns() -> None:
    with pytest.raises(InvalidValueError, match="empty list"):
        encode_table([])

    encoded = encode_table([], columns=["a", "b"], format="csv")
    assert (encoded.content, encoded.rows) == (b"a,b\n", 0)


def test_column_of_mixed_types_is_rejected_for_parquet_naming_it() -> None:
    with pytest.raises(InvalidValueError, match="Column 'value' cannot be stored as Parquet"):
        encode_table([{"value": 1}, {"value": "one"}], format="parquet")


def test_pyarrow_table_parquet_and_csv() -> None:
    table = pa.table({"step": [1, 2], "tag": ["x", None]})

    parquet = encode_table(table, format="parquet")
    csv = encode_table(table, format="csv")

    assert pq.read_table(io.BytesIO(parquet.content)).equals(table)
    assert csv.content == b"step,tag\n1,x\n2,\n"
    assert (parquet.rows, parquet.columns) == (2, ["step", "tag"])


def test_polars_dataframe() -> None:
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame({"step": [1, 2], "loss": [0.5, 0.25]})

    parquet = encode_table(frame, columns=["loss"], format="parquet")
    csv = encode_table(frame, format="csv")

    assert pq.read_table(io.BytesIO(parquet.content)).to_pydict() == {"loss": [0.5, 0.25]}
    assert csv.content == b"step,loss\n1,0.5\n2,0.25\n"
    assert (csv.rows, csv.columns) == (2, ["step", "loss"])


def test_unknown_format_lists_the_allowed_ones() -> None:
    with pytest.raises(InvalidValueError, match="allowed are 'parquet' and 'csv'"):
        encode_table(FRAME, format="xlsx")  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [{"a": [1, 2]}, (row for row in [[1]]), "a,b"])
def test_non_table_is_rejected_listing_what_is_accepted(value: object) -> None:
    with pytest.raises(InvalidValueError) as caught:
        encode_table(value)

    assert type(value).__name__ in str(caught.value)
    assert "a pandas DataFrame" in str(caught.value)


def test_without_pyarrow_default_is_csv_and_parquet_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)

    assert encode_table([{"a": 1}]).content == b"a\n1\n"
    with pytest.raises(MissingDependencyError, match=r"pip install 'trackrecord\[tables\]'"):
        encode_table([{"a": 1}], format="parquet")
