"""Console capture: printed lines recorded in order, still shown, streams always restored."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import trackrecord
from tests.sdk.conftest import OpenApi, StartRun
from trackrecord.record.events import Event
from trackrecord.sdk import console


def texts(api: trackrecord.Api, run_id: str) -> list[tuple[str, str]]:
    return [(line.stream, line.text) for line in api.console(run_id)]


def test_lines_are_recorded_in_order_and_still_shown(
    start: StartRun, open_api: OpenApi, capsys: pytest.CaptureFixture[str]
) -> None:
    before = time.time() * 1000
    run = start(capture_console=True)
    print("epoch 0: loss 0.52")
    print("warning: slow", file=sys.stderr)
    sys.stdout.write("two\nlines\n")
    sys.stdout.writelines(["via ", "writelines\n"])
    run.finish()
    shown = capsys.readouterr()
    assert shown.out == "epoch 0: loss 0.52\ntwo\nlines\nvia writelines\n"
    assert shown.err == "warning: slow\n"
    lines = open_api().console(run.id)
    assert [(line.stream, line.text) for line in lines] == [
        ("stdout", "epoch 0: loss 0.52"),
        ("stderr", "warning: slow"),
        ("stdout", "two"),
        ("stdout", "lines"),
        ("stdout", "via writelines"),
    ]
    assert all(before <= line.time <= time.time() * 1000 for line in lines)


def test_partial_lines_unicode_and_flush(
    start: StartRun, open_api: OpenApi, capfd: pytest.CaptureFixture[str]
) -> None:
    run = start(capture_console=True)
    print("ab", end="")
    print("c — ünïcødé 🚀\nd", end="")
    print("e", end="", flush=True)  # a flush ends the partial line
    print("progress", end="")  # ended by finish
    run.finish()
    assert capfd.readouterr().out == "abc — ünïcødé 🚀\ndeprogress"
    assert texts(open_api(), run.id) == [
        ("stdout", "abc — ünïcødé 🚀"),
        ("stdout", "de"),
        ("stdout", "progress"),
    ]


def test_stream_attributes_are_forwarded(
    start: StartRun, capfd: pytest.CaptureFixture[str]
) -> None:
    original = sys.stdout
    run = start(capture_console=True)
    assert sys.stdout is not original
    assert sys.stdout.fileno() == original.fileno()
    assert sys.stdout.isatty() == original.isatty()
    assert sys.stdout.encoding == original.encoding
    assert sys.stdout.errors == original.errors
    sys.stdout.buffer.write(b"raw bytes\n")  # shown, not recorded
    sys.stdout.buffer.flush()
    run.finish()
    assert sys.stdout is original
    assert "raw bytes" in capfd.readouterr().out


def test_streams_are_restored_after_an_exception(start: StartRun, open_api: OpenApi) -> None:
    out, err = sys.stdout, sys.stderr
    with pytest.raises(RuntimeError), start(capture_console=True) as run:
        print("before the failure")
        raise RuntimeError("boom")
    assert (sys.stdout, sys.stderr) == (out, err)
    assert run.status == "failed"
    assert texts(open_api(), run.id) == [("stdout", "before the failure")]


@pytest.mark.parametrize("parent_first", [True, False])
def test_nested_runs_restore_the_streams_in_any_order(
    start: StartRun, open_api: OpenApi, parent_first: bool
) -> None:
    out = sys.stdout
    parent = start(capture_console=True)
    print("parent only")
    child = start(capture_console=True, parent=parent)
    print("both")
    (parent if parent_first else child).finish()
    print("after one")
    (child if parent_first else parent).finish()
    print("after both")
    assert sys.stdout is out
    api = open_api()
    parent_lines = [text for _, text in texts(api, parent.id)]
    child_lines = [text for _, text in texts(api, child.id)]
    if parent_first:
        assert parent_lines == ["parent only", "both"]
        assert child_lines == ["both", "after one"]
    else:
        assert parent_lines == ["parent only", "both", "after one"]
        assert child_lines == ["both"]


def test_off_by_argument_environment_and_capture_false(
    start: StartRun, open_api: OpenApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = sys.stdout
    runs = [start(), start(capture_console=False)]
    monkeypatch.setenv("TRACKRECORD_CONSOLE", "0")
    runs.append(start(capture=trackrecord.Capture(git=False, diff=False, packages=False)))
    assert sys.stdout is out
    print("not recorded")
    for run in runs:
        run.finish()
    api = open_api()
    assert all(api.console(run.id) == [] for run in runs)


def test_long_lines_are_cut_and_lines_beyond_the_cap_counted(
    start: StartRun, open_api: OpenApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console, "MAX_LINES", 3)
    run = start(capture_console=True)
    print("x" * (console.MAX_LINE + 25))
    for i in range(6):
        print(f"line {i}")
    run.finish()
    lines = texts(open_api(), run.id)
    assert lines[0][1] == "x" * console.MAX_LINE + "… [cut: 25 more characters]"
    assert [text for _, text in lines[1:3]] == ["line 0", "line 1"]
    assert len(lines) == 4 and "4 more lines were printed but not recorded" in lines[3][1]


def test_a_recording_failure_never_reaches_print(
    start: StartRun, open_api: OpenApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: console.ConsoleCapture, stream: str, lines: object) -> None:
        raise RuntimeError("recording is broken")

    run = start(capture_console=True)
    monkeypatch.setattr(console.ConsoleCapture, "record", broken)
    with pytest.warns(trackrecord.TrackRecordWarning, match="recording is broken"):
        print("still printed")
    print("and again")  # recording is off now: no second warning
    run.finish()
    assert open_api().console(run.id) == []


def test_lines_reach_the_store_in_batches_while_the_run_goes_on(
    start: StartRun, open_api: OpenApi
) -> None:
    run = start(capture_console=True)
    for i in range(2500):
        print(i)
    time.sleep(console.BATCH_SECONDS + 0.5)
    assert run.flush()
    events = list(open_api().events(run.id))
    batches = [len(e.body["lines"]) for e in events if e.type == "console"]
    assert sum(batches) == 2500 and max(batches) <= console.BATCH_LINES
    run.finish()


def test_the_store_refuses_malformed_console_events(start: StartRun, open_api: OpenApi) -> None:
    run = start()
    run.finish()
    api = open_api()
    head = api.run(run.id)
    resume = Event.build(run.id, head.head_seq + 1, "run.resume", 1, head.head_hash, {})
    api.store.append_events([resume])  # an ended run is sealed: console lines come while it runs
    for body in (
        {"lines": "text"},
        {"lines": [[1, "stdin", "x"]]},
        {"lines": [["1", "stdout", "x"]]},
    ):
        event = Event.build(run.id, resume.seq + 1, "console", 1, resume.hash, body)
        with pytest.raises(trackrecord.InvalidValueError, match=r"\('console'\).*lines"):
            api.store.append_events([event])
    good = Event.build(
        run.id, resume.seq + 1, "console", 1, resume.hash, {"lines": [[1, "stdout", "x"]]}
    )
    api.store.append_events([good])
    assert texts(api, run.id) == [("stdout", "x")]


CRASHING = textwrap.dedent("""
    import os, sys, time
    import trackrecord
    run = trackrecord.init("crash", dir=sys.argv[1], capture=False, capture_console=True)
    print(run.id, flush=True)
    started, i = time.time(), 0
    while time.time() - started < 2.5:
        print(f"line {i} {time.time():.3f}", flush=True)
        i += 1
        time.sleep(0.05)
    os._exit(1)
""")


def test_a_crash_keeps_the_lines_printed_until_about_a_second_before(tmp_path: Path) -> None:
    store, shown = tmp_path / "store", tmp_path / "stdout.txt"
    env = {k: v for k, v in os.environ.items() if k != "TRACKRECORD_STRICT"}
    with shown.open("w") as out:
        child = subprocess.run(
            [sys.executable, "-c", CRASHING, str(store)], env=env, stdout=out, timeout=60
        )
    assert child.returncode == 1
    run_id, *printed = shown.read_text().splitlines()
    crashed_at = float(printed[-1].split()[2]) + 0.05
    must_have = [line for line in printed if float(line.split()[2]) <= crashed_at - 1.25]

    with trackrecord.Api(dir=store) as api:  # recovers the spool the dead process left
        recorded = [line.text for line in api.console(run_id)]
        assert api.run(run_id).status == "crashed"
    assert recorded[0] == run_id
    assert recorded[1:] == printed[: len(recorded) - 1]  # in order, no gap
    assert len(recorded) - 1 >= len(must_have) > 10
