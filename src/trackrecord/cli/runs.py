"""``trackrecord runs``: list runs; the group that ``show``, ``compare`` and the edits join.

``runs ls`` asks the store for one page only (``Api.search_runs`` with a
limit), so it answers as fast on a store of 100,000 runs as on one of ten.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, Final

import click

from trackrecord.cli.formats import (
    format_duration,
    format_time,
    format_value,
    short_ids,
    to_json,
)
from trackrecord.cli.options import (
    CommandError,
    dir_option,
    json_option,
    open_api,
    split_list,
    table_width,
)
from trackrecord.cli.render import Column, render_table
from trackrecord.cli.runs_compare import compare
from trackrecord.cli.runs_edit import delete, note, rename, restore, tag
from trackrecord.cli.runs_show import show
from trackrecord.query import Field, QueryError, parse, parse_order
from trackrecord.query.syntax import And, Node, Not, Or, parse_field
from trackrecord.runs_table import run_row
from trackrecord.store.base import RunRecord

__all__ = ["runs"]

DEFAULT_LIMIT: Final = 25
DEFAULT_METRICS: Final = 3


@click.group()
def runs() -> None:
    """List, show, compare and annotate runs."""


for _command in (show, compare, tag, rename, note, delete, restore):
    runs.add_command(_command)


def _checked(option: str, values: list[str], parse: Callable[[str], object]) -> list[str]:
    for value in values:
        try:
            parse(value)
        except QueryError as exc:
            raise CommandError(f"{option} {value!r}: {exc}") from exc
    return values


def _cell(field: Field, value: Any, ids: dict[str, str]) -> str:
    if field.kind == "attr" and field.name in ("created", "finished"):
        return format_time(value)
    if field.kind == "attr" and field.name == "duration":
        return format_duration(value)
    if field.kind == "attr" and field.name in ("id", "parent") and value in ids:
        return ids[value]
    return format_value(value)


def _named_fields(node: Node) -> list[Field]:
    """The params, metrics and tags a query names, in order."""
    if isinstance(node, (And, Or)):
        return [f for item in node.items for f in _named_fields(item)]
    if isinstance(node, Not):
        return _named_fields(node.item)
    return [node.field] if node.field.kind != "attr" else []


def _default_fields(page: Sequence[RunRecord], named: list[Field]) -> list[Field]:
    """Name, status, times, the fields the query and sort name, then the commonest metrics."""
    fields = [Field("attr", "name")]
    if len({run.project for run in page}) > 1:
        fields.append(Field("attr", "project"))
    fields += [Field("attr", "status"), Field("attr", "created"), Field("attr", "duration")]
    fields += [f for f in dict.fromkeys(named) if f.kind != "attr"][: DEFAULT_METRICS + 2]
    counts = Counter(key for run in page for key in run.summaries)
    common = sorted(counts, key=lambda key: (-counts[key], key))
    shown = {f.name for f in fields if f.kind == "metric"}
    extra = [Field("metric", key) for key in common if key not in shown]
    return fields + extra[: max(0, DEFAULT_METRICS - len(shown))]


def _value(run: RunRecord, field: Field) -> Any:
    return run_row(run, [field])[str(field)]


def _column(header: str, field: Field) -> Column:
    if field.kind == "metric":
        return Column(header, "right", max(12, len(header)))
    return Column(header, max_width=32)


def _print_table(
    page: Sequence[RunRecord], chosen: list[str], deleted: bool, named: list[Field]
) -> None:
    """The page as a table; columns are headed as typed, default metrics by their key."""
    if chosen:
        headed = [(c, parse_field(c, c)) for c in chosen]
    else:
        fields = _default_fields(page, named)
        headed = [(f.name if f.kind == "metric" and f.aggregate == "last" else str(f), f)
                  for f in fields]  # fmt: skip
    headed = [(h, f) for h, f in headed if f != Field("attr", "id")]  # always the first column
    ids = short_ids([run.id for run in page])
    columns = [Column("id", max_width=26), *(_column(h, f) for h, f in headed)]
    rows = [[ids[run.id], *(_cell(f, _value(run, f), ids) for _, f in headed)] for run in page]
    if deleted:
        columns.append(Column("deleted"))
        for row, run in zip(rows, page, strict=True):
            row.append(format_time(run.deleted_at))
    for line in render_table(columns, rows, width=table_width()):
        click.echo(line)


@runs.command("ls")
@click.option("--project", "-p", help="Only runs of this project.")
@click.option("--where", "-w", "query", help="A query, e.g. 'metrics.acc.max > 0.9'.")
@click.option(
    "--sort",
    "-s",
    "sort",
    multiple=True,
    help="Sort key; '-' first for descending (e.g. --sort=-metrics.acc.max). Repeatable.",
)
@click.option(
    "--columns",
    "-c",
    "columns",
    multiple=True,
    help="Columns to show: query fields such as params.lr, metrics.acc.max, tags.stage; "
    "repeat or separate with commas.",
)
@click.option(
    "--limit",
    "-n",
    type=click.IntRange(1, 10_000),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="Rows to show.",
)
@click.option("--cursor", help="Continue after a previous page (its next_cursor).")
@click.option("--deleted", is_flag=True, help="List deleted runs instead.")
@dir_option
@json_option
def list_runs(
    project: str | None,
    query: str | None,
    sort: tuple[str, ...],
    columns: tuple[str, ...],
    limit: int,
    cursor: str | None,
    deleted: bool,
    directory: str | None,
    as_json: bool,
) -> None:
    """List runs, newest first: id, name, status, created, duration and a few metrics.

    Examples:

      trackrecord runs ls --where 'metrics.acc.max > 0.9 and params.opt = "adam"'

      trackrecord runs ls --sort=-metrics.acc.max -c name,params.lr,metrics.acc.max
    """
    order = _checked("--sort", split_list(sort), parse_order)
    chosen = _checked("--columns", split_list(columns), lambda c: parse_field(c, c))
    with open_api(directory) as api:
        page = api.search_runs(
            query, project, order or None, limit, cursor, chosen or None, deleted=deleted
        )
    if as_json:
        click.echo(to_json({"runs": page.rows, "next_cursor": page.next_cursor}))
        return
    if not page.runs:
        hint = "" if deleted else " (deleted runs: --deleted)"
        click.echo(f"No runs match.{hint}" if query or project else f"No runs.{hint}")
        return
    named = [
        *(_named_fields(parse(query)) if query else []),
        *(parse_order(o).field for o in order),
    ]
    _print_table(page.runs, chosen, deleted, named)
    if page.next_cursor is not None:
        click.echo(
            f"… more runs: raise --limit (now {limit}), or see the next page with "
            f"--cursor {page.next_cursor}",
            err=True,
        )
