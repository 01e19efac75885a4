"""The writer builds only what a store accepts: bodies checked at the call, the end kept last,
metric events cut to the limits, and an end whose error text is fitted."""

from __future__ import annotations

import numpy as np
import pytest

import trackrecord
from trackrecord.record.events import Points
from trackrecord.sdk.writer import metric_parts

from .conftest import OpenApi, StartRun, Verified


def test_bodies_the_store_would_refuse_raise_at_the_call(
    start: StartRun, open_api: OpenApi, verified: Verified
) -> None:
    with start() as run:
        with pytest.raises(trackrecord.InvalidValueError, match=r"params\.blob: text of"):
            run.log_params({"blob": "x" * (2 << 20)})
        with pytest.raises(trackrecord.InvalidValueError, match="NUL"):
            run.notes = "a\x00b"
        assert run.notes is None
        run.log_params({"fine": 1})  # the run goes on
    assert open_api().params(run.id) == {"fine": 1}
    verified(run.id)


def test_init_refuses_a_bad_name_before_the_run_exists(start: StartRun, open_api: OpenApi) -> None:
    with pytest.raises(trackrecord.InvalidValueError, match="run name"):
        start(name=" padded ")
    with start() as run:
        pass
    assert [r.id for r in open_api().runs()] == [run.id]


def test_the_end_is_stored_last_when_capture_queues_events_after_it(
    start: StartRun, open_api: OpenApi, verified: Verified
) -> None:
    run = start(capture=True)  # the environment is captured on the writer thread, later
    run.finish()
    events = list(open_api().store.read_events(run.id))
    assert events[-1].type == "run.end" and "environment" in {e.type for e in events}
    verified(run.id)


def test_an_error_of_any_text_still_ends_the_run(
    start: StartRun, open_api: OpenApi, verified: Verified
) -> None:
    run = start()
    run.finish("failed", ValueError("\x00" + "é" * (1 << 20)))
    stored = open_api().run(run.id)
    assert stored.status == "failed" and stored.error is not None
    assert stored.error["message"].startswith("\ufffd") and len(stored.error["message"]) < 70_000
    verified(run.id)


def test_metric_events_are_cut_to_the_limits() -> None:
    def series(n: int) -> Points:
        steps = np.arange(n, dtype=np.int64)
        return Points(steps, steps.astype(np.float64), steps)

    parts = list(metric_parts({"a": series(5), "b": series(3)}, max_points=4))
    assert [{k: len(p) for k, p in part.items()} for part in parts] == [{"a": 4}, {"a": 1, "b": 3}]
    assert parts[1]["a"].steps.tolist() == [4]
    keys = list(metric_parts({k: series(1) for k in "abc"}, max_keys=2))
    assert [sorted(part) for part in keys] == [["a", "b"], ["c"]]
    assert list(metric_parts({})) == []
