"""The plain-text pieces of the command line: tables, sparklines, value formats."""

from __future__ import annotations

import io

import click
import numpy as np
import pytest

from trackrecord.cli.formats import (
    format_bytes,
    format_duration,
    format_value,
    short_ids,
    to_json,
)
from trackrecord.cli.options import split_list
from trackrecord.cli.render import Column, render_table, truncate
from trackrecord.cli.sparkline import BLOCKS, sparkline


def plain(lines: list[str]) -> list[str]:
    return [click.unstyle(line) for line in lines]


def test_columns_are_aligned_and_numbers_right_aligned() -> None:
    lines = plain(
        render_table(
            [Column("name"), Column("acc", align="right")],
            [["a", "0.5"], ["longer-name", "0.25"]],
        )
    )
    assert lines == ["name          acc", "a             0.5", "longer-name  0.25"]


def test_long_cells_are_cut_with_an_ellipsis() -> None:
    lines = plain(render_table([Column("k", max_width=6)], [["abcdefghij"]]))
    assert lines[1] == "abcde…"
    assert truncate("line\nbreak", 20) == "line break"


def test_a_table_wider_than_allowed_narrows_its_widest_column() -> None:
    rows = [["x" * 50, "y" * 50, "z"]]
    lines = plain(render_table([Column("a", max_width=60)] * 2 + [Column("b")], rows, width=60))
    assert max(len(line) for line in lines) <= 60
    assert lines[1].endswith("z")  # the narrow column survives whole


def test_marked_rows_are_coloured_only_for_a_terminal() -> None:
    lines = render_table([Column("k")], [["same"], ["differs"]], marked={1})
    assert "\x1b[" in lines[2] and lines[1] == "same"
    out = io.StringIO()  # not a terminal: click.echo drops the colour codes
    click.echo(lines[2], file=out)
    assert out.getvalue() == "differs\n"


def test_a_single_row_sparkline_shows_the_maximum_of_each_bucket() -> None:
    lows = np.array([0.0, 0.0, 0.0, 1.0])
    highs = np.array([1.0, 9.0, 1.0, 1.0])
    (line,) = sparkline(lows, highs)
    assert line[1] == BLOCKS[-1]
    assert line[0] == line[2] == line[3] and line[0] != BLOCKS[-1]


def test_a_taller_chart_draws_each_bucket_from_its_minimum_to_its_maximum() -> None:
    lows = np.array([0.0, 5.0, 9.0])
    highs = np.array([9.0, 5.0, 9.0])
    top, middle, bottom = sparkline(lows, highs, height=3)
    assert top[0] == middle[0] == bottom[0] == "█"  # the full range
    assert bottom[2] == middle[2] == " " and top[2] == "█"  # only at the top
    assert bottom[1] == " " and middle[1] != " " and top[1] == " "  # only in the middle


def test_sparkline_of_a_flat_series_nan_and_infinity() -> None:
    (flat,) = sparkline(np.array([2.0, 2.0]), np.array([2.0, 2.0]))
    assert flat[0] == flat[1] != " "
    (line,) = sparkline(np.array([np.nan, 0.0, 1.0]), np.array([np.nan, np.inf, 1.0]))
    assert line[0] == " " and line[1] == BLOCKS[-1]


@pytest.mark.parametrize(
    ("ms", "text"),
    [(None, "-"), (850, "850ms"), (12_300, "12.3s"), (245_000, "4m05s"), (7_380_000, "2h03m")],
)
def test_durations(ms: int | None, text: str) -> None:
    assert format_duration(ms) == text


def test_sizes_values_and_json() -> None:
    assert [format_bytes(n) for n in (512, 1536, 3 << 30)] == ["512 B", "1.5 KiB", "3.0 GiB"]
    assert [format_value(v) for v in (None, True, 0.1234567, [1, 2])] == [
        "-",
        "true",
        "0.123457",
        "[1,2]",
    ]
    assert to_json({"a": float("nan"), "b": [float("inf"), 1.5]}, lines=True) == (
        '{"a":null,"b":[null,1.5]}'
    )


def test_short_ids_grow_until_they_differ() -> None:
    ids = ["01jc3xw000aaaa", "01jc3xw000bbbb", "01kd0000000000"]
    assert short_ids(ids) == {i: i[:11] for i in ids}
    assert short_ids(["01jc3xw0zzzz"]) == {"01jc3xw0zzzz": "01jc3xw0"}


def test_option_lists_split_on_commas_outside_quotes() -> None:
    assert split_list(("name,params.lr", 'params."a,b"', " tags.x ")) == [
        "name",
        "params.lr",
        'params."a,b"',
        "tags.x",
    ]
