"""Issue 14, part 7: the SDK never loses what follows a bad value.

Each attack logs something the store cannot hold (a step past 64 bits, params nested
thousands deep, logging after the end) or logs to a store that is read-only, and then
asserts two things: the bad call is refused at the call site with a message that names
it, and everything logged around it reaches the store, with the run ended and verified.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import trackrecord
from trackrecord.errors import ConfigurationError, InvalidValueError
from trackrecord.sdk import active


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
