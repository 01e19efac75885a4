"""Issue 14, part 7: the SDK never loses what follows a bad value.

Each attack logs something the store cannot hold (a step past 64 bits, params nested
thousands deep, logging after the end) or logs to a store that is read-only, and then
asserts two things: the bad call is refused at the call site with a message that names
it, and everything logged around it reaches the store, with the run ended and verified.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

import trackrecord
from tests.server_thread import free_port, serving
from trackrecord.cli import main
from trackrecord.errors import ConfigurationError, InvalidValueError, TrackRecordWarning
from trackrecord.sdk import active
from trackrecord.store.sql import SqlStore


@pytest.fixture(autouse=True)
def no_leftover_runs() -> Iterator[None]:
    """A test that fails half-way leaves no active run behind for the next one."""
    yield
    for run in list(reversed(active._runs)):
        run.finish()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "store"


def start(store: Path, **kwargs: Any) -> trackrecord.Run:
    kwargs.setdefault("capture", False)
    return trackrecord.init("values", dir=store, **kwargs)


def assert_intact(store: Path, run_id: str, points: int, params: dict[str, Any]) -> None:
    """The run ended, holds every point and param logged around the bad calls, and verifies."""
    with trackrecord.Api(dir=store) as api:
        run = api.run(run_id)
        assert run.status == "finished"
        assert run.params == params
        history = api.metric_history(run_id, "loss")
        np.testing.assert_array_equal(history.steps, np.arange(points))
        assert api.verify(run_id).ok


def deep(levels: int, container: str = "dict") -> Any:
    value: Any = 1
    for _ in range(levels):
        value = {"a": value} if container == "dict" else [value]
    return value


# --- step=2**63 and other integers past 64 bits ---------------------------------------------


@pytest.mark.parametrize(
    "step",
    [2**63, -(2**63) - 1, 10**30, np.uint64(2**63)],
    ids=["2**63", "-2**63-1", "10**30", "numpy-uint64"],
)
def test_a_step_past_64_bits_is_refused_and_what_follows_is_stored(store: Path, step: Any) -> None:
    run = start(store)
    run.log({"loss": 1.0}, step=0)
    with pytest.raises(InvalidValueError, match="does not fit in 64 bits"):
        run.log({"loss": 2.0}, step=step)
    for later in range(1, 100):
        run.log({"loss": 1.0 / later}, step=later)
    run.log_params({"after": True})
    run.finish()
    assert_intact(store, run.id, 100, {"after": True})


def test_the_automatic_step_never_counts_past_64_bits(store: Path) -> None:
    run = start(store)
    for _ in range(10):
        run.log({"loss": 1.0})
    run.log({"edge": 1.0}, step=2**63 - 1)  # the largest step is fine
    with pytest.raises(InvalidValueError, match="automatic step"):
        run.log({"loss": 2.0})
    run.log_params({"after": 1})
    run.finish()
    assert_intact(store, run.id, 10, {"after": 1})
    with trackrecord.Api(dir=store) as api:
        assert api.metric_history(run.id, "edge").steps.tolist() == [2**63 - 1]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"seed": 2**64}, "'seed'"),
        ({"seeds": [1, 2, -(2**63) - 1]}, r"'seeds\[2\]'"),
        ({"opt": {"steps": np.uint64(2**64 - 1)}}, "'opt.steps'"),
        ({"table": [{"rows": 10**20}]}, r"'table\[0\].rows'"),
    ],
)
def test_an_integer_param_past_64_bits_is_refused_naming_it(
    store: Path, params: dict[str, Any], named: str
) -> None:
    run = start(store)
    with pytest.raises(InvalidValueError, match=named):
        run.log_params(params)
    with pytest.raises(InvalidValueError, match=named):
        start(store, config=params)
    run.log({"loss": 0.5}, step=0)
    run.log_params({"fine": 2**63 - 1})
    run.finish()
    assert_intact(store, run.id, 1, {"fine": 2**63 - 1})


def test_a_metric_too_large_for_a_float_is_refused_and_nothing_of_the_call_is_kept(
    store: Path,
) -> None:
    run = start(store)
    with pytest.raises(InvalidValueError, match=r"'huge'.*too large"):
        run.log({"loss": 0.0, "huge": 10**400}, step=0)
    run.log({"loss": 0.0}, step=0)
    run.finish()
    assert_intact(store, run.id, 1, {})
    with trackrecord.Api(dir=store) as api:
        assert "huge" not in api.run(run.id).summaries


# --- params nested too deeply -----------------------------------------------------------------


@pytest.mark.parametrize("container", ["dict", "list"])
def test_params_nested_5000_deep_raise_invalid_value_naming_the_key(
    store: Path, container: str
) -> None:
    run = start(store)
    with pytest.raises(InvalidValueError, match="param 'model") as refused:
        run.log_params({"model": deep(5000, container)})
    assert not isinstance(refused.value.__context__, RecursionError)
    with pytest.raises(InvalidValueError, match="param 'model"):
        start(store, config={"model": deep(5000, container)})
    run.log({"loss": 0.1}, step=0)
    run.log_params({"model": deep(3, container)})
    run.finish()
    flat = {"model.a.a.a": 1} if container == "dict" else {"model": [[[1]]]}
    assert_intact(store, run.id, 1, flat)


def test_params_whose_joined_key_is_too_long_are_refused_at_the_call(store: Path) -> None:
    # each level is fine on its own; the store refuses the joined key, so the call must
    run = start(store)
    with pytest.raises(InvalidValueError, match="characters long once its nested keys"):
        run.log_params(deep(200))
    run.log({"loss": 0.1}, step=0)
    run.finish()
    assert_intact(store, run.id, 1, {})


# --- logging after finish ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda run: run.log({"loss": 1.0}),
        lambda run: run.log_params({"late": 1}),
        lambda run: run.set_tags({"late": "yes"}),
        lambda run: setattr(run, "notes", "late"),
        lambda run: run.log_text("late.txt", "late"),
        lambda run: run.log_json("late.json", {"late": 1}),
    ],
    ids=["log", "log_params", "set_tags", "notes", "log_text", "log_json"],
)
def test_logging_after_finish_raises(store: Path, call: Any) -> None:
    run = start(store)
    run.log_params({"lr": 0.1})
    run.finish()
    with pytest.raises(ConfigurationError, match=f"run {run.id} is finished"):
        call(run)
    with trackrecord.Api(dir=store) as api:
        record = api.run(run.id)
        assert record.params == {"lr": 0.1} and not record.tags and record.notes is None
        assert not api.artifacts(run.id)
        assert api.verify(run.id).ok


# --- a store that is, or turns, read-only -----------------------------------------------------


@pytest.fixture
def fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fallback directory of this test (never the user's cache); failures warn, not raise."""
    monkeypatch.setenv("TRACKRECORD_FALLBACK_DIR", str(tmp_path / "fallback"))
    monkeypatch.delenv("TRACKRECORD_STRICT", raising=False)
    return tmp_path / "fallback"


