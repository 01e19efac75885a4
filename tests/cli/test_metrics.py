"""``trackrecord metrics ID KEY``: a chart where spikes show, and every point on demand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import trackrecord
from tests.cli.stores import SPIKE, SPIKE_STEP, Zoo, invoke_in
from trackrecord.cli.metrics import step_windows
from trackrecord.cli.sparkline import BLOCKS


def chart_lines(output: str, height: int, width: int) -> list[str]:
    """The chart rows of the output, without their right-hand labels."""
    return [line[:width].ljust(width) for line in output.splitlines()[2 : 2 + height]]


def spike_column(store: Path, run_id: str, buckets: int, steps_per_column: int) -> int:
    """The column of the bucket that holds the spike, as the store bucketed the series."""
    with trackrecord.Api(dir=store) as api:
        found = api.metric_buckets(run_id, "loss", buckets)
    (index,) = np.flatnonzero((found.step_start <= SPIKE_STEP) & (found.step_end >= SPIKE_STEP))
    assert found.max[index] == SPIKE
    return int(found.step_start[index]) // steps_per_column


def test_the_spike_is_the_tallest_block(zoo: Zoo) -> None:
    result = invoke_in(zoo.root)("metrics", zoo.spiky, "loss", "--buckets", "50", "--height", "1")
    assert result.exit_code == 0, result.output
    assert "20 step(s) per column" in result.output  # 1000 steps in 50 columns
    (line,) = chart_lines(result.output, 1, 50)
    assert line.index(BLOCKS[-1]) == spike_column(zoo.root, zoo.spiky, 50, 20)
    assert line.count(BLOCKS[-1]) == 1 and set(line) - {BLOCKS[-1]} == {BLOCKS[0]}
    assert result.output.splitlines()[-1].split() == [
        "first", "1", "last", "0.001", "min", "0.001", "max", "100",
    ]  # fmt: skip


def test_a_taller_chart_keeps_the_spike_alone_on_top(zoo: Zoo) -> None:
    result = invoke_in(zoo.root)("metrics", zoo.spiky[:12], "loss", "-b", "50")
    top, _, bottom = chart_lines(result.output, 3, 50)
    assert top.strip() == BLOCKS[-1]
    assert top.index(BLOCKS[-1]) == spike_column(zoo.root, zoo.spiky, 50, 20)
    assert " " not in bottom  # every bucket has points
    assert result.output.splitlines()[2].endswith(str(int(SPIKE)))  # the top of the scale


def test_gaps_in_the_steps_stay_gaps(store: Path) -> None:
    with trackrecord.init("p", dir=store, capture=False) as run:
        for step in (*range(10), *range(90, 100)):
            run.log({"y": float(step)}, step=step)
    result = invoke_in(store)("metrics", run.id, "y", "-b", "10", "--height", "1")
    (line,) = chart_lines(result.output, 1, 10)
    assert line[0] != " " and line[-1] == BLOCKS[-1] and line[1:9].strip() == ""


def test_metrics_json(zoo: Zoo) -> None:
    result = invoke_in(zoo.root)("metrics", zoo.spiky, "loss", "--buckets", "10", "--json")
    shown = json.loads(result.stdout)
    assert shown["count"] == 1000 and shown["max"] == SPIKE and shown["first"] == 1.0
    assert sum(shown["buckets"]["count"]) == 1000 and len(shown["buckets"]["max"]) == 10
    assert max(shown["buckets"]["max"]) == SPIKE


def test_values_print_every_point(zoo: Zoo) -> None:
    result = invoke_in(zoo.root)("metrics", zoo.spiky, "loss", "--values")
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["step", "value", "time"]
    assert len(rows) == 1000
    assert rows[SPIKE_STEP].split()[:2] == [str(SPIKE_STEP), repr(SPIKE)]
    points = [
        json.loads(line)
        for line in invoke_in(zoo.root)(
            "metrics", zoo.spiky, "acc", "--values", "--json"
        ).stdout.splitlines()
    ]
    assert [p["step"] for p in points] == list(range(1000))
    assert points[10]["value"] == 0.01 and isinstance(points[10]["time"], int)


def test_step_windows_hold_each_point_once(store: Path) -> None:
    rng = np.random.default_rng(7)
    steps = np.unique(rng.integers(0, 10_000, 3000))
    with trackrecord.init("p", dir=store, capture=False) as run:
        for step in steps.tolist():
            run.log({"z": float(step)}, step=step)
    with trackrecord.Api(dir=store) as api:
        windows = list(step_windows(api.metric_buckets(run.id, "z", 7)))
        seen = np.concatenate([api.metric_history(run.id, "z", s, e).steps for s, e in windows])
    assert len(windows) > 1
    assert seen.tolist() == steps.tolist()


def test_an_unknown_metric_lists_the_known_ones(zoo: Zoo) -> None:
    for extra in ((), ("--values",)):
        result = invoke_in(zoo.root)("metrics", zoo.spiky, "los", *extra)
        assert result.exit_code == 2
        assert "acc, loss" in result.output
        assert "step" not in result.stdout  # nothing printed before the error
