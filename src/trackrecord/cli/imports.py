"""``trackrecord import ARCHIVE``: bring the runs of an archive into a store (recorded in
its audit log as ``runs.import``, a refused archive too)."""

from __future__ import annotations

from pathlib import Path

import click

from trackrecord.cli.export import (
    ProgressBars,
    cli_errors,
    dir_option,
    json_option,
    plural,
    report,
)

__all__ = ["import_"]


@click.command("import")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@dir_option
@json_option
def import_(archive: str, directory: str | None, as_json: bool) -> None:
    """Import the runs of ARCHIVE, made by `trackrecord export archive`.

    The whole archive is checked first (every event's hash and chain, every
    artifact's SHA-256); an altered or damaged archive is refused and no run is
    written. Runs the store already holds are skipped, so importing twice is
    harmless; a run the store holds with other events is a conflict. The store
    is created if there is none. Exits 1 when the archive is refused, 2 on a
    usage error.

    Example: trackrecord import mnist.tar --dir /data/trackrecord
    """
    from trackrecord.archive import import_archive
    from trackrecord.local_audit import LocalAudit
    from trackrecord.workspace import Workspace

    bars = ProgressBars(not as_json)
    with cli_errors():
        workspace = Workspace.open(directory)
        audit = LocalAudit.for_store(workspace.store)
        try:
            with audit.change("runs.import", Path(archive).name) as change:
                summary = import_archive(workspace.store, archive, bars.callback)
                change.target = f"{Path(archive).name}: {plural(len(summary.imported), 'run')}"
        finally:
            bars.close()
            workspace.close()
    skipped = f", skipped {len(summary.skipped)} already there" if summary.skipped else ""
    report(
        summary.to_dict(),
        as_json,
        f"Imported {plural(len(summary.imported), 'run')} ({plural(summary.events, 'event')})"
        f"{skipped}; {plural(summary.artifacts, 'artifact')} stored, "
        f"{summary.artifacts_present} already there",
    )
