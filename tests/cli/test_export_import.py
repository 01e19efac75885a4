"""``trackrecord export archive|metrics|table`` and ``trackrecord import``, end to end."""

from __future__ import annotations

import csv
import json
import tarfile
from pathlib import Path

import click
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

import trackrecord
from trackrecord.cli.export import export
from trackrecord.cli.imports import import_

cli = click.Group("trackrecord", commands={"export": export, "import": import_})


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def store(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Store A: two runs of project p (one with an artifact), one of project q."""
    root = tmp_path / "a"
    ids = {}
    for name, project, loss in [("one", "p", 0.9), ("two", "p", 0.2), ("three", "q", 0.5)]:
        with trackrecord.init(project, name=name, dir=root, capture=False) as run:
            run.log({"loss": loss * 2})
            run.log({"loss": loss})
            if name == "two":
                run.log_text("report.md", "all good")
        ids[name] = run.id
    return root, ids


def assert_clean_error(result: Result, code: int, *words: str) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output


def test_archive_then_import(store: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    root, ids = store
    out, b = tmp_path / "p.tar", tmp_path / "b"
    result = invoke("export", "archive", out, "--project", "p", "--dir", root)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Exported 2 runs (") and str(out) in result.output
    result = invoke("import", out, "--dir", b, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert set(summary["imported"]) == {ids["one"], ids["two"]}
    assert summary["skipped"] == [] and summary["artifacts"] == 1
    again = invoke("import", out, "--dir", b)
    assert again.exit_code == 0, again.output
    assert again.output.startswith("Imported 0 runs (0 events), skipped 2 already there")
    with trackrecord.Api(dir=b) as api:
        assert {r.name for r in api.runs()} == {"one", "two"}
        assert all(api.verify(i).ok for i in (ids["one"], ids["two"]))


def test_archive_of_one_run_by_prefix(store: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    root, ids = store
    result = invoke(
        "export", "archive", tmp_path / "x.tar", "--run", ids["three"][:20], "--dir", root, "--json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["runs"] == [ids["three"]]
    everything = invoke("export", "archive", tmp_path / "all.tar", "--dir", root, "--json")
    assert len(json.loads(everything.output)["runs"]) == 3


def test_bad_arguments_exit_2(store: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    root, ids = store
    unknown = "01m8cvyv2qdqdwy2pq0380m6jf"
    out = tmp_path / "x.tar"
    result = invoke("export", "archive", out, "--run", unknown, "--dir", root)
    assert_clean_error(result, 2, unknown)
    result = invoke("export", "archive", out, "--run", ids["one"], "--project", "p", "--dir", root)
    assert_clean_error(result, 2, "not both")
    result = invoke("export", "metrics", out, "--project", "nope", "--dir", root)
    assert_clean_error(result, 2, "'nope' has no runs", "p, q")
    result = invoke("export", "archive", out, "--dir", tmp_path / "empty")
    assert_clean_error(result, 2, "trackrecord.db")
    result = invoke("import", tmp_path / "missing.tar", "--dir", tmp_path / "b")
    assert_clean_error(result, 2, "missing.tar")
    result = invoke("export", "table", tmp_path / "t.json", "--where", "loss >", "--dir", root)
    assert_clean_error(result, 2)
    result = invoke("export", "table", tmp_path / "t.xlsx", "--dir", root)
    assert_clean_error(result, 2, ".csv, .parquet or .json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]


def test_a_tampered_archive_exits_1(store: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    root, ids = store
    out = tmp_path / "x.tar"
    assert invoke("export", "archive", out, "--run", ids["two"], "--dir", root).exit_code == 0
    with tarfile.open(out) as tar:
        member = next(m for m in tar.getmembers() if m.name.startswith("artifacts/"))
    data = bytearray(out.read_bytes())
    data[member.offset_data] ^= 1
    out.write_bytes(bytes(data))
    result = invoke("import", out, "--dir", tmp_path / "b")
    assert_clean_error(result, 1, "Error:", member.name, "does not hash to its name")
    with trackrecord.Api(dir=tmp_path / "b") as api:
        assert api.runs() == []


def test_metrics(store: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    root, ids = store
    result = invoke("export", "metrics", tmp_path / "m.csv", "--project", "p", "--dir", root)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Exported 4 metric points of 2 runs to {tmp_path / 'm.csv'}"
    with (tmp_path / "m.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted((r["run_id"], float(r["value"])) for r in rows) == sorted(
        [(ids["one"], 1.8), (ids["one"], 0.9), (ids["two"], 0.4), (ids["two"], 0.2)]
    )
    out = tmp_path / "m.data"
    result = invoke("export", "metrics", out, "--run", ids["three"], "--dir", root, "--json")
    assert json.loads(result.output) == {
        "path": str(out),
        "format": "parquet",
        "runs": 1,
        "rows": 2,
    }
    assert pq.read_table(out).column("value").to_pylist() == [1.0, 0.5]


def test_table(store: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    root, ids = store
    out = tmp_path / "runs.json"
    result = invoke(
        "export",
        "table",
        out,
        "--where",
        "metrics.loss < 0.6",
        "--columns",
        "name,metrics.loss",
        "--dir",
        root,
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Exported 2 runs (3 columns) to {out}"
    rows = json.loads(out.read_text())
    assert sorted(rows, key=lambda r: r["name"]) == [
        {"id": ids["three"], "name": "three", "metrics.loss": 0.5},
        {"id": ids["two"], "name": "two", "metrics.loss": 0.2},
    ]
    result = invoke(
        "export", "table", tmp_path / "p.csv", "--project", "p", "--dir", root, "--json"
    )
    summary = json.loads(result.output)
    assert summary["rows"] == 2 and "params" not in summary["columns"]
    assert {"id", "name", "status", "metrics.loss"} <= set(summary["columns"])
