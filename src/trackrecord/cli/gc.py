"""``trackrecord gc``: remove artifact contents that no run refers to.

See :mod:`trackrecord.gc` for what counts as referenced. Shows the plan
first, and removes only with ``--yes`` or after a confirmation; a removal is recorded
in the store's audit log (``artifacts.gc``).
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, Final

import click

from trackrecord.cli.formats import format_bytes, to_json
from trackrecord.cli.options import dir_option, is_tty, open_api

if TYPE_CHECKING:
    from trackrecord.gc import GcPlan

__all__ = ["gc", "parse_age"]

_AGE = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd]?)")
_UNITS: Final = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400}


def parse_age(text: str) -> float:
    """``"90s"``, ``"30m"``, ``"1h"``, ``"2d"`` or plain seconds, as seconds."""
    match = _AGE.fullmatch(text.strip().lower())
    if match is None:
        raise click.BadParameter(f"{text!r} is not an age; write e.g. 0, 90s, 30m, 1h or 2d")
    return float(match.group(1)) * _UNITS[match.group(2)]


def _describe(plan: GcPlan, verbose: bool, min_age: str) -> None:
    click.echo(
        f"Read {plan.runs} runs (deleted ones included): they refer to {plan.referenced} "
        f"artifact contents."
    )
    if plan.count:
        size = format_bytes(sum(plan.unreferenced.values()))
        click.echo(f"{plan.count} contents no run refers to ({size}) can be removed.")
    if plan.stale_staging:
        staged = format_bytes(sum(s for _, s in plan.stale_staging))
        click.echo(f"{len(plan.stale_staging)} stale staging files ({staged}) can be removed.")
    if plan.kept:
        example = next(iter(plan.kept.values()))
        click.echo(f"{len(plan.kept)} contents no run refers to are kept with model versions "
                   f"(their documents or data), e.g. {example}.")  # fmt: skip
    if plan.spared:
        click.echo(
            f"{plan.spared} contents no run refers to yet are younger than {min_age} and kept "
            f"(a run being logged may record them soon; see --min-age)."
        )
    if verbose:
        for digest, digest_size in plan.unreferenced.items():
            click.echo(f"  {digest}  {format_bytes(digest_size)}")
        for name, staged_size in plan.stale_staging:
            click.echo(f"  tmp/{name}  {format_bytes(staged_size)}")
        for digest, why in plan.kept.items():
            click.echo(f"  kept {digest}: {why}")
    if not plan.count and not plan.stale_staging:
        click.echo("Nothing to remove.")


def _plan_json(plan: GcPlan, removed: bool, freed: int) -> str:
    return to_json(
        {
            "runs": plan.runs,
            "referenced": plan.referenced,
            "unreferenced": [{"sha256": d, "size": s} for d, s in plan.unreferenced.items()],
            "stale_staging": [{"name": n, "size": s} for n, s in plan.stale_staging],
            "bytes": plan.bytes,
            "spared": plan.spared,
            "kept": [{"sha256": d, "why": why} for d, why in plan.kept.items()],
            "removed": removed,
            "freed": freed,
        }
    )


@click.command()
@click.option("--yes", "-y", is_flag=True, help="Remove without asking.")
@click.option("--dry-run", "-n", is_flag=True, help="Only show what would be removed.")
@click.option("--verbose", "-v", is_flag=True, help="List the digests to remove.")
@click.option(
    "--min-age",
    default="1h",
    show_default=True,
    help="Spare contents stored more recently than this (e.g. 0, 30m, 2d): a run that is "
    "being logged may not have recorded them yet.",
)
@dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the plan and the result as JSON.")
def gc(
    yes: bool, dry_run: bool, verbose: bool, min_age: str, directory: str | None, as_json: bool
) -> None:
    """Remove artifact contents that no run refers to.

    A content is kept while any run's record names it: deleted runs included
    (they can be restored), and older versions of a file a run logged again.
    Removes only with --yes, or after you confirm; --dry-run never removes.

    Example: trackrecord gc --dry-run --verbose
    """
    from trackrecord.gc import collect, plan_gc

    age = parse_age(min_age)
    with open_api(directory) as api:
        if is_tty(sys.stderr):
            total = sum(p.run_count for p in api.projects())  # deleted runs included
            with click.progressbar(length=total, label="Reading runs", file=sys.stderr) as bar:
                plan = plan_gc(api, min_age=age, progress=lambda _: bar.update(1))
        else:
            plan = plan_gc(api, min_age=age)
        if not as_json:
            _describe(plan, verbose, min_age)
        remove = bool(plan.count or plan.stale_staging) and not dry_run
        if remove and not yes:
            remove = click.confirm("Remove them?", default=False, err=True)
        freed = 0
        if remove:
            with api.audit.change("artifacts.gc", f"{plan.count} contents") as change:
                freed = collect(api, plan)
                change.target = f"{plan.count} contents, {freed} bytes freed"
    if as_json:
        click.echo(_plan_json(plan, remove, freed))
    elif remove:
        click.echo(f"Removed: {format_bytes(freed)} freed.")
    elif plan.count or plan.stale_staging:
        click.echo("Nothing removed" + (" (dry run)." if dry_run else "."))
