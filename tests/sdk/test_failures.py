"""Internal failures warn once, never raise into the training loop, and lose nothing."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import trackrecord
from trackrecord.errors import StoreError, TrackRecordWarning
from trackrecord.spool import read_spool


@pytest.fixture
def lenient(monkeypatch: pytest.MonkeyPatch) -> None:
    """Behave as in a user's program: survive failures without re-raising at finish."""
    monkeypatch.delenv("TRACKRECORD_STRICT", raising=False)
    monkeypatch.setenv("TRACKRECORD_BUSY_TIMEOUT", "0.2")


def test_locked_database_warns_once_and_data_lands_later(tmp_path: Path, lenient: None) -> None:
    store = tmp_path / "store"
    run = trackrecord.init("f", dir=store, capture=False)
    assert run.flush()
    blocker = sqlite3.connect(store / "trackrecord.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        started = time.perf_counter()
        for step in range(20_000):
            run.log({"loss": 1.0 / (step + 1)}, step=step)
        loop = time.perf_counter() - started
        assert not run.flush(timeout=2.0)  # not stored yet, and the loop never blocked
        time.sleep(0.6)  # several more failing ticks
    assert loop < 2.0
    ours = [w for w in caught if issubclass(w.category, TrackRecordWarning)]
    assert len(ours) == 1 and "kept in the spool" in str(ours[0].message)
    spooled = list(read_spool(store / "spool" / run.id))
    assert sum(e.point_count for e in spooled) == 20_000  # safe on disk meanwhile
    blocker.execute("ROLLBACK")
    blocker.close()
    run.finish()
    with trackrecord.Api(dir=store) as api:
        np.testing.assert_array_equal(api.metric_history(run.id, "loss").steps, np.arange(20_000))
        assert api.run(run.id).status == "finished" and api.verify(run.id).ok
    assert not (store / "spool" / run.id).exists()


def test_disk_full_spool_warns_and_the_store_still_gets_everything(
    tmp_path: Path, lenient: None
) -> None:
    store = tmp_path / "store"
    run = trackrecord.init("f", dir=store, capture=False)
    run.log({"x": 0.0})
    assert run.flush()
    spool = run._writer.spool.current
    assert spool is not None and spool._fd is not None
    full = os.open("/dev/full", os.O_WRONLY)
    os.dup2(full, spool._fd)  # every later spool write fails with ENOSPC, as on a full disk
    os.close(full)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for step in range(1, 1000):
            run.log({"x": float(step)})
        run.flush()
    assert [w for w in caught if issubclass(w.category, TrackRecordWarning)]
    assert "No space left" in str(caught[0].message)
    run.finish()
    with trackrecord.Api(dir=store) as api:
        assert len(api.metric_history(run.id, "x")) == 1000
        assert api.verify(run.id).ok


def test_under_the_test_suite_a_survived_failure_is_loud(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKRECORD_STRICT", "1")
    monkeypatch.setenv("TRACKRECORD_BUSY_TIMEOUT", "0.1")
    store = tmp_path / "store"
    run = trackrecord.init("f", dir=store, capture=False)
    run.flush()
    blocker = sqlite3.connect(store / "trackrecord.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    run.log({"x": 1.0})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrackRecordWarning)
        run.flush(timeout=1.0)
        blocker.execute("ROLLBACK")
        blocker.close()
        with pytest.raises(StoreError, match="writer of run"):
            run.finish()


def test_invalid_values_raise_at_the_call_site(tmp_path: Path) -> None:
    with trackrecord.init("f", dir=tmp_path / "store", capture=False) as run:
        with pytest.raises(trackrecord.InvalidValueError, match=r"'acc'.*numbers"):
            run.log({"loss": 0.5, "acc": "high"}, step=0)
        with pytest.raises(trackrecord.InvalidValueError, match="param 'cb'"):
            run.log_params({"cb": object()})
        run.log({"loss": float("nan"), "acc": float("-inf")}, step=1)
    with trackrecord.Api(dir=tmp_path / "store") as api:
        loss = api.metric_history(run.id, "loss")
        assert loss.steps.tolist() == [1] and np.isnan(loss.values[0])
        assert api.metric_history(run.id, "acc").values.tolist() == [float("-inf")]


def test_a_spool_whose_disk_fails_for_good_moves_aside_and_the_store_gets_everything_later(
    tmp_path: Path, lenient: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKRECORD_FALLBACK_DIR", str(tmp_path / "fallback"))
    store = tmp_path / "store"
    run = trackrecord.init("f", dir=store, capture=False)
    run.log({"x": 0.0}, step=0)
    assert run.flush()
    blocker = sqlite3.connect(store / "trackrecord.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # the store fails from now on ...
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrackRecordWarning)
        for step in range(1, 100):
            run.log({"x": float(step)}, step=step)
        assert not run.flush(timeout=2.0)  # spooled, not stored
    spool = run._writer.spool.current
    assert spool is not None and spool._fd is not None
    full = os.open("/dev/full", os.O_WRONLY)
    os.dup2(full, spool._fd)  # ... and so does the spool's file ...
    os.close(full)
    shutil.rmtree(spool.directory)
    spool.directory.write_text("a file where the spool directory was")  # ... and directory
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for step in range(100, 1000):
            run.log({"x": float(step)}, step=step)
        run.finish()
    messages = "\n".join(str(w.message) for w in caught)
    moved = next((tmp_path / "fallback").glob(f"*/spool/{run.id}"))
    assert f"moved the spool from {spool.directory} to {moved}" in messages
    assert "are not in the store" in messages and f"kept in {moved}" in messages
    blocker.execute("ROLLBACK")
    blocker.close()
    with trackrecord.Api(dir=store) as api:  # the next open sends what waited aside
        np.testing.assert_array_equal(api.metric_history(run.id, "x").steps, np.arange(1000))
        assert api.run(run.id).status == "finished" and api.verify(run.id).ok
    assert not moved.exists()
