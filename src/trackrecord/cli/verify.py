"""``trackrecord verify``: recompute the hash chains of some runs, a project, or all."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Final

import click

from trackrecord.cli.formats import to_json
from trackrecord.cli.options import CommandError, dir_option, find_run, is_tty, open_api

if TYPE_CHECKING:
    from trackrecord.api import Api
    from trackrecord.compliance.verify import VerifyResult

__all__ = ["verify"]

PROGRESS_FROM: Final = 20
"""Runs from which a progress bar is shown (on a terminal only)."""


def _run_ids(api: Api, run_ids: tuple[str, ...], project: str | None) -> list[str]:
    """The full ids to verify: those named, or a project's or every run, deleted ones too."""
    if run_ids:
        return [find_run(api, run_id).id for run_id in run_ids]
    return [
        run.id for deleted in (False, True) for run in api.iter_runs(None, project, None, deleted)
    ]


def _results(api: Api, run_ids: list[str], artifacts: bool) -> Iterator[VerifyResult]:
    for run_id in run_ids:
        yield api.verify(run_id, artifacts=artifacts)


def _as_json(result: VerifyResult) -> str:
    return to_json(
        {
            "run_id": result.run_id,
            "ok": result.ok,
            "events": result.events,
            "head": result.head_hash,
            "bad_seq": result.bad_seq,
            "problem": result.problem,
        },
        lines=True,
    )


def _report(results: Iterable[VerifyResult], as_json: bool, every: bool) -> int:
    """Print results (failures only unless *every*); return how many failed."""
    failed = 0
    for result in results:
        failed += not result.ok
        if as_json:
            click.echo(_as_json(result))
        elif every or not result.ok:
            click.secho(str(result), fg="green" if result.ok else "red")
    return failed


@click.command()
@click.argument("run_ids", nargs=-1, metavar="[RUN_ID...]")
@click.option("--project", "-p", help="Verify every run of this project (deleted ones too).")
@click.option("--all", "everything", is_flag=True, help="Verify every run (deleted ones too).")
@click.option("--no-artifacts", is_flag=True, help="Skip re-hashing artifact contents.")
@dir_option
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON lines.")
def verify(
    run_ids: tuple[str, ...],
    project: str | None,
    everything: bool,
    no_artifacts: bool,
    directory: str | None,
    as_json: bool,
) -> None:
    """Recompute runs' hash chains and check their tables against them.

    Give RUN_IDs (ids or unique prefixes), a --project, or --all. For named
    runs each result is printed: OK with the chain head, or FAILED at the
    first event that does not match; for a project or all runs, only the
    failures. A summary line ends the output. Exits with status 1 if any run
    fails, 2 on a usage error.

    Examples:

      trackrecord verify 01jc3x

      trackrecord verify --all
    """
    if sum((bool(run_ids), project is not None, everything)) != 1:
        raise click.UsageError("give RUN_ID..., or --project P, or --all (one of them)")
    with open_api(directory) as api:
        ids = _run_ids(api, run_ids, project)
        if not ids:
            raise CommandError(
                f"no runs in project {project!r}" if project else "no runs to verify"
            )
        results = _results(api, ids, not no_artifacts)
        if is_tty(sys.stderr) and len(ids) >= PROGRESS_FROM:
            with click.progressbar(
                results, length=len(ids), label="Verifying", file=sys.stderr
            ) as bar:
                done = list(bar)  # print after the bar, so lines do not garble it
            failed = _report(done, as_json, every=bool(run_ids))
        else:
            failed = _report(results, as_json, every=bool(run_ids))
    summary = f"{len(ids)} runs verified, {failed} failed"
    click.secho(summary, fg="red" if failed else "green", err=as_json)
    if failed:
        raise SystemExit(1)
