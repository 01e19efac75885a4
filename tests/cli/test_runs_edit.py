"""``trackrecord runs tag|rename|note|delete|restore``: changes land in the record."""

from __future__ import annotations

import json
from pathlib import Path

import trackrecord
from tests.cli.stores import invoke_in, quick_run


def ls_ids(store: Path, *args: str) -> list[str]:
    result = invoke_in(store)("runs", "ls", "--json", *args)
    assert result.exit_code == 0, result.output
    return [row["id"] for row in json.loads(result.stdout)["runs"]]


def test_tag_rename_and_note(store: Path, tmp_path: Path) -> None:
    run = quick_run(store)
    invoke = invoke_in(store)
    result = invoke("runs", "tag", run.id[:20], "stage=prod", "owner=ana", "--label", "baseline")
    assert result.exit_code == 0, result.output
    assert invoke("runs", "rename", run.id, "best-run").exit_code == 0
    notes = tmp_path / "notes.md"
    notes.write_text("line one\nline two\n", encoding="utf-8")
    assert invoke("runs", "note", run.id, "--file", str(notes)).exit_code == 0
    with trackrecord.Api(dir=store) as api:
        record = api.run(run.id)
        assert record.tags == {"stage": "prod", "owner": "ana", "baseline": ""}
        assert record.name == "best-run" and record.notes == "line one\nline two\n"
        assert api.verify(run.id).ok  # every change is a chained event
    listed = invoke("runs", "ls", "-c", "name,tags.stage").output.splitlines()[1].split()
    assert listed[1:] == ["best-run", "prod"]
    assert invoke("runs", "note", run.id, "plain text").exit_code == 0
    assert "plain text" in invoke("runs", "show", run.id).output


def test_bad_tag_and_note_arguments_exit_2(store: Path) -> None:
    run = quick_run(store)
    invoke = invoke_in(store)
    result = invoke("runs", "tag", run.id, "no-equals-sign")
    assert result.exit_code == 2 and "KEY=VALUE" in result.output
    assert invoke("runs", "tag", run.id).exit_code == 2
    assert invoke("runs", "note", run.id).exit_code == 2


def test_delete_hides_and_restore_brings_back(store: Path) -> None:
    keep, gone = quick_run(store), quick_run(store)
    invoke = invoke_in(store)
    result = invoke("runs", "delete", gone.id[:20], "--yes")
    assert result.exit_code == 0, result.output
    assert f"trackrecord runs restore {gone.id}" in result.output
    assert ls_ids(store) == [keep.id]
    assert ls_ids(store, "--deleted") == [gone.id]
    listed = invoke("runs", "ls", "--deleted").output.splitlines()
    assert len(listed) == 2 and gone.id.startswith(listed[1].split()[0])
    ambiguous = invoke("runs", "show", "0")  # the live run and the deleted one both match
    assert ambiguous.exit_code == 2 and "several runs" in ambiguous.output
    result = invoke("runs", "restore", gone.id[:20])  # a prefix of a deleted run is enough
    assert result.exit_code == 0, result.output
    assert ls_ids(store) == [gone.id, keep.id] and ls_ids(store, "--deleted") == []


def test_delete_asks_first(store: Path) -> None:
    run = quick_run(store)
    invoke = invoke_in(store)
    refused = invoke("runs", "delete", run.id, input="n\n")
    assert refused.exit_code == 1 and "Delete them?" in refused.output
    assert ls_ids(store) == [run.id]
    accepted = invoke("runs", "delete", run.id, input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert ls_ids(store) == []


def test_an_unknown_id_changes_nothing(store: Path) -> None:
    run = quick_run(store)
    result = invoke_in(store)("runs", "delete", run.id, "zzzzzzzzzz", "--yes")
    assert result.exit_code == 2 and "zzzzzzzzzz" in result.output
    assert ls_ids(store) == [run.id]  # the known one was not deleted either


def test_a_live_run_cannot_be_changed(store: Path) -> None:
    live = trackrecord.init("p", dir=store, capture=False)
    try:
        result = invoke_in(store)("runs", "tag", live.id, "stage=prod")
    finally:
        live.finish()
    assert result.exit_code == 2
    assert "being written by another live process" in result.output
    assert "Traceback" not in result.output
    with trackrecord.Api(dir=store) as api:
        assert api.run(live.id).tags == {}
