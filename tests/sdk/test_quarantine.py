"""One bad event never blocks the events behind it: it is set aside, named, and kept.

The call-site checks make these paths unreachable from the public API, so the
tests reach past them, as a value the checks miss (or a server with stricter
limits than the SDK's) would.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import trackrecord
from tests.sdk.conftest import StartRun
from trackrecord.errors import InvalidValueError, StoreError, TrackRecordWarning
from trackrecord.record.events import Event
from trackrecord.spool import read_spool
from trackrecord.store.base import Store
from trackrecord.store.sql import SqlStore


@pytest.fixture
def lenient(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a user's program: a survived failure warns and is not raised at finish."""
    monkeypatch.delenv("TRACKRECORD_STRICT", raising=False)


@pytest.fixture
def caught() -> Iterator[list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        yield record


class Refusing:
    """The real store, refusing (as a stricter server would) events that *refuse* picks."""

    def __init__(self, store: Store, refuse: Any) -> None:
        self.store, self.refuse = store, refuse

    def append_events(self, events: Sequence[Event]) -> int:
        for event in events:
            if self.refuse(event):
                raise InvalidValueError(f"event {event.seq} is refused by this store")
        return self.store.append_events(events)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def set_aside(store: Path, run_id: str) -> list[dict[str, Any]]:
    lines = (store / "quarantine" / f"{run_id}.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def said(caught: list[warnings.WarningMessage]) -> str:
    return "\n".join(str(w.message) for w in caught if w.category is TrackRecordWarning)


def test_an_event_the_store_refuses_is_set_aside_and_the_events_after_it_are_stored(
    start: StartRun, store: Path, lenient: None, caught: list[warnings.WarningMessage]
) -> None:
    run = start()
    run.log({"loss": 0.0}, step=0)
    long_key = "k" * 300  # each part is fine; the store refuses the whole key
    run._writer.submit("params", {"params": {long_key: 1}})
    run.log_params({"after": 1})
    run.log({"loss": 1.0}, step=1)
    assert run.flush()
    spool = run._writer.spool.directory
    assert spool is not None
    spooled = list(read_spool(spool))  # chained anew: no gap, and without the refused event
    assert [e.seq for e in spooled] == list(range(1, len(spooled) + 1))
    assert all(long_key not in e.body.get("params", {}) for e in spooled)
    run.finish()
    assert "set aside params 'kkkk" in said(caught)
    assert str(store / "quarantine" / f"{run.id}.jsonl") in said(caught)
    (kept,) = set_aside(store, run.id)
    assert kept["body"] == {"params": {long_key: 1}} and "InvalidValueError" in kept["reason"]
    with trackrecord.Api(dir=store) as api:
        record = api.run(run.id)
        assert record.status == "finished" and record.params == {"after": 1}
        assert api.metric_history(run.id, "loss").steps.tolist() == [0, 1]
        assert api.verify(run.id).ok


def test_an_event_that_cannot_be_encoded_is_set_aside(
    start: StartRun, store: Path, lenient: None, caught: list[warnings.WarningMessage]
) -> None:
    run = start()
    run._writer.submit("params", {"params": {"callback": object()}})
    run.log_params({"after": 1})
    run.finish()
    assert "set aside params 'callback'" in said(caught)
    (kept,) = set_aside(store, run.id)
    assert "object object" in kept["body"] and "TypeError" in kept["reason"]
    with trackrecord.Api(dir=store) as api:
        assert api.run(run.id).params == {"after": 1} and api.verify(run.id).ok


def test_metric_points_that_cannot_be_stored_are_set_aside_alone(
    start: StartRun, store: Path, lenient: None, caught: list[warnings.WarningMessage]
) -> None:
    run = start()
    run.log({"loss": 0.5, "acc": 0.9}, step=0)
    run._buffers._columns["huge"] = ([2**64], [1.0], [time.time()])  # past the step check
    run.finish()
    assert "set aside metric 'huge'" in said(caught)
    (kept,) = set_aside(store, run.id)
    assert kept["points"]["huge"]["steps"] == [2**64]
    with trackrecord.Api(dir=store) as api:
        assert sorted(api.run(run.id).summaries) == ["acc", "loss"] and api.verify(run.id).ok


def test_a_refused_metric_is_told_apart_from_the_keys_logged_with_it(
    start: StartRun, store: Path, lenient: None, caught: list[warnings.WarningMessage]
) -> None:
    run = start()
    assert run.flush()
    writer = run._writer
    assert writer.store is not None
    writer.store = Refusing(writer.store, lambda e: "bad" in e.points)  # type: ignore[assignment]
    for step in range(5):
        run.log({"loss": 1.0 / (step + 1), "bad": 1.0, "acc": 0.5}, step=step)
    run.finish()
    assert "set aside metrics 'bad'" in said(caught)
    with trackrecord.Api(dir=store) as api:
        np.testing.assert_array_equal(api.metric_history(run.id, "loss").steps, np.arange(5))
        np.testing.assert_array_equal(api.metric_history(run.id, "acc").steps, np.arange(5))
        assert "bad" not in api.run(run.id).summaries and api.verify(run.id).ok


def test_a_refused_end_ends_the_run_without_the_error_it_carried(
    start: StartRun, store: Path, lenient: None, caught: list[warnings.WarningMessage]
) -> None:
    run = start()
    assert run.flush()
    writer = run._writer
    assert writer.store is not None
    refused = Refusing(writer.store, lambda e: e.type == "run.end" and e.body["error"])
    writer.store = refused  # type: ignore[assignment]
    run.finish("failed", RuntimeError("x" * 100))
    assert "set aside run.end" in said(caught)
    with trackrecord.Api(dir=store) as api:
        record = api.run(run.id)
        assert record.status == "failed" and api.verify(run.id).ok
    (kept,) = set_aside(store, run.id)
    assert kept["body"]["error"]["type"] == "RuntimeError"


def test_a_refused_start_is_never_set_aside_the_run_waits_whole(
    start: StartRun,
    store: Path,
    lenient: None,
    caught: list[warnings.WarningMessage],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a store that refuses this run's start (say, a server finding its config too large)
    original = SqlStore.append_events

    def append_events(self: SqlStore, events: Sequence[Event]) -> int:
        if any(e.type == "run.start" for e in events):
            raise InvalidValueError("this run.start is refused")
        return original(self, events)

    monkeypatch.setattr(SqlStore, "append_events", append_events)
    run = start()
    run.log({"loss": 1.0}, step=0)
    run.finish()
    assert "are not in the store" in said(caught) and "set aside" not in said(caught)
    spooled = list(read_spool(store / "spool" / run.id))
    assert [e.type for e in spooled] == ["run.start", "metrics", "run.end"]


def test_under_the_test_suite_a_value_set_aside_is_loud(start: StartRun) -> None:
    run = start()
    run._writer.submit("params", {"params": {"callback": object()}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrackRecordWarning)
        with pytest.raises(StoreError, match="not JSON serializable"):
            run.finish()
