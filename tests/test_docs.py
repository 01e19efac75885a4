"""docs/query-language.md stays true: its queries, tables, errors and examples run."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.store.conftest import Chain
from trackrecord.query import QueryError, parse
from trackrecord.store.sql import SqlStore

GUIDE = Path(__file__).parents[1] / "docs" / "query-language.md"
NOW = 1_800_000_000_000


def blocks(language: str) -> list[str]:
    """The fenced code blocks of the guide in *language*."""
    text = GUIDE.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.M | re.S)


def queries() -> list[str]:
    return [line for block in blocks("query") for line in block.splitlines() if line.strip()]


def _runs() -> list[Chain]:
    """A store with every key the guide's examples name."""
    adam = Chain(
        "vision",
        name="bert-base",
        group="sweep-3",
        user="ana",
        config={"optimizer": "adam", "lr": 0.001, "batch_size": 256, "use_amp": True,
                "seed": 3, "data": {"path": "/datasets/imagenet/train"}},
        tags={"stage": "prod", "epoch": "3"},
    )  # fmt: skip
    adam.add("environment", {"git": {"commit": "abc123", "branch": "feat/search"}})
    adam.metrics(val_acc=([0, 10_000], [0.8, 0.95]), loss=([0, 1], [1.0, 0.05]))
    adam.metrics(**{"train/loss": ([0], [0.5])})
    adam.add("run.end", {"status": "finished"})
    child = Chain("vision", name="bert-base-debug", parent=adam.run_id, config={"lr": "0.1"})
    child.add("run.end", {"status": "failed"})
    bare = Chain("nlp", name="gpt-small")
    return [adam, child, bare]


@pytest.fixture
def store_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    directory = tmp_path / "store"
    store = SqlStore.open(directory)
    for chain in _runs():
        store.append_events(chain.events)
    store.close()
    monkeypatch.setenv("TRACKRECORD_DIR", str(directory))
    yield directory


def test_the_guide_has_a_dozen_examples() -> None:
    assert len(queries()) >= 12


@pytest.mark.parametrize("query", queries())
def test_every_example_parses(query: str) -> None:
    parse(query, now_ms=NOW)


def test_every_example_runs(store_dir: Path) -> None:
    store = SqlStore.open(store_dir)
    try:
        matched = {query: len(store.search_runs(query).runs) for query in queries()}
    finally:
        store.close()
    assert any(matched.values()), "the examples should find something in the example store"


def _truth_table() -> list[tuple[str, list[bool]]]:
    section = GUIDE.read_text(encoding="utf-8").split("## Missing fields and types")[1]
    rows = re.findall(r"^\| `([^`]+)` \|(.*)\|$", section.split("##")[0], flags=re.M)
    return [(query, ["✓" in cell for cell in cells.split("|")]) for query, cells in rows]


@pytest.mark.parametrize(("query", "expected"), _truth_table())
def test_the_missing_field_table(tmp_path: Path, query: str, expected: list[bool]) -> None:
    store = SqlStore.open(tmp_path / "store")
    try:
        chains = [Chain(config={"lr": 0.1}), Chain(config={"lr": "0.1"}), Chain(config={"x": 1})]
        for chain in chains:
            store.append_events(chain.events)
        found = {run.id for run in store.search_runs(query).runs}
        assert [chain.run_id in found for chain in chains] == expected
    finally:
        store.close()


def test_the_missing_field_table_is_there() -> None:
    assert len(_truth_table()) >= 8


@pytest.mark.parametrize("block", blocks("text"))
def test_error_examples(block: str) -> None:
    message, query, caret = block.rstrip("\n").split("\n")
    with pytest.raises(QueryError) as error:
        parse(query.removeprefix("  "), now_ms=NOW)
    shown = str(error.value).split("\n")
    assert shown[0].startswith(message.split("...")[0])
    assert shown[0].endswith(message.split("...")[-1])
    assert shown[1:] == [query, caret]


def test_python_examples_run(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pandas")
    python = blocks("python")
    assert python
    for code in python:
        exec(compile(code, str(GUIDE), "exec"), {})
    assert "bert-base" in capsys.readouterr().out


def test_command_line_examples_run(store_dir: Path) -> None:
    from trackrecord.cli import main

    lines = [line for block in blocks("console") for line in block.splitlines()]
    assert lines
    for line in lines:
        args = shlex.split(line.removeprefix("$ "))
        assert args[:3] == ["trackrecord", "runs", "ls"]
        result = CliRunner().invoke(main, args[1:])
        assert result.exit_code == 0, f"{line}\n{result.output}"
