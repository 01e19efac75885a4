"""run.log: steps, value types, non-finite values, wall times, summaries, invalid input."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

import trackrecord

from .conftest import OpenApi, StartRun, Verified


def test_explicit_and_auto_steps(start: StartRun, open_api: OpenApi, verified: Verified) -> None:
    with start() as run:
        run.log({"a": 1.0})  # auto: 0
        run.log({"a": 2.0})  # auto: 1
        run.log({"a": 3.0}, step=10)
        run.log({"a": 4.0})  # auto: one more than the largest so far
        run.log({"b": 5.0})  # the count is the run's, not the key's
        run.log({"a": 6.0}, step=3)  # going back does not lower the next auto step
        run.log({"a": 7.0, "b": 8.0})
    api = open_api()
    assert api.metric_history(run.id, "a").steps.tolist() == [0, 1, 10, 11, 3, 13]
    assert api.metric_history(run.id, "a").values.tolist() == [1, 2, 3, 4, 6, 7]
    assert api.metric_history(run.id, "b").steps.tolist() == [12, 13]
    verified(run.id)


def test_several_keys_and_value_types(
    start: StartRun, open_api: OpenApi, verified: Verified
) -> None:
    with start() as run:
        run.log(
            {
                "int": 3,
                "float": 0.25,
                "bool": True,
                "f32": np.float32(2.5),
                "i64": np.int64(2**40),
                "zero_d": np.array(1.5),
            },
            step=7,
        )
    api = open_api()
    expected = {"int": 3.0, "float": 0.25, "bool": 1.0, "f32": 2.5, "i64": 2.0**40, "zero_d": 1.5}
    for key, value in expected.items():
        series = api.metric_history(run.id, key)
        assert series.steps.tolist() == [7], key
        assert series.values.dtype == np.float64
        assert series.values.tolist() == [value], key
    assert set(api.summaries(run.id)) == set(expected)
    verified(run.id)


def test_nan_and_infinities_are_stored_as_logged(
    start: StartRun, open_api: OpenApi, verified: Verified
) -> None:
    with start() as run:
        run.log({"x": float("nan")})
        run.log({"x": float("inf")})
        run.log({"x": -math.inf})
        run.log({"x": np.float32("nan")})
        run.log({"x": -0.0})
    values = open_api().metric_history(run.id, "x").values
    assert np.isnan(values[0])
    assert np.isposinf(values[1])
    assert np.isneginf(values[2])
    assert np.isnan(values[3])
    assert values[4] == 0.0 and math.copysign(1.0, values[4]) == -1.0
    verified(run.id)


def test_wall_times_are_milliseconds_since_the_epoch(
    start: StartRun, open_api: OpenApi, verified: Verified
) -> None:
    with start() as run:
        before = time.time() * 1000
        run.log({"x": 1.0})
        time.sleep(0.05)
        run.log({"x": 2.0})
        after = time.time() * 1000
    times = open_api().metric_history(run.id, "x").times
    assert times.dtype == np.int64
    assert before - 1 <= times[0] <= times[1] <= after + 1
    assert times[1] - times[0] >= 40  # the 50 ms sleep shows, so the unit is ms
    verified(run.id)


def test_summaries_last_min_max_count_last_step(
    start: StartRun, open_api: OpenApi, verified: Verified
) -> None:
    with start() as run:
        for step, value in enumerate([3.0, float("nan"), 1.0, 7.0, 2.0]):
            run.log({"loss": value, "all_nan": float("nan")}, step=step * 10)
        run.flush()
        live = open_api().summaries(run.id)["loss"]
        assert live.count == 5  # summaries are there while the run is live, after a flush
        run.log({"loss": 5.0}, step=100)
    summaries = open_api().summaries(run.id)
    loss = summaries["loss"]
    assert (loss.last, loss.min, loss.max, loss.count, loss.last_step) == (5.0, 1.0, 7.0, 6, 100)
    all_nan = summaries["all_nan"]
    assert math.isnan(all_nan.last)
    assert all_nan.min is None and all_nan.max is None
    assert all_nan.count == 5
    verified(run.id)


def test_nan_last_value_is_kept_in_the_summary(start: StartRun, open_api: OpenApi) -> None:
    with start() as run:
        run.log({"loss": 2.0})
        run.log({"loss": float("nan")})
    loss = open_api().summaries(run.id)["loss"]
    assert math.isnan(loss.last)
    assert (loss.min, loss.max, loss.last_step) == (2.0, 2.0, 1)


BAD_CALLS = [
    pytest.param({"ok": 1.0, "bad": "0.5"}, None, "bad", id="str-value"),
    pytest.param({"ok": 1.0, "bad": None}, None, "bad", id="none-value"),
    pytest.param({"ok": 1.0, "bad": [1.0, 2.0]}, None, "bad", id="list-value"),
    pytest.param({"ok": 1.0, "bad": {"x": 1}}, None, "bad", id="dict-value"),
    pytest.param({"ok": 1.0, 7: 1.0}, None, "7", id="int-key"),
    pytest.param({"ok": 1.0, "": 1.0}, None, "''", id="empty-key"),
    pytest.param({"ok": 1.0, " padded": 1.0}, None, "' padded'", id="padded-key"),
    pytest.param({"ok": 1.0}, "3", "step", id="str-step"),
    pytest.param({"ok": 1.0}, 1.5, "step", id="float-step"),
    pytest.param({"ok": 1.0}, True, "step", id="bool-step"),
]


@pytest.mark.parametrize(("metrics", "step", "named"), BAD_CALLS)
def test_invalid_log_raises_and_records_nothing_from_the_call(
    start: StartRun,
    open_api: OpenApi,
    verified: Verified,
    metrics: dict[object, object],
    step: object,
    named: str,
) -> None:
    with start() as run:
        run.log({"ok": 0.0})  # step 0
        with pytest.raises(trackrecord.InvalidValueError, match=named) as caught:
            run.log(metrics, step=step)  # type: ignore[arg-type]
        assert isinstance(caught.value, ValueError)  # also catchable as a ValueError
        run.log({"ok": 2.0})  # still works, and the failed call did not advance the step
    api = open_api()
    series = api.metric_history(run.id, "ok")
    assert series.values.tolist() == [0.0, 2.0]
    assert series.steps.tolist() == [0, 1]
    assert set(api.summaries(run.id)) == {"ok"}
    verified(run.id)


def test_log_takes_a_dict(start: StartRun) -> None:
    with start() as run, pytest.raises(trackrecord.InvalidValueError, match="dict"):
        run.log([("loss", 1.0)])  # type: ignore[arg-type]


def test_a_metric_never_logged_is_not_found(start: StartRun, open_api: OpenApi) -> None:
    with start() as run:
        run.log({"loss": 1.0})
    with pytest.raises(trackrecord.NotFoundError, match="loss"):
        open_api().metric_history(run.id, "accuracy")


def test_reading_a_live_run_after_flush(start: StartRun, open_api: OpenApi) -> None:
    run = start()
    for step in range(100):
        run.log({"loss": 1.0 / (step + 1)})
    assert run.flush() is True
    api = open_api()
    assert len(api.metric_history(run.id, "loss")) == 100
    assert api.run(run.id).status == "running"
    run.finish()
    assert api.run(run.id).status == "finished"


def test_logging_after_finish_raises(start: StartRun, open_api: OpenApi) -> None:
    run = start()
    run.log({"loss": 1.0})
    run.finish()
    with pytest.raises(trackrecord.ConfigurationError, match="finished"):
        run.log({"loss": 2.0})
    assert open_api().metric_history(run.id, "loss").values.tolist() == [1.0]