@pytest.fixture
def read_only() -> Iterator[Callable[[Path], None]]:
    """Make a directory tree read-only for real, root included: ``chattr +i``.

    As root, chmod stops nothing; an immutable inode refuses writes even through files
    already open, as a file system remounted read-only does. SQLite's ``-shm`` is left
    alone: it is mapped into memory, and writing to it would kill the process (SIGBUS)
    instead of failing a call. Skips where the file system has no immutable flag.
    """
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")
    frozen: list[Path] = []

    def freeze(root: Path) -> None:
        paths = [p for p in [root, *root.rglob("*")] if not p.name.endswith("-shm")]
        done = subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True)
        frozen.extend(paths)
        if done.returncode != 0:
            pytest.skip(f"chattr +i does not work here: {done.stderr.decode().strip()}")

    yield freeze
    thaw(frozen)


def thaw(paths: list[Path]) -> None:
    subprocess.run(["chattr", "-i", *map(str, paths)], capture_output=True)
    paths.clear()


def warned(caught: list[warnings.WarningMessage]) -> str:
    return "\n".join(str(w.message) for w in caught if w.category is TrackRecordWarning)


def test_init_on_a_read_only_store_does_not_raise_and_keeps_the_run_in_a_fallback_spool(
    store: Path, fallback: Path, read_only: Callable[[Path], None]
) -> None:
    start(store).finish()  # the store exists, and then is made read-only
    read_only(store)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = start(store, config={"lr": 0.1})
        for step in range(1000):
            run.log({"loss": float(step)}, step=step)
        run.log_text("notes.txt", "kept aside too")
        run.finish()
    said = warned(caught)
    assert "cannot open the store" in said
    kept = next(fallback.glob(f"*/spool/{run.id}"))
    assert "are not in the store" in said and str(kept) in said and "1,000 metric points" in said
    assert "dropped" not in said and "lost" not in said
    thaw_store(store)
    assert_intact(store, run.id, 1000, {"lr": 0.1})  # the reader sent what waited aside
    with trackrecord.Api(dir=store) as api, api.open_artifact(run.id, "notes.txt") as notes:
        assert notes.read() == b"kept aside too"
    assert not any(fallback.glob("*/spool/*"))


def thaw_store(store: Path) -> None:
    thaw([store, *store.rglob("*")])


