"""``trackrecord metrics ID KEY``: a metric as a terminal chart, or all its points.

The chart is drawn from the store's downsampled series (``Api.metric_buckets``),
whose buckets keep their minimum and maximum, so a spike shows however long
the series. ``--values`` streams every point, one window of steps at a time,
without holding the whole series in memory.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

import click
import numpy as np

from trackrecord.cli.formats import format_value, to_json
from trackrecord.cli.options import dir_option, find_run, is_tty, json_option, open_api
from trackrecord.cli.sparkline import sparkline
from trackrecord.store.base import RunRecord
from trackrecord.store.series import Buckets, FloatArray

if TYPE_CHECKING:
    from trackrecord.api import Api

__all__ = ["metrics", "step_windows"]

CHART_WIDTH: Final = 80
WINDOW_POINTS: Final = 50_000
_LABEL_ROOM: Final = 14


def _chart_width() -> int:
    if not is_tty():
        return CHART_WIDTH
    return max(20, shutil.get_terminal_size((CHART_WIDTH + _LABEL_ROOM, 24)).columns - _LABEL_ROOM)


def place_buckets(buckets: Buckets, wanted: int) -> tuple[FloatArray, FloatArray, int]:
    """Per chart column, the (min, max) of the bucket at that step range (NaN: no points).

    The store returns only non-empty buckets; this puts each one back at its
    place on the step axis, so a gap in the steps shows as a gap in the chart.
    Returns the lows, the highs and the steps per column.
    """
    low, high = int(buckets.step_start[0]), int(buckets.step_end.max())
    width = max(1, -(-(high - low + 1) // wanted))  # as the store computes it
    columns = -(-(high - low + 1) // width)
    lows, highs = np.full(columns, np.nan), np.full(columns, np.nan)
    index = np.minimum((buckets.step_start - low) // width, columns - 1)
    lows[index], highs[index] = buckets.min, buckets.max
    return lows, highs, width


def step_windows(buckets: Buckets) -> Iterator[tuple[int | None, int | None]]:
    """(start, end) step ranges that together hold each point exactly once, in step order."""
    starts = [int(s) for s in buckets.step_start[1:]]
    bounds: list[int | None] = [None, *starts]
    ends: list[int | None] = [*(s - 1 for s in starts), None]
    yield from zip(bounds, ends, strict=True)


def _draw(run: RunRecord, key: str, buckets: Buckets, wanted: int, height: int) -> None:
    summary = run.summaries[key]
    lows, highs, width = place_buckets(buckets, wanted)
    lines = sparkline(lows, highs, height)
    steps = f"steps {int(buckets.step_start[0])}-{int(buckets.step_end.max())}"
    click.secho(f"{key} of run {run.id} ({run.name})", bold=True)
    click.echo(f"{summary.count} points, {steps}, {width} step(s) per column")
    finite = np.concatenate([lows[np.isfinite(lows)], highs[np.isfinite(highs)]])
    top = format_value(float(finite.max())) if len(finite) else ""
    bottom = format_value(float(finite.min())) if len(finite) else ""
    for number, line in enumerate(lines):
        label = top if number == 0 else bottom if number == len(lines) - 1 else ""
        click.echo(f"{line.ljust(len(lows))}  {label}".rstrip())
    stats = (
        ("first", float(buckets.first[0])),
        ("last", summary.last),
        ("min", summary.min),
        ("max", summary.max),
    )
    click.echo("  ".join(f"{name} {format_value(value)}" for name, value in stats))


def _summary_json(run: RunRecord, key: str, buckets: Buckets) -> str:
    summary = run.summaries[key]
    columns = ("step_start", "step_end", "count", "first", "last", "min", "max")
    return to_json(
        {
            "run_id": run.id,
            "key": key,
            "count": summary.count,
            "first": float(buckets.first[0]) if len(buckets) else None,
            "last": summary.last,
            "min": summary.min,
            "max": summary.max,
            "buckets": {c: getattr(buckets, c).tolist() for c in columns},
        }
    )


def _point_lines(steps: list[int], values: list[float], times: list[int], as_json: bool) -> str:
    if as_json:
        return "\n".join(
            json.dumps({"step": s, "value": v if math.isfinite(v) else None, "time": t})
            for s, v, t in zip(steps, values, times, strict=True)
        )
    return "\n".join(
        f"{s:>12}  {v!r:<24}  "
        f"{dt.datetime.fromtimestamp(t / 1000).astimezone().isoformat(timespec='milliseconds')}"
        for s, v, t in zip(steps, values, times, strict=True)
    )


def _stream_values(api: Api, run: RunRecord, key: str, as_json: bool) -> None:
    summary = run.summaries.get(key)
    count = summary.count if summary is not None else 0
    # about WINDOW_POINTS points per window; a missing key raises here, before any output
    windows = api.metric_buckets(run.id, key, max(1, min(10_000, count // WINDOW_POINTS + 1)))
    if not as_json:
        click.echo(f"{'step':>12}  {'value':<24}  time")
    for start, end in step_windows(windows):
        series = api.metric_history(run.id, key, start, end)
        if len(series):
            lines = _point_lines(
                series.steps.tolist(), series.values.tolist(), series.times.tolist(), as_json
            )
            click.echo(lines)


@click.command()
@click.argument("run_id")
@click.argument("key")
@click.option(
    "--buckets",
    "-b",
    type=click.IntRange(1, 10_000),
    default=None,
    help="Chart columns (default: fit the terminal; 80 when not a terminal).",
)
@click.option(
    "--height", type=click.IntRange(1, 20), default=3, show_default=True, help="Chart rows."
)
@click.option("--values", is_flag=True, help="Print every point: step, value, time.")
@dir_option
@json_option
def metrics(
    run_id: str,
    key: str,
    buckets: int | None,
    height: int,
    values: bool,
    directory: str | None,
    as_json: bool,
) -> None:
    """Chart a metric of a run, or print its points.

    Each column of the chart is a bucket of steps, drawn from its minimum to
    its maximum (one row high: its maximum), so spikes always show. Below it:
    first, last, min and max. --values prints every point instead (JSON lines
    with --json).

    Examples:

      trackrecord metrics 01jc3x loss

      trackrecord metrics 01jc3x loss --values --json > loss.jsonl
    """
    with open_api(directory) as api:
        run = find_run(api, run_id)
        if values:
            _stream_values(api, run, key, as_json)
            return
        wanted = buckets or _chart_width()
        found = api.metric_buckets(run.id, key, wanted)
    if as_json:
        click.echo(_summary_json(run, key, found))
    elif not len(found):
        click.echo(f"{key} of run {run.id} has no points")
    else:
        _draw(run, key, found, wanted, height)
