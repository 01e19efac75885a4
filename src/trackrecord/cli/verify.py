"""``trackrecord verify RUN_ID``: recompute a run's hash chain."""

from __future__ import annotations

import json

import click

from trackrecord.errors import TrackRecordError

__all__ = ["verify"]


@click.command()
@click.argument("run_ids", nargs=-1, required=True, metavar="RUN_ID...")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    default=None,
    help="Store directory (default: .trackrecord here or in a parent, or TRACKRECORD_DIR).",
)
@click.option("--no-artifacts", is_flag=True, help="Skip re-hashing artifact contents.")
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON lines.")
def verify(
    run_ids: tuple[str, ...], directory: str | None, no_artifacts: bool, as_json: bool
) -> None:
    """Recompute each run's hash chain and check its tables against it.

    Prints OK with the chain head, or the first event that does not match.
    Exits with status 1 if any run fails, 2 on a usage error.

    Example: trackrecord verify 01jc3x
    """
    from trackrecord.api import Api

    failed = False
    try:
        with Api(dir=directory) as api:
            for run_id in run_ids:
                result = api.verify(run_id, artifacts=not no_artifacts)
                failed = failed or not result.ok
                if as_json:
                    click.echo(
                        json.dumps(
                            {
                                "run_id": result.run_id,
                                "ok": result.ok,
                                "events": result.events,
                                "head": result.head_hash,
                                "bad_seq": result.bad_seq,
                                "problem": result.problem,
                            }
                        )
                    )
                else:
                    click.secho(str(result), fg="green" if result.ok else "red")
    except TrackRecordError as exc:
        raise click.UsageError(str(exc)) from exc
    if failed:
        raise SystemExit(1)
