"""``trackrecord sync``: ship runs whose events wait in local spools (offline or unsent).

Prints one line per run (events and artifact bytes sent) and a summary; on a
terminal, a line that counts up while a run is being sent. ``--dry-run`` lists
what waits without contacting the store.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from trackrecord.cli.options import CommandError, dir_option, is_tty

if TYPE_CHECKING:
    from trackrecord.outbox import Shipment, WaitingRun

__all__ = ["sync"]


@click.command()
@dir_option
@click.option("--uri", default=None, help="The server (default: TRACKRECORD_URI).")
@click.option("--dry-run", is_flag=True, help="List what waits to be sent; send nothing.")
def sync(directory: str | None, uri: str | None, dry_run: bool) -> None:
    """Upload runs logged offline, and events that runs could not send to the server.

    Safe to run again after an interruption: each run goes on from the first
    event the server lacks, and the server keeps each event once. Sent runs'
    spools, and outbox contents no unsent run needs, are removed.

    Example: TRACKRECORD_URI=http://tr:8080 trackrecord sync
    """
    from trackrecord.errors import TrackRecordError
    from trackrecord.workspace import Workspace, locate

    try:
        root = locate(directory, create=False)
        if dry_run:
            _list_waiting(root)
            return
        workspace = Workspace.open(root, uri=uri, recover=False)
        try:
            shipments = workspace.sync(_Progress(is_tty()))
            freed = workspace.clean_outbox()
        finally:
            workspace.close()
    except TrackRecordError as exc:
        raise CommandError(str(exc)) from exc
    _summarise(shipments, freed)


def _list_waiting(root: Path) -> None:
    from trackrecord.artifacts.local import LocalArtifactStore
    from trackrecord.fallback import fallback_roots
    from trackrecord.outbox import waiting_runs

    runs: list[WaitingRun] = []
    for local in [*(p for p in fallback_roots(root) if p.is_dir()), root]:  # as sync sends them
        found = waiting_runs(local / "spool", LocalArtifactStore(local / "outbox"))
        runs += [r for r in found if r.run_id not in {seen.run_id for seen in runs}]
    for run in runs:
        click.echo(_describe_waiting(run))
    events = sum(r.events for r in runs)
    size = sum(r.artifact_bytes for r in runs)
    click.echo(
        f"dry run: {_count(len(runs), 'run')} waiting, up to {_count(events, 'event')} and "
        f"{_size(size)} of artifacts; nothing was sent"
    )


def _describe_waiting(run: WaitingRun) -> str:
    kind = "offline" if run.offline else "unsent"
    state = ", being written" if run.live else ("" if run.ended else ", not ended")
    label = f" {run.label}" if run.label else ""
    return (
        f"run {run.run_id}{label} ({kind}{state}): {_count(run.events, 'event')} "
        f"(seq {run.first_seq}-{run.last_seq}), {_count(len(run.artifacts), 'artifact')} "
        f"({_size(run.artifact_bytes)})"
    )


def _describe(shipment: Shipment) -> str:
    head = f"run {shipment.run_id}" + (" (offline)" if shipment.offline else "")
    if shipment.live:
        return f"{head}: skipped, a live process is still writing it"
    sent = f"{_count(shipment.events, 'event')} and {_size(shipment.artifact_bytes)} of artifacts"
    if shipment.error is not None:
        return f"{head}: interrupted after {sent}: {shipment.error}"
    ended = "; ended as crashed (its process died)" if shipment.crashed else ""
    if not shipment.events and not shipment.artifact_bytes:
        return f"{head}: nothing to send, the store has every event{ended}"
    return f"{head}: sent {sent}{ended}"


def _summarise(shipments: list[Shipment], freed: int) -> None:
    done = [s for s in shipments if s.done]
    events = sum(s.events for s in shipments)
    size = sum(s.artifact_bytes for s in shipments)
    line = (
        f"synced {_count(len(done), 'run')}: {_count(events, 'event')} and {_size(size)} of "
        f"artifacts sent"
    )
    if freed:
        line += f"; {_size(freed)} freed from the outbox"
    click.echo(line)
    for request in (r for s in shipments for r in s.registrations):
        if request.refused:
            click.echo(request.refusal(), err=True)
        elif request.outcome != "waiting":
            click.echo(f"{request.run_id} {request.run_model}: {request.model} {request.outcome}")
    failed = [s for s in shipments if s.error is not None]
    if failed:
        raise click.ClickException(
            f"{_count(len(failed), 'run')} not fully sent; what is left stays on disk: run "
            f"`trackrecord sync` again once the store answers"
        )


class _Progress:
    """One line per run as it ends; on a terminal, a status line counting up while it is sent."""

    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def __call__(self, shipment: Shipment) -> None:
        ended = shipment.done or shipment.live or shipment.error is not None
        if self.tty:
            status = "" if ended else (
                f"run {shipment.run_id}: {_count(shipment.events, 'event')} and "
                f"{_size(shipment.artifact_bytes)} of artifacts sent so far"
            )  # fmt: skip
            click.echo(f"\r\033[K{status}", nl=False, err=True)
        if ended:
            click.echo(_describe(shipment))


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _size(n: int) -> str:
    scaled, units = float(n), ["TB", "GB", "MB", "KB"]
    if n < 1000:
        return f"{n:,} bytes"
    while units:
        scaled /= 1000
        unit = units.pop()
        if scaled < 1000:
            break
    return f"{scaled:.1f} {unit}"
