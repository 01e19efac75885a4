"""``trackrecord evaluations``: criteria, evaluations and their verdicts, comparisons."""

from __future__ import annotations

import dataclasses
from typing import Any

import click

from trackrecord.cli.formats import format_time, to_json
from trackrecord.cli.options import CommandError, dir_option, json_option, open_api
from trackrecord.cli.render import Column, render_table

__all__ = ["evaluations"]


def _interval(metric: Any) -> str:
    if not isinstance(metric, dict) or metric.get("value") is None:
        return "-"
    low, high = metric.get("low"), metric.get("high")
    bounds = f" [{low:.4g}, {high:.4g}]" if low is not None and high is not None else ""
    return f"{metric['value']:.4g}{bounds}"


@click.group()
def evaluations() -> None:
    """Acceptance criteria and evaluations on reference data."""


@evaluations.command("ls")
@click.option("--target", default=None, help="models:/NAME/3, model:NAME/3 or run:RUN_ID.")
@click.option("--run", "run_id", default=None, help="Evaluations this run made.")
@dir_option
@json_option
def list_evaluations(
    target: str | None, run_id: str | None, directory: str | None, as_json: bool
) -> None:
    """Evaluations of a model version or made by a run, newest first.

    Example: trackrecord evaluations ls --target models:/churn/3
    """
    if target is None and run_id is None:
        raise CommandError("give --target models:/NAME/VERSION or --run RUN_ID")
    with open_api(directory) as api:
        found = api.evaluations(target, run_id)
    if as_json:
        click.echo(to_json([dataclasses.asdict(e) for e in found]))
        return
    columns = [Column("id"), Column("status"), Column("target"), Column("dataset"),
               Column("n", align="right"), Column("when")]  # fmt: skip
    rows = [[e.id, e.status, e.target or f"run:{e.run_id}", e.dataset_name or "-", str(e.n),
             format_time(e.time)] for e in found]  # fmt: skip
    for line in render_table(columns, rows):
        click.echo(line)


@evaluations.command("show")
@click.argument("evaluation_id")
@dir_option
@json_option
def show(evaluation_id: str, directory: str | None, as_json: bool) -> None:
    """One evaluation: verdicts, metrics with intervals, limitations (--json: the full result).

    Example: trackrecord evaluations show eval_3f2a...
    """
    with open_api(directory) as api:
        record = api.evaluation(evaluation_id)
        result = api.evaluation_result(evaluation_id) if as_json else None
    if as_json:
        click.echo(to_json({"record": dataclasses.asdict(record), "result": result}))
        return
    click.echo(f"{record.id}  {record.status.upper()}  {record.target or 'run:' + record.run_id}")
    click.echo(f"  data      {record.dataset_name} {str(record.dataset_digest)[:16]}  n={record.n}")
    click.echo(f"  criteria  {record.criteria_id or '(none)'}   run {record.run_id}")
    for verdict in record.verdicts:
        where = f" [{verdict.get('group')}]" if verdict.get("scope") == "group" else ""
        if verdict.get("scope") == "combined":
            where = " [every group]"
        criterion = verdict.get("criterion", {})
        click.echo(f"  {str(verdict.get('outcome')).upper():<13} {criterion.get('metric')} "
                   f"{criterion.get('op')} {criterion.get('threshold')}{where}: "
                   f"{_interval(verdict)}")  # fmt: skip
    for name, metric in sorted(record.metrics.items()):
        if isinstance(metric, dict) and "value" in metric:
            click.echo(f"  {name:<18} {_interval(metric)}")
    for text in record.limitations:
        click.echo(f"  limitation: {text}")


@evaluations.command("compare")
@click.argument("a")
@click.argument("b")
@dir_option
@json_option
def compare(a: str, b: str, directory: str | None, as_json: bool) -> None:
    """Two evaluations side by side; * marks differences larger than the intervals.

    Example: trackrecord evaluations compare eval_aaa eval_bbb
    """
    with open_api(directory) as api:
        found = api.compare_evaluations(a, b)
    if as_json:
        click.echo(to_json(found))
        return
    for note in found["notes"]:
        click.echo(f"note: {note}")
    columns = [Column("metric"), Column("a"), Column("b"), Column("b - a", align="right"),
               Column("clear")]  # fmt: skip
    rows = [[row["metric"], _interval(row["a"]), _interval(row["b"]),
             "-" if row["difference"] is None else f"{row['difference']:+.4g}",
             "*" if row["clear"] else ""] for row in found["metrics"]]  # fmt: skip
    for line in render_table(columns, rows):
        click.echo(line)


@evaluations.command("criteria")
@click.argument("target")
@dir_option
@json_option
def criteria(target: str, directory: str | None, as_json: bool) -> None:
    """The criteria sets of TARGET (models:/NAME/3 or run:RUN_ID), newest first.

    Example: trackrecord evaluations criteria models:/churn/3
    """
    with open_api(directory) as api:
        found = api.criteria_sets(target)
    if as_json:
        click.echo(to_json([dataclasses.asdict(c) for c in found]))
        return
    if not found:
        click.echo(f"No criteria for {target}: record them with trackrecord.criteria(...)")
    for item in found:
        replaced = f", supersedes {item.supersedes}" if item.supersedes else ""
        click.echo(f"{item.id}  {format_time(item.time)}  by {item.actor}{replaced}")
        for c in item.criteria:
            group = f" in every {c['group']}" if c.get("group") else ""
            click.echo(f"    {c['metric']} {c['op']} {c['threshold']}{group} "
                       f"(confidence {c.get('confidence', 0.95)})")  # fmt: skip
