"""``trackrecord retention``: market placement, log retention, legal holds, and purging.

These commands work on a store directly (``--dir``, or ``TRACKRECORD_DIR``); every
change and every purge attempt is written to the audit log as ``cli:<user>``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from trackrecord.cli.formats import format_time
from trackrecord.cli.options import CommandError, dir_option, find_run, open_api
from trackrecord.errors import TrackRecordError
from trackrecord.values import local_user

if TYPE_CHECKING:
    from trackrecord.api import Api
    from trackrecord.store.sql.retention import SqlRetention

__all__ = ["retention"]


@contextmanager
def _retention(directory: str | None) -> Iterator[tuple[Api, SqlRetention]]:
    from trackrecord.store.sql import SqlStore
    from trackrecord.store.sql.retention import SqlRetention

    with open_api(directory) as api:
        if not isinstance(api.store, SqlStore):
            raise CommandError("retention commands work on a store directly: give --dir")
        yield api, SqlRetention(api.store)


def _actor() -> str:
    return f"cli:{local_user()}"


@click.group()
def retention() -> None:
    """Keep what the law says to keep: placements, log retention, legal holds, purges."""


@retention.command("status")
@click.argument("run_id")
@dir_option
def status(run_id: str, directory: str | None) -> None:
    """What keeps RUN_ID from being purged, and until when.

    Example: trackrecord retention status 01jc3x
    """
    with _retention(directory) as (api, keeper):
        run = find_run(api, run_id)
        found = keeper.protections(run.id)
    if not found:
        click.echo(f"run {run.id}: not protected (it may be purged once deleted)")
    for item in found:
        click.echo(f"run {run.id}: {item.describe()}")


@retention.command("log-days")
@click.argument("days", type=int, required=False)
@dir_option
def log_days(days: int | None, directory: str | None) -> None:
    """Show, or set to DAYS (at least 183), how long run logs are kept after they end.

    Example: trackrecord retention log-days 365
    """
    with _retention(directory) as (_, keeper):
        if days is not None:
            keeper.set_log_retention_days(days, _actor())
        click.echo(f"run logs are kept {keeper.log_retention_days()} days after they end")


@retention.command("market")
@click.argument("name")
@click.argument("version", type=int)
@click.option(
    "--date", "placed", default=None, help="When it was placed (YYYY-MM-DD; default now)."
)
@click.option("--years", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--reason", default=None, help="E.g. the release or conformity reference.")
@dir_option
def market(
    name: str, version: int, placed: str | None, years: int, reason: str | None,
    directory: str | None,
) -> None:  # fmt: skip
    """Record that VERSION of model NAME was placed on the market: its whole lineage is
    kept YEARS years (Art. 18).

    Example: trackrecord retention market credit-default 3 --date 2026-12-01
    """
    at = None
    if placed is not None:
        try:
            day = dt.date.fromisoformat(placed)
        except ValueError:
            raise CommandError(f"--date {placed!r} must be YYYY-MM-DD") from None
        at = int(
            dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp() * 1000
        )
    with _retention(directory) as (_, keeper):
        until = keeper.place_on_market(name, version, _actor(), at, years, reason)
    click.echo(
        f"{name} v{version} is on the market; its lineage is kept until {format_time(until)}"
    )


@retention.command("hold")
@click.argument("target")
@click.option("--reason", required=True, help="The case or matter the hold is for.")
@dir_option
def hold(target: str, reason: str, directory: str | None) -> None:
    """Put a legal hold on TARGET: run:ID, project:NAME or model:NAME/VERSION (its lineage).

    Example: trackrecord retention hold model:credit-default/3 --reason "case 2026-114"
    """
    with _retention(directory) as (_, keeper):
        made = keeper.hold(target, reason, _actor())
    click.echo(f"{made.id}: {target} is on hold")


@retention.command("release")
@click.argument("hold_id")
@click.option("--reason", required=True, help="Why it may be lifted.")
@dir_option
def release(hold_id: str, reason: str, directory: str | None) -> None:
    """Release a legal hold (the hold and its release stay on record).

    Example: trackrecord retention release hold_3f2a9c1b --reason "case closed"
    """
    with _retention(directory) as (_, keeper):
        keeper.release(hold_id, _actor(), reason)
    click.echo(f"{hold_id} released")


@retention.command("holds")
@click.option("--all", "everything", is_flag=True, help="Released holds too.")
@dir_option
def holds(everything: bool, directory: str | None) -> None:
    """The legal holds, newest first.

    Example: trackrecord retention holds
    """
    with _retention(directory) as (_, keeper):
        found = keeper.holds(active_only=not everything)
    if not found:
        click.echo("No legal holds.")
    for item in found:
        state = "active" if item.released_at is None else f"released by {item.released_by}"
        click.echo(f"{item.id}  {item.target}  {state}  by {item.actor} "
                   f"{format_time(item.created_at)}: {item.reason}")  # fmt: skip


@retention.command("purge")
@click.argument("run_ids", nargs=-1, required=True)
@dir_option
def purge(run_ids: tuple[str, ...], directory: str | None) -> None:
    """Hard-delete deleted runs, unless retention or a hold protects them (then say why).

    Example: trackrecord retention purge 01jc3x 01jc4a
    """
    refused = []
    with _retention(directory) as (api, keeper):
        for run_id in run_ids:
            run = find_run(api, run_id)
            try:
                keeper.purge(run.id, _actor())
            except TrackRecordError as exc:  # a refusal for one run does not stop the others
                refused.append(str(exc))
                continue
            click.echo(f"purged {run.id}")
    if refused:
        raise CommandError("\n".join(refused))
