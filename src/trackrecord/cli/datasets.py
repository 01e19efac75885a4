"""``trackrecord datasets``: dataset versions (content digests) and the runs that used them."""

from __future__ import annotations

import dataclasses

import click

from trackrecord.cli.formats import format_time, to_json
from trackrecord.cli.options import dir_option, json_option, open_api
from trackrecord.cli.render import Column, render_table

__all__ = ["datasets"]

project_option = click.option(
    "--project",
    default=None,
    help="The project whose dataset NAME this is (needed when several projects have one).",
)


def _size(size: int | None) -> str:
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return str(size)


@click.group()
def datasets() -> None:
    """Datasets: names, versions, what was found in them, and the runs that used them."""


@datasets.command("ls")
@dir_option
@json_option
def list_datasets(directory: str | None, as_json: bool) -> None:
    """Every dataset name with its number of versions and runs.

    Example: trackrecord datasets ls
    """
    with open_api(directory) as api:
        found = api.datasets()
    if as_json:
        click.echo(to_json([dataclasses.asdict(d) for d in found]))
        return
    if not found:
        click.echo("No datasets yet: record one with run.log_dataset(data, name)")
        return
    columns = [Column("project", max_width=40), Column("name", max_width=60),
               Column("versions", align="right"), Column("runs", align="right"),
               Column("last used")]  # fmt: skip
    rows = [[d.project, d.name, str(d.versions), str(d.runs), format_time(d.updated_at)]
            for d in found]  # fmt: skip
    for line in render_table(columns, rows):
        click.echo(line)


@datasets.command("versions")
@click.argument("name")
@project_option
@dir_option
@json_option
def versions(name: str, project: str | None, directory: str | None, as_json: bool) -> None:
    """The versions of dataset NAME, newest first.

    Example: trackrecord datasets versions churn --project fraud
    """
    with open_api(directory) as api:
        found = api.dataset_versions(name, project)
    if as_json:
        click.echo(to_json([dataclasses.asdict(v) for v in found]))
        return
    columns = [Column("version", align="right"), Column("label"), Column("digest"),
               Column("kind"), Column("rows", align="right"), Column("size", align="right"),
               Column("runs", align="right"), Column("first seen")]  # fmt: skip
    rows = [
        [str(v.number), v.label or "", v.digest[:16], v.kind,
         "-" if v.rows is None else str(v.rows), _size(v.size), str(v.runs),
         format_time(v.created_at)]
        for v in found
    ]  # fmt: skip
    for line in render_table(columns, rows):
        click.echo(line)


@datasets.command("show")
@click.argument("name")
@click.argument("version", default="latest")
@project_option
@dir_option
@json_option
def show(
    name: str, version: str, project: str | None, directory: str | None, as_json: bool
) -> None:
    """One version of dataset NAME (number, digest or prefix; default latest) and its runs.

    Example: trackrecord datasets show churn 2 --project fraud
    """
    with open_api(directory) as api:
        found = api.dataset(name, version, project)
        uses = api.dataset_runs(name, found.digest, found.project)
    if as_json:
        click.echo(to_json({**dataclasses.asdict(found),
                            "uses": [dataclasses.asdict(u) for u in uses]}))  # fmt: skip
        return
    click.echo(
        f"{found.project}/{found.name} version {found.number}"
        + (f" ({found.label})" if found.label else "")
    )
    click.echo(f"  digest   {found.digest}")
    click.echo(f"  kind     {found.kind}   rows {found.rows if found.rows is not None else '-'}"
               f"   size {_size(found.size)}")  # fmt: skip
    if found.uri:
        click.echo(f"  uri      {found.uri}")
    for source in found.sources:
        detail = " ".join(f"{k}={v}" for k, v in source.items() if k != "kind")
        click.echo(f"  source   {source.get('kind')}: {detail}")
    for column in found.schema or []:
        click.echo(f"  column   {column.get('name')}: {column.get('type')}")
    for key, value in (found.datasheet or {}).items():
        click.echo(f"  {key:<8} {value}")
    click.echo("  runs:")
    for use in uses:
        verb = "produced" if use.direction == "output" else "read"
        click.echo(f"    {use.run_id}  {use.project}/{use.run_name}  {verb} as {use.role}"
                   f"  {format_time(use.time)}")  # fmt: skip
