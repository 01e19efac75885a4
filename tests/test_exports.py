"""Metric and table exports: every point, bit for bit; tables typed sensibly."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

import trackrecord
from trackrecord import exports
from trackrecord.errors import InvalidValueError, MissingDependencyError, NotFoundError
from trackrecord.exports import METRIC_COLUMNS, export_metrics, export_table

ODD = [1.5, float("nan"), float("inf"), -float("inf"), -0.0, 5e-324, 0.1]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("metrics") / "store"
    ids = []
    for r in range(3):
        with trackrecord.init("exp", dir=root, capture=False) as run:
            for step, value in enumerate(ODD):
                run.log({"loss": value * (r + 1), "acc": step / 7}, step=step * 10)
            run.flush()
            run.log({"loss": 0.25, "val/acc, top-1": 0.5}, step=1000)
        ids.append(run.id)
    with trackrecord.init("exp", dir=root, capture=False) as empty:
        empty.log_params({"lr": 0.1})  # a run without metrics adds no rows
    return root, [*ids, empty.id]


@pytest.fixture
def api(runs: tuple[Path, list[str]]) -> Iterator[trackrecord.Api]:
    with trackrecord.Api(dir=runs[0]) as opened:
        yield opened


def expected_points(api: trackrecord.Api, run_ids: list[str]) -> dict[tuple[str, str], Any]:
    found = {}
    for run_id in run_ids:
        for key in api.summaries(run_id):
            h = api.metric_history(run_id, key)
            found[run_id, key] = (h.steps.tolist(), h.values.tobytes(), h.times.tolist())
    return found


def grouped(run_id: list[str], key: list[str], step: Any, value: Any, time: Any) -> dict[Any, Any]:
    """Rows grouped by (run, key) in file order, values as raw float64 bytes."""
    groups: dict[tuple[str, str], tuple[list[int], list[float], list[int]]] = {}
    for row in zip(run_id, key, step, value, time, strict=True):
        s, v, t = groups.setdefault((row[0], row[1]), ([], [], []))
        s.append(int(row[2]))
        v.append(float(row[3]))
        t.append(int(row[4]))
    return {k: (s, np.array(v, dtype="<f8").tobytes(), t) for k, (s, v, t) in groups.items()}


def read_csv(path: Path) -> dict[Any, Any]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == METRIC_COLUMNS
    return grouped(*(list(c) for c in zip(*rows[1:], strict=True)))


def test_parquet_has_every_point(
    api: trackrecord.Api, runs: tuple[Path, list[str]], tmp_path: Path
) -> None:
    calls: list[tuple[int, int, str]] = []
    out = tmp_path / "m.parquet"
    summary = export_metrics(api.store, runs[1], out, progress=lambda *c: calls.append(c))
    table = pq.read_table(out)
    assert table.column_names == list(METRIC_COLUMNS)
    assert [str(t) for t in table.schema.types] == ["string", "string", "int64", "double", "int64"]
    expected = expected_points(api, runs[1])
    assert summary.rows == table.num_rows == sum(len(s) for s, _, _ in expected.values()) == 48
    columns = table.to_pydict()
    assert grouped(*(columns[c] for c in METRIC_COLUMNS)) == expected
    assert calls == [(i, 4, f"run {r}") for i, r in enumerate(runs[1], 1)]


def test_parquet_in_many_batches(
    api: trackrecord.Api,
    runs: tuple[Path, list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(exports, "_BATCH_ROWS", 5)
    out = tmp_path / "m.parquet"
    export_metrics(api.store, runs[1], out)
    assert pq.ParquetFile(out).num_row_groups > 3
    columns = pq.read_table(out).to_pydict()
    assert grouped(*(columns[c] for c in METRIC_COLUMNS)) == expected_points(api, runs[1])


@pytest.mark.parametrize("pyarrow", [True, False])
def test_csv_has_every_point(
    api: trackrecord.Api,
    runs: tuple[Path, list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pyarrow: bool,
) -> None:
    if not pyarrow:
        monkeypatch.setitem(sys.modules, "pyarrow", None)
        monkeypatch.setitem(sys.modules, "pyarrow.csv", None)
    out = tmp_path / "m.csv"
    summary = export_metrics(api.store, runs[1][:2], out, format="csv")
    assert summary.rows == 32 and summary.format == "csv"
    assert read_csv(out) == expected_points(api, runs[1][:2])
    assert out.read_text().startswith('"run_id"') == pyarrow  # which writer wrote it


def test_parquet_without_pyarrow_says_what_to_install(
    api: trackrecord.Api,
    runs: tuple[Path, list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'trackrecord\[tables\]'"):
        export_metrics(api.store, runs[1], tmp_path / "m.parquet")
    with pytest.raises(MissingDependencyError, match="pyarrow"):
        export_table([{"a": 1}], tmp_path / "t.parquet")
    assert list(tmp_path.iterdir()) == []


def test_bad_arguments(
    api: trackrecord.Api,
    runs: tuple[Path, list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(exports, "_BATCH_ROWS", 1)  # a write is under way when the error comes
    with pytest.raises(InvalidValueError, match="parquet, csv"):
        export_metrics(api.store, runs[1], tmp_path / "m.xlsx", format="xlsx")
    (tmp_path / "m.parquet").write_bytes(b"an older export")
    with pytest.raises(NotFoundError, match="01m8cvyv2qdqdwy2pq0380m6jf"):
        export_metrics(
            api.store, [runs[1][0], "01m8cvyv2qdqdwy2pq0380m6jf"], tmp_path / "m.parquet"
        )
    assert (tmp_path / "m.parquet").read_bytes() == b"an older export"  # left as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.parquet"]
    with pytest.raises(InvalidValueError, match=r"\.csv, \.parquet or \.json"):
        export_table([{"a": 1}], tmp_path / "t.xlsx")


ROWS: list[dict[str, Any]] = [
    {
        "id": "a",
        "created": dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc),
        "params.lr": 0.1,
        "params.batch": 32,
        "params.layers": [64, 32],
        "metrics.loss": float("nan"),
        "metrics.steps": np.int64(7),
    },
    {
        "id": "b",
        "created": dt.datetime(2024, 5, 2, 8, 30, tzinfo=dt.timezone.utc),
        "params.batch": "auto",
        "metrics.loss": float("inf"),
        "metrics.steps": 9,
        "tags.best": True,
    },
]
COLUMNS = [
    "id",
    "created",
    "params.lr",
    "params.batch",
    "params.layers",
    "metrics.loss",
    "metrics.steps",
    "tags.best",
]


def test_table_as_csv(tmp_path: Path) -> None:
    summary = export_table(ROWS, tmp_path / "runs.csv")
    assert (summary.format, summary.rows, list(summary.columns)) == ("csv", 2, COLUMNS)
    with (tmp_path / "runs.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        COLUMNS,
        ["a", "2024-05-01T12:00:00+00:00", "0.1", "32", "[64, 32]", "nan", "7", ""],
        ["b", "2024-05-02T08:30:00+00:00", "", "auto", "", "inf", "9", "true"],
    ]


def test_table_as_json(tmp_path: Path) -> None:
    export_table(ROWS, tmp_path / "runs.json")
    text = (tmp_path / "runs.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == [
        {
            "id": "a",
            "created": "2024-05-01T12:00:00+00:00",
            "params.lr": 0.1,
            "params.batch": 32,
            "params.layers": [64, 32],
            "metrics.loss": None,
            "metrics.steps": 7,
            "tags.best": None,
        },
        {
            "id": "b",
            "created": "2024-05-02T08:30:00+00:00",
            "params.lr": None,
            "params.batch": "auto",
            "params.layers": None,
            "metrics.loss": None,
            "metrics.steps": 9,
            "tags.best": True,
        },
    ]


def test_table_as_parquet(tmp_path: Path) -> None:
    export_table(ROWS, tmp_path / "runs.out", format="parquet")
    table = pq.read_table(tmp_path / "runs.out")
    assert table.column_names == COLUMNS
    types = dict(zip(table.column_names, map(str, table.schema.types), strict=True))
    assert types["params.lr"] == "double" and types["metrics.steps"] == "int64"
    assert types["params.batch"] == "string" and types["tags.best"] == "bool"
    assert types["created"].startswith("timestamp")
    data = table.to_pydict()
    assert data["params.batch"] == ["32", "auto"]  # mixed types become text
    assert data["params.layers"] == ["[64, 32]", None]
    assert np.isnan(data["metrics.loss"][0]) and data["metrics.loss"][1] == float("inf")
    assert data["created"][1] == ROWS[1]["created"]
