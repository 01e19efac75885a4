"""``trackrecord projects ls``, ``runs ls``, ``runs show`` and ``runs compare`` on a real store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import trackrecord
from tests.cli.stores import SPIKE, Zoo, invoke_in


def test_projects_ls(zoo: Zoo) -> None:
    invoke = invoke_in(zoo.root)
    lines = invoke("projects", "ls").output.splitlines()
    assert lines[0].split() == ["name", "runs", "created"]
    assert [line.split()[:2] for line in lines[1:]] == [["mnist", "3"], ["other", "1"]]
    found = json.loads(invoke("projects", "ls", "--json").stdout)
    assert [(p["name"], p["runs"]) for p in found] == [("mnist", 3), ("other", 1)]


def test_runs_ls_default_columns_newest_first(zoo: Zoo) -> None:
    result = invoke_in(zoo.root)("runs", "ls")
    assert result.exit_code == 0, result.output
    header, *rows = result.output.splitlines()
    assert header.split() == [
        "id", "name", "project", "status", "created", "duration", "acc", "loss", "x",
    ]  # fmt: skip
    shown = [row.split()[0] for row in rows]
    newest_first = (zoo.failed, zoo.small, zoo.medium, zoo.spiky)
    assert all(full.startswith(short) for short, full in zip(shown, newest_first, strict=True))
    assert len(set(shown)) == 4 and min(map(len, shown)) >= 8  # short, yet unique
    assert "failed" in rows[0] and "finished" in rows[3]
    assert max(len(line) for line in result.output.splitlines()) <= 120


def test_runs_ls_where_sort_columns_and_limit(zoo: Zoo) -> None:
    result = invoke_in(zoo.root)(
        "runs", "ls", "--project", "mnist", "--where", "params.optimizer.lr < 0.05",
        "--sort=-params.optimizer.lr", "-c", "name,params.optimizer.lr", "-c", "metrics.loss.max",
        "--limit", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    header, row = result.stdout.splitlines()
    assert header.split() == ["id", "name", "params.optimizer.lr", "metrics.loss.max"]
    assert zoo.medium.startswith(row.split()[0]) and row.split()[2:] == ["0.01", "1"]
    assert "--cursor" in result.stderr  # a second page exists


def test_runs_ls_json_has_every_column_and_a_cursor(zoo: Zoo) -> None:
    invoke = invoke_in(zoo.root)
    page = json.loads(invoke("runs", "ls", "--json", "--limit", "2").stdout)
    assert [row["id"] for row in page["runs"]] == [zoo.failed, zoo.small]
    assert page["runs"][1]["params.batch"] == 32
    assert page["runs"][1]["metrics.loss.max"] == pytest.approx(1.0)
    rest = json.loads(invoke("runs", "ls", "--json", "--cursor", page["next_cursor"]).stdout)
    assert [row["id"] for row in rest["runs"]] == [zoo.medium, zoo.spiky]
    assert rest["next_cursor"] is None


def test_a_bad_query_shows_the_caret_and_exits_2(zoo: Zoo) -> None:
    result = invoke_in(zoo.root)("runs", "ls", "--where", "metrics.loss.max > and")
    assert result.exit_code == 2
    lines = result.output.splitlines()
    query_line = next(i for i, line in enumerate(lines) if "metrics.loss.max > and" in line)
    caret = lines[query_line + 1]
    assert caret.strip() == "^"
    assert caret.index("^") == lines[query_line].index("and")
    assert "Traceback" not in result.output


@pytest.mark.parametrize("option", ["--sort", "--columns"])
def test_a_bad_field_in_sort_or_columns_exits_2(zoo: Zoo, option: str) -> None:
    result = invoke_in(zoo.root)("runs", "ls", option, "parms.lr")
    assert result.exit_code == 2
    assert option in result.output and "params.lr" in result.output  # the suggestion


def test_an_empty_store_directory_is_an_error(tmp_path: Path) -> None:
    result = invoke_in(tmp_path)("runs", "ls")
    assert result.exit_code == 2
    assert "trackrecord.db" in result.output


def test_runs_show_text(zoo: Zoo) -> None:
    result = invoke_in(zoo.root)("runs", "show", zoo.spiky[:12])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith(f"run {zoo.spiky}")
    lines = out.splitlines()
    optimizer = lines.index("  optimizer")  # params nested by dotted prefix
    assert lines[optimizer + 1].split() == ["lr", "0.1"]
    assert lines[optimizer + 2].split() == ["name", "adam"]
    loss = next(line for line in lines if line.strip().startswith("loss"))
    assert loss.split() == ["loss", "0.001", "0.001", "100", "1000", "999"]
    assert "report.txt" in out and "text/plain" in out
    datasets = lines.index("datasets")
    assert lines[datasets + 1].strip() == "none"
    assert "not captured" in out  # capture=False


def test_runs_show_of_a_failed_run_has_its_traceback(zoo: Zoo) -> None:
    out = invoke_in(zoo.root)("runs", "show", zoo.failed).output
    assert "RuntimeError: boom at step 1" in out
    assert "Traceback (most recent call last)" in out


def test_runs_show_json_has_everything(zoo: Zoo) -> None:
    result = invoke_in(zoo.root)("runs", "show", zoo.spiky, "--json")
    shown = json.loads(result.stdout)
    assert shown["id"] == zoo.spiky and shown["status"] == "finished"
    assert shown["params"] == {"optimizer.name": "adam", "optimizer.lr": 0.1, "batch": 32}
    assert shown["summaries"]["loss"]["max"] == SPIKE
    assert [a["path"] for a in shown["artifacts"]] == ["report.txt"]
    assert shown["environment"] == {} and shown["datasets"] == []
    assert shown["tags"] == {"stage": "dev"}


def test_runs_show_unknown_id_exits_2(zoo: Zoo) -> None:
    result = invoke_in(zoo.root)("runs", "show", "zzzzzzzz")
    assert result.exit_code == 2
    assert "no run" in result.output and "zzzzzzzz" in result.output


def test_runs_show_captured_environment(store: Path) -> None:
    with trackrecord.init("p", dir=store, capture=trackrecord.Capture(packages=False)) as run:
        run.log({"loss": 1.0})
    out = invoke_in(store)("runs", "show", run.id).output
    environment = out[out.index("\nenvironment\n") : out.index("\nartifacts\n")]
    for label in ("python", "os", "host", "cpu", "gpu", "git", "command"):
        assert f"\n  {label} " in environment, label


def test_runs_compare_marks_differences(zoo: Zoo) -> None:
    result = invoke_in(zoo.root)("runs", "compare", zoo.spiky, zoo.medium)
    assert result.exit_code == 0, result.output
    rows = {line[2:].split()[0]: line for line in result.output.splitlines()[1:-1]}
    assert rows["params.optimizer.lr"].startswith("*")
    assert rows["params.optimizer.lr"].split()[2:] == ["0.1", "0.01"]
    assert rows["metrics.loss.max"].split()[2:] == ["100", "1"]
    assert "params.batch" not in rows  # identical: hidden, and counted
    assert "identical rows hidden" in result.output.splitlines()[-1]


def test_runs_compare_all_and_json(zoo: Zoo) -> None:
    invoke = invoke_in(zoo.root)
    out = invoke("runs", "compare", zoo.spiky, zoo.medium, "--all").output
    rows = {line[2:].split()[0]: line.split() for line in out.splitlines()[1:]}
    assert rows["params.batch"] == ["params.batch", "32", "32"]  # shown, not marked
    assert rows["params.optimizer.lr"] == ["*", "params.optimizer.lr", "0.1", "0.01"]
    out = invoke("runs", "compare", zoo.spiky, zoo.medium, zoo.failed).output
    batch = next(line for line in out.splitlines() if "params.batch" in line)
    assert batch.split() == ["*", "params.batch", "32", "32", "-"]  # the failed run has none
    shown = json.loads(invoke("runs", "compare", zoo.spiky, zoo.medium, "--json").stdout)
    fields = {row["field"]: row for row in shown["rows"]}
    assert fields["params.optimizer.lr"] == {
        "field": "params.optimizer.lr",
        "values": [0.1, 0.01],
        "differs": True,
    }
    assert "params.batch" not in fields and shown["identical"] > 0
    assert [r["id"] for r in shown["runs"]] == [zoo.spiky, zoo.medium]


def test_runs_compare_needs_two_runs(zoo: Zoo) -> None:
    result = invoke_in(zoo.root)("runs", "compare", zoo.spiky)
    assert result.exit_code == 2
    assert "two run ids" in result.output
