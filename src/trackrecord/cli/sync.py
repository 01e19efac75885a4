"""``trackrecord sync``: ship runs whose events are still in local spools."""

from __future__ import annotations

import click

from trackrecord.cli.options import dir_option

__all__ = ["sync"]


@click.command()
@dir_option
@click.option("--uri", default=None, help="The server (default: TRACKRECORD_URI).")
def sync(directory: str | None, uri: str | None) -> None:
    """Upload the events that runs logged while the server was unreachable.

    Safe to run again after an interruption: the server keeps each event once.
    """
    from trackrecord.errors import TrackRecordError
    from trackrecord.workspace import Workspace

    try:
        workspace = Workspace.open(directory, uri=uri)
        try:
            shipped = workspace.recover()
        finally:
            workspace.close()
    except TrackRecordError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{len(shipped)} run(s) synced" + (f": {', '.join(shipped)}" if shipped else ""))
