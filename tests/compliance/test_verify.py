"""verify catches any change to the stored record, and says where."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import trackrecord
from trackrecord.store.codec import decode_points, encode_points


@pytest.fixture
def recorded(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    store = tmp_path / "store"
    with trackrecord.init("v", dir=store, config={"lr": 0.1}, capture=False) as run:
        for step in range(5000):
            run.log({"loss": 1.0 / (step + 1)}, step=step)
            if step == 2500:
                run.flush()  # two metrics events
        run.log_text("report.txt", "all good")
    yield store, run.id


def db(store: Path) -> sqlite3.Connection:
    return sqlite3.connect(store / "trackrecord.db", isolation_level=None)


def test_an_untouched_run_verifies(recorded: tuple[Path, str]) -> None:
    store, run_id = recorded
    with trackrecord.Api(dir=store) as api:
        result = api.verify(run_id)
    assert result.ok and result.events >= 5 and result.bad_seq is None
    assert str(result).startswith("OK")


def test_one_changed_metric_point_is_caught_at_its_event(recorded: tuple[Path, str]) -> None:
    store, run_id = recorded
    conn = db(store)
    rowid, blob = conn.execute(
        "SELECT rowid, points FROM metric_chunks WHERE run_id = ? AND key = 'loss' "
        "ORDER BY first_index DESC LIMIT 1",
        (run_id,),
    ).fetchone()
    steps, values, times = decode_points(blob)
    values = values.copy()
    values[-1] = np.nextafter(values[-1], 1.0)  # the smallest possible change
    conn.execute(
        "UPDATE metric_chunks SET points = ? WHERE rowid = ?",
        (encode_points(steps, values, times), rowid),
    )
    (seq,) = conn.execute(
        "SELECT max(seq) FROM events WHERE run_id = ? AND type = 'metrics'", (run_id,)
    ).fetchone()
    conn.close()
    with trackrecord.Api(dir=store) as api:
        result = api.verify(run_id)
    assert not result.ok and result.bad_seq == seq
    assert "metrics" in (result.problem or "")


def test_a_changed_param_in_the_table_is_caught(recorded: tuple[Path, str]) -> None:
    store, run_id = recorded
    conn = db(store)
    conn.execute("UPDATE params SET value = '0.5' WHERE run_id = ? AND key = 'lr'", (run_id,))
    conn.close()
    with trackrecord.Api(dir=store) as api:
        result = api.verify(run_id)
    assert not result.ok and "params" in (result.problem or "") and "lr" in (result.problem or "")


def test_a_changed_event_body_is_caught(recorded: tuple[Path, str]) -> None:
    store, run_id = recorded
    conn = db(store)
    conn.execute(
        "UPDATE events SET body = replace(body, '0.1', '0.2') WHERE run_id = ? AND seq = 1",
        (run_id,),
    )
    conn.close()
    with trackrecord.Api(dir=store) as api:
        result = api.verify(run_id)
    assert not result.ok and result.bad_seq == 1


def test_a_deleted_event_is_caught(recorded: tuple[Path, str]) -> None:
    store, run_id = recorded
    conn = db(store)
    conn.execute("DELETE FROM events WHERE run_id = ? AND seq = 2", (run_id,))
    conn.close()
    with trackrecord.Api(dir=store) as api:
        result = api.verify(run_id)
    assert not result.ok and result.bad_seq == 2 and "missing" in (result.problem or "")


def test_altered_artifact_bytes_are_caught(recorded: tuple[Path, str]) -> None:
    store, run_id = recorded
    with trackrecord.Api(dir=store) as api:
        (artifact,) = api.artifacts(run_id)
    path = store / "artifacts" / "sha256" / artifact.sha256[:2] / artifact.sha256
    path.write_bytes(b"all bad!")
    with trackrecord.Api(dir=store) as api:
        result = api.verify(run_id)
        assert not result.ok and "report.txt" in (result.problem or "")
        assert api.verify(run_id, artifacts=False).ok
