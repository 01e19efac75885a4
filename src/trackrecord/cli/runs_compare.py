"""``trackrecord runs compare ID ID...``: params and metric summaries side by side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import click

from trackrecord.cli.formats import format_value, short_ids, to_json
from trackrecord.cli.options import (
    CommandError,
    dir_option,
    find_run,
    json_option,
    open_api,
    table_width,
)
from trackrecord.cli.render import Column, render_table
from trackrecord.record.events import canonical_json
from trackrecord.store.base import RunRecord

__all__ = ["ComparedRow", "compare", "compare_runs"]

MARK: Final = "*"
ABSENT: Final = object()
"""A value the run does not have (a param it never logged), unlike a logged null."""
_ATTRIBUTES: Final = ("name", "project", "status", "group", "git_commit", "git_branch")
_AGGREGATES: Final = ("last", "min", "max", "count", "step")


@dataclass(frozen=True)
class ComparedRow:
    """One field across the runs compared, and whether its values differ."""

    field: str
    values: list[Any]
    differs: bool


def _row(field: str, values: list[Any]) -> ComparedRow:
    keys = {b"\0absent" if v is ABSENT else canonical_json(v) for v in values}  # NaN-safe
    return ComparedRow(field, values, len(keys) > 1)


def _attribute(run: RunRecord, name: str) -> Any:
    value = getattr(run, name)
    return ABSENT if value is None else value


def _metric(run: RunRecord, key: str, aggregate: str) -> Any:
    summary = run.summaries.get(key)
    if summary is None:
        return ABSENT
    return {"last": summary.last, "min": summary.min, "max": summary.max,
            "count": summary.count, "step": summary.max_step}[aggregate]  # fmt: skip


def compare_runs(runs: Sequence[RunRecord]) -> list[ComparedRow]:
    """Attributes, params, metric summaries and tags of *runs*, one row per field."""
    rows = [_row(name.replace("_", "."), [getattr(r, name) for r in runs]) for name in _ATTRIBUTES]
    for key in sorted({k for r in runs for k in r.params}):
        rows.append(_row(f"params.{key}", [r.params.get(key, ABSENT) for r in runs]))
    for key in sorted({k for r in runs for k in r.summaries}):
        for aggregate in _AGGREGATES:
            field = f"metrics.{key}" if aggregate == "last" else f"metrics.{key}.{aggregate}"
            rows.append(_row(field, [_metric(r, key, aggregate) for r in runs]))
    for key in sorted({k for r in runs for k in r.tags}):
        rows.append(_row(f"tags.{key}", [r.tags.get(key, ABSENT) for r in runs]))
    return rows


def _text(value: Any) -> str:
    if value is ABSENT:
        return "-"
    return "null" if value is None else '""' if value == "" else format_value(value)


def _print(runs: Sequence[RunRecord], rows: list[ComparedRow], hidden: int) -> None:
    ids = short_ids([r.id for r in runs])
    columns = [Column(""), Column("field", max_width=48)]
    columns += [Column(ids[r.id], max_width=24) for r in runs]
    cells = [[MARK if row.differs else "", row.field, *map(_text, row.values)] for row in rows]
    marked = {i for i, row in enumerate(rows) if row.differs}
    for line in render_table(columns, cells, width=table_width(), marked=marked):
        click.echo(line)
    if hidden:
        click.echo(f"{hidden} identical rows hidden (--all shows them)")
    elif not rows:
        click.echo("no rows")


@click.command()
@click.argument("run_ids", nargs=-1, required=True, metavar="RUN_ID RUN_ID...")
@click.option("--all", "show_all", is_flag=True, help="Include the rows whose values agree.")
@dir_option
@json_option
def compare(run_ids: tuple[str, ...], show_all: bool, directory: str | None, as_json: bool) -> None:
    """Compare runs: params, metric summaries and tags side by side.

    Rows whose values differ are marked with * (and coloured on a terminal);
    identical rows are counted, and shown with --all. A value a run lacks is -.

    Example: trackrecord runs compare 01jc3x 01jc4a 01jc5f
    """
    if len(run_ids) < 2:
        raise CommandError("give at least two run ids (or unique prefixes) to compare")
    with open_api(directory) as api:
        runs = [find_run(api, run_id) for run_id in run_ids]
    every = compare_runs(runs)
    shown = every if show_all else [row for row in every if row.differs]
    hidden = len(every) - len(shown)
    if as_json:
        payload = {
            "runs": [{"id": r.id, "name": r.name} for r in runs],
            "rows": [
                {
                    "field": row.field,
                    "values": [None if v is ABSENT else v for v in row.values],
                    "differs": row.differs,
                }
                for row in shown
            ],
            "identical": sum(not row.differs for row in every),
        }
        click.echo(to_json(payload))
        return
    _print(runs, shown, hidden)