def test_init_where_no_store_can_be_made_does_not_raise_and_the_next_run_sends_it(
    tmp_path: Path, fallback: Path
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the store's parent directory should be")
    store = blocker / "store"  # cannot be made, also by root
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = start(store)
        run.log_params({"lr": 0.1})
        for step in range(10):
            run.log({"loss": float(step)})
        run.finish()
    assert str(next(fallback.glob(f"*/spool/{run.id}"))) in warned(caught)
    blocker.unlink()
    start(store).finish()  # the next run opens the store, and sends what waited
    assert_intact(store, run.id, 10, {"lr": 0.1})


TRAINING = textwrap.dedent("""
    import sys
    import trackrecord
    run = trackrecord.init("read-only", dir=sys.argv[1], capture=False, config={"lr": 0.1})
    for step in range(2400):
        run.log({"loss": float(step)}, step=step)
    assert run.flush()
    print(run.id, flush=True)
    sys.stdin.readline()  # meanwhile the store turns read-only
    for step in range(2400, 15000):
        run.log({"loss": float(step)}, step=step)
    run.log_params({"after": True})
    # the script just ends: the exit hook finishes the run
""")


def test_a_store_that_turns_read_only_mid_run_loses_nothing_and_says_where_it_is(
    store: Path, fallback: Path, read_only: Callable[[Path], None]
) -> None:
    env = {**os.environ, "TRACKRECORD_FALLBACK_DIR": str(fallback)}
    env.pop("TRACKRECORD_STRICT", None)
    child = subprocess.Popen(
        [sys.executable, "-c", TRAINING, str(store)],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stdout is not None and child.stdin is not None
    run_id = child.stdout.readline().strip()
    try:
        read_only(store)
    finally:
        _, stderr = child.communicate("go\n", timeout=120)
    assert child.returncode == 0, stderr  # training was never stopped
    kept = next(fallback.glob(f"*/spool/{run_id}"))
    assert "12,600 metric points" in stderr and "are not in the store" in stderr, stderr
    assert str(kept) in stderr and "dropped" not in stderr and "lost" not in stderr
    thaw_store(store)
    assert_intact(store, run_id, 15000, {"lr": 0.1, "after": True})
    assert not (store / "spool" / run_id).exists() and not any(fallback.glob("*/spool/*"))


def test_with_no_disk_to_take_them_the_end_says_how_much_is_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRACKRECORD_STRICT", raising=False)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where directories should be")
    monkeypatch.setenv("TRACKRECORD_FALLBACK_DIR", str(blocker / "fallback"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = start(blocker / "store")  # training goes on ...
        for step in range(500):
            run.log({"loss": float(step)}, step=step)
        run.finish()
    said = warned(caught).splitlines()[-1]  # ... and is told the truth at the end
    assert said.startswith(f"TrackRecord run {run.id}: ")
    assert "could be kept neither in the store nor on any disk" in said
    assert "500 metric points" in said and "are lost" in said and "kept in" not in said


def test_a_client_that_cannot_write_its_directory_keeps_a_server_run_aside_until_sync(
    tmp_path: Path, fallback: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the client's directory should be")
    client = blocker / "client"
    monkeypatch.setenv("TRACKRECORD_URI", f"http://127.0.0.1:{free_port()}")  # the server is down
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = start(client, config={"lr": 0.1})
        run.log_text("notes.txt", "bytes kept aside")
        for step in range(300):
            run.log({"loss": float(step)}, step=step)
        run.finish()
    kept = next(fallback.glob(f"*/spool/{run.id}"))
    assert f"kept in {kept}" in warned(caught)
    listed = CliRunner().invoke(main, ["sync", "--dir", str(client), "--dry-run"])
    assert f"run {run.id} values/{run.name} (unsent): 4 events" in listed.output, listed.output
    backend = SqlStore.open(tmp_path / "server")
    with serving(backend) as url:
        sent = CliRunner().invoke(main, ["sync", "--dir", str(client), "--uri", url])
        assert sent.exit_code == 0 and f"run {run.id}: sent 4 events" in sent.output, sent.output
    monkeypatch.delenv("TRACKRECORD_URI")
    with trackrecord.Api(dir=tmp_path / "server") as api:
        assert api.run(run.id).status == "finished" and api.verify(run.id).ok
        assert len(api.metric_history(run.id, "loss")) == 300
        with api.open_artifact(run.id, "notes.txt") as notes:
            assert notes.read() == b"bytes kept aside"
    assert not any(fallback.iterdir())  # nothing is left behind
    backend.close()


# --- other integers the SDK records -----------------------------------------------------------


@pytest.mark.parametrize("setting", ["seed", "n_resamples", "min_group_size"])
def test_evaluation_settings_past_64_bits_are_refused_before_anything_is_recorded(
    setting: str,
) -> None:
    from trackrecord.evaluation import evaluate_predictions

    y = np.array([0, 1] * 20)
    with pytest.raises(InvalidValueError, match=f"{setting} is {2**64}, which does not fit"):
        evaluate_predictions(y, y_pred=y, **{setting: 2**64})


def test_a_criterion_threshold_too_large_for_a_float_is_refused() -> None:
    from trackrecord.evaluation import Criterion

    with pytest.raises(InvalidValueError, match="threshold must be finite"):
        Criterion("accuracy", ">=", 10**400)
