"""``trackrecord retention``: market placement, log retention, legal holds, the files kept
with a version, and purging.

These commands work on a store directly (``--dir``, or ``TRACKRECORD_DIR``); every
change, and every attempt refused, is written to the store's audit log as done by
``local:<user>`` (see :mod:`trackrecord.local_audit`).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from trackrecord.cli.formats import format_bytes, format_time
from trackrecord.cli.options import CommandError, dir_option, find_run, open_api
from trackrecord.errors import TrackRecordError
from trackrecord.local_audit import local_actor
from trackrecord.periods import day_of, ms_of_day

if TYPE_CHECKING:
    from trackrecord.api import Api
    from trackrecord.store.sql.evidence import KeptSet
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


def _show_or_set_log_period(period: str | None, directory: str | None) -> None:
    with _retention(directory) as (api, keeper):
        if period is not None:
            with api.audit.change("retention.set_log_period", period) as change:
                change.target = keeper.set_log_retention(period).code
        click.echo(f"run logs are kept {keeper.log_retention()} after they end (never less "
                   f"than six calendar months)")  # fmt: skip


@retention.command("log-period")
@click.argument("period", required=False)
@dir_option
def log_period(period: str | None, directory: str | None) -> None:
    """Show, or set to PERIOD, how long run logs are kept after they end: 6m (the default),
    18m, 1y, 400d (at least six months, or 183 days).

    Example: trackrecord retention log-period 1y
    """
    _show_or_set_log_period(period, directory)


@retention.command("log-days", hidden=True)
@click.argument("days", type=int, required=False)
@dir_option
def log_days(days: int | None, directory: str | None) -> None:
    """Show, or set to DAYS, how long run logs are kept (see log-period)."""
    _show_or_set_log_period(None if days is None else f"{days}d", directory)


def _date_ms(placed: str | None) -> int | None:
    if placed is None:
        return None
    try:
        return ms_of_day(dt.date.fromisoformat(placed))
    except ValueError:
        raise CommandError(f"--date {placed!r} must be YYYY-MM-DD") from None


def _echo_kept(kept: KeptSet) -> None:
    what = kept.details.get("dataset")
    label = f"data of {what['name']} ({what['project']})" if what else kept.kind
    click.echo(f"kept {label} with {kept.model} v{kept.version} (registry event {kept.seq}):")
    for item in kept.files:
        click.echo(f"  {item.sha256}  {format_bytes(item.size):>9}  {item.path}")


@retention.command("market")
@click.argument("name")
@click.argument("version", type=int)
@click.option(
    "--date", "placed", default=None, help="When it was placed (YYYY-MM-DD; default now)."
)
@click.option("--years", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--reason", default=None, help="E.g. the release or conformity reference.")
@click.option(
    "--manual",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="The provider.yaml of the documents kept now (and its attachments).",
)
@click.option("--keep-data", "keep_data", multiple=True, type=click.Path(exists=True),
              help="The file or directory of a dataset the version was evaluated on (or "
              "trained from), to keep its bytes too; repeat for several.")  # fmt: skip
@dir_option
def market(
    name: str, version: int, placed: str | None, years: int, reason: str | None,
    manual: str | None, keep_data: tuple[str, ...], directory: str | None,
) -> None:  # fmt: skip
    """Record that VERSION of model NAME was placed on the market: its evidence (lineage,
    evaluations, criteria, sign-offs, the documents generated now, and with --keep-data
    the data's bytes) is kept YEARS calendar years (Art. 18).

    Example: trackrecord retention market credit-default 3 --date 2026-12-01 --manual
    provider.yaml --keep-data holdout.parquet
    """
    from trackrecord.compliance.annex_iv.report import write_report
    from trackrecord.compliance.evidence import keep_data as keep_bytes
    from trackrecord.store.sql.evidence import SqlEvidence

    at = _date_ms(placed)
    with _retention(directory) as (api, keeper):
        with api.audit.change("retention.market", f"{name}/{version}"):
            until = keeper.place_on_market(name, version, local_actor(), at, years, reason)
        click.echo(f"{name} v{version} is on the market; its evidence is kept until "
                   f"{day_of(until).isoformat()}")  # fmt: skip
        with tempfile.TemporaryDirectory() as scratch:
            try:
                write_report(api, f"models:/{name}/{version}", manual, scratch, keep=True,
                             actor=local_actor())  # fmt: skip
            except (TrackRecordError, ValueError) as exc:
                raise CommandError(
                    f"{name} v{version} was placed on the market, but its documents were not "
                    f"kept: {exc}; keep them with: trackrecord report annex-iv "
                    f"models:/{name}/{version} --manual provider.yaml"
                ) from exc
        kept = [k for k in SqlEvidence(keeper.store).kept(name, version) if k.kind == "documents"]
        _echo_kept(kept[-1])
        try:
            data = keep_bytes(api, name, version, keep_data, local_actor())
        except TrackRecordError as exc:
            raise CommandError(
                f"{name} v{version} was placed on the market and its documents kept, but its "
                f"data was not: {exc}. Keep it with: trackrecord retention keep-data {name} "
                f"{version} PATH"
            ) from exc
        for found in data:
            _echo_kept(found)


@retention.command("keep-data")
@click.argument("name")
@click.argument("version", type=int)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--reason", default=None, help="Why they are kept.")
@dir_option
def keep_data(
    name: str, version: int, paths: tuple[str, ...], reason: str | None, directory: str | None
) -> None:
    """Keep the bytes of datasets in the evidence of VERSION of model NAME (its evaluations'
    reference data, or data upstream of it), so its declared accuracy can be recomputed.

    Each PATH must hold a recorded dataset version: the file or directory it was logged
    from, or a Parquet/CSV/Arrow file of a DataFrame that was logged in memory.

    Example: trackrecord retention keep-data credit-default 3 holdout.parquet
    """
    from trackrecord.compliance.evidence import keep_data as keep_bytes

    with _retention(directory) as (api, _):
        for found in keep_bytes(api, name, version, paths, local_actor(), reason):
            _echo_kept(found)


@retention.command("kept")
@click.argument("name")
@click.argument("version", type=int)
@click.option(
    "--download",
    "download",
    type=click.Path(file_okay=False),
    default=None,
    help="Write every kept file under this folder (a folder per kept set).",
)
@dir_option
def kept(name: str, version: int, download: str | None, directory: str | None) -> None:
    """The files kept with VERSION of model NAME: generated documents, the provider's file,
    attachments, data; with --download, their bytes (each re-hashed).

    Example: trackrecord retention kept credit-default 3 --download kept/
    """
    from trackrecord.compliance.evidence import download_kept
    from trackrecord.store.sql.evidence import SqlEvidence

    with _retention(directory) as (api, keeper):
        found = SqlEvidence(keeper.store).kept(name, version)
        for item in found:
            _echo_kept(item)
        if not found:
            click.echo(f"No files are kept with {name} v{version}.")
        if download is not None:
            written = download_kept(api, name, version, download)
            click.echo(f"Wrote {len(written)} files under {download}")


@retention.command("hold")
@click.argument("target")
@click.option("--reason", required=True, help="The case or matter the hold is for.")
@dir_option
def hold(target: str, reason: str, directory: str | None) -> None:
    """Put a legal hold on TARGET: run:ID, project:NAME or model:NAME/VERSION (its evidence).

    Example: trackrecord retention hold model:credit-default/3 --reason "case 2026-114"
    """
    with _retention(directory) as (api, keeper), api.audit.change("holds.create", target) as change:
        made = keeper.hold(target, reason, local_actor())
        change.target = f"{made.target} ({made.id})"
    click.echo(f"{made.id}: {target} is on hold")


@retention.command("release")
@click.argument("hold_id")
@click.option("--reason", required=True, help="Why it may be lifted.")
@dir_option
def release(hold_id: str, reason: str, directory: str | None) -> None:
    """Release a legal hold (the hold and its release stay on record).

    Example: trackrecord retention release hold_3f2a9c1b --reason "case closed"
    """
    with (
        _retention(directory) as (api, keeper),
        api.audit.change("holds.release", hold_id) as change,
    ):
        released = keeper.release(hold_id, local_actor(), reason)
        change.target = f"{released.target} ({hold_id})"
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
            try:
                with api.audit.change("runs.purge", run_id) as change:
                    change.target = find_run(api, run_id).id
                    keeper.purge(change.target)
            except TrackRecordError as exc:  # a refusal for one run does not stop the others
                refused.append(str(exc))
                continue
            click.echo(f"purged {change.target}")
    if refused:
        raise CommandError("\n".join(refused))
