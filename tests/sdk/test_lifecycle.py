"""Runs end properly when the script does not end them: exit, exceptions, Ctrl-C, SIGTERM.

Each test runs a real Python process that logs to a store in tmp_path, then
reads that store back in this process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import trackrecord
from trackrecord.store.base import RunRecord

TIMEOUT_S = 30


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The child's environment: the store in tmp_path, and not strict (as users run it)."""
    variables = {k: v for k, v in os.environ.items() if not k.startswith("TRACKRECORD_")}
    variables["TRACKRECORD_DIR"] = str(tmp_path / "store")
    return variables


def open_store(tmp_path: Path) -> trackrecord.Api:
    """The store the child wrote (it exists only once the child ran)."""
    return trackrecord.Api(dir=tmp_path / "store")


def run_script(source: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def only_run(api: trackrecord.Api) -> RunRecord:
    (record,) = api.runs()
    verified = api.verify(record.id)
    assert verified.ok, str(verified)
    return record


def test_a_script_that_never_calls_finish_is_finished_at_exit(
    tmp_path: Path, env: dict[str, str]
) -> None:
    done = run_script(
        """
        import trackrecord
        run = trackrecord.init("lifecycle", capture=False, config={"lr": 0.1})
        for step in range(500):
            run.log({"loss": 1.0 / (step + 1), "acc": step / 500})
        run.log_text("notes.txt", "bye")
        """,
        env,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    with open_store(tmp_path) as api:
        record = only_run(api)
        assert record.status == "finished"
        assert record.error is None
        assert api.metric_history(record.id, "loss").steps.tolist() == list(range(500))
        assert record.summaries["acc"].count == 500
        assert [a.path for a in api.artifacts(record.id)] == ["notes.txt"]
        assert not (tmp_path / "store" / "spool" / record.id).exists()


def test_an_uncaught_exception_in_notebook_style_fails_the_run(
    tmp_path: Path, env: dict[str, str]
) -> None:
    done = run_script(
        """
        import trackrecord
        trackrecord.init("lifecycle", capture=False)
        for step in range(10):
            trackrecord.log({"loss": 1.0})

        def train_step():
            raise RuntimeError("CUDA out of memory at step 10")

        train_step()
        """,
        env,
        tmp_path,
    )
    assert done.returncode == 1
    assert "RuntimeError: CUDA out of memory" in done.stderr  # the usual traceback still shows
    with open_store(tmp_path) as api:
        record = only_run(api)
        assert record.status == "failed"
        assert record.error is not None
        assert record.error["type"] == "RuntimeError"
        assert record.error["message"] == "CUDA out of memory at step 10"
        assert "in train_step" in record.error["traceback"]
        assert record.summaries["loss"].count == 10


def test_keyboard_interrupt_in_a_script_kills_the_run(tmp_path: Path, env: dict[str, str]) -> None:
    done = run_script(
        """
        import trackrecord
        run = trackrecord.init("lifecycle", capture=False)
        run.log({"loss": 1.0})
        raise KeyboardInterrupt
        """,
        env,
        tmp_path,
    )
    assert done.returncode != 0
    with open_store(tmp_path) as api:
        record = only_run(api)
        assert record.status == "killed"
        assert record.error is not None and record.error["type"] == "KeyboardInterrupt"
        assert record.summaries["loss"].count == 1


LOOPING = """
    import sys, time
    import trackrecord
    run = trackrecord.init("lifecycle", capture=False)
    keys, pause = int(sys.argv[1]), float(sys.argv[2])
    step = 0
    while True:
        run.log({f"m{k}": step for k in range(keys)}, step=step)
        step += 1
        if step == 200:
            run.flush()
            print("started", flush=True)
        if pause:
            time.sleep(pause)  # gives up the GIL, where a signal is then handled
"""


def _terminate_while_looping(
    tmp_path: Path, env: dict[str, str], keys: int, pause: float
) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(LOOPING), str(keys), str(pause)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "started"
        time.sleep(0.3)  # well into the loop
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=8)
    except subprocess.TimeoutExpired:
        hung = True
    else:
        hung = False
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()
    if hung:
        pytest.fail("the process was still running 8 s after SIGTERM: it hangs while finishing")
    return child


def _assert_killed_with_points(api: trackrecord.Api, keys: int) -> None:
    record = only_run(api)
    assert record.status == "killed"
    assert record.error is not None and "signal" in record.error["message"]
    for key in (f"m{k}" for k in range(keys)):
        series = api.metric_history(record.id, key)
        assert len(series) >= 200
        # every point logged before the signal is there: steps 0..n-1 without a gap
        assert np.array_equal(series.steps, np.arange(len(series))), key
        assert np.array_equal(series.values, series.steps.astype(float)), key


def test_sigterm_kills_the_run_and_keeps_the_points(tmp_path: Path, env: dict[str, str]) -> None:
    child = _terminate_while_looping(tmp_path, env, keys=2, pause=0.002)
    assert child.returncode == 128 + signal.SIGTERM  # ends as a shell reports a SIGTERM kill
    with open_store(tmp_path) as api:
        _assert_killed_with_points(api, keys=2)


def test_sigterm_arriving_inside_a_log_call_does_not_hang(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """A tight loop spends most of its time inside run.log(), where the handler then runs.

    Without a sleep the main thread keeps the GIL, so the SIGTERM handler runs at
    the next bytecode boundary, most often inside MetricBuffers.add() while it
    holds the buffers' lock. Three tries, as where the signal lands is chance.
    """
    for attempt in range(3):
        where = tmp_path / f"try{attempt}"
        where.mkdir()
        env["TRACKRECORD_DIR"] = str(where / "store")
        child = _terminate_while_looping(where, env, keys=20, pause=0.0)
        assert child.returncode == 128 + signal.SIGTERM
        with open_store(where) as api:
            _assert_killed_with_points(api, keys=3)
