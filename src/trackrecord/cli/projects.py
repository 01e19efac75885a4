"""``trackrecord projects``: the projects of a store."""

from __future__ import annotations

import click

from trackrecord.cli.formats import format_time, to_json
from trackrecord.cli.options import dir_option, json_option, open_api
from trackrecord.cli.render import Column, render_table

__all__ = ["projects"]


@click.group()
def projects() -> None:
    """List projects."""


@projects.command("ls")
@dir_option
@json_option
def list_projects(directory: str | None, as_json: bool) -> None:
    """Every project with its number of runs and when it was created.

    Example: trackrecord projects ls
    """
    with open_api(directory) as api:
        found = api.projects()
    if as_json:
        click.echo(
            to_json([{"name": p.name, "runs": p.run_count, "created": p.created_at} for p in found])
        )
        return
    if not found:
        click.echo("No projects yet: log a run with trackrecord.init(...) first.")
        return
    columns = [Column("name", max_width=60), Column("runs", align="right"), Column("created")]
    rows = [[p.name, str(p.run_count), format_time(p.created_at)] for p in found]
    for line in render_table(columns, rows):
        click.echo(line)
