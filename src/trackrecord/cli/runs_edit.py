"""``trackrecord runs tag|rename|note|delete|restore``: changes to finished runs.

Each change is an event appended to the run's hash chain (see
:meth:`trackrecord.Api.set_tags` and friends), so the record shows who changed
what and when. A run still being written by a live process cannot be changed:
the command says so and exits with status 2.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

import click

from trackrecord.cli.options import CommandError, dir_option, find_run, open_api

if TYPE_CHECKING:
    from trackrecord.api import Api
    from trackrecord.store.base import RunRecord

__all__ = ["delete", "note", "rename", "restore", "tag"]


def _label(run: RunRecord) -> str:
    return f"{run.id} ({run.name})"


def _parse_tags(pairs: tuple[str, ...], labels: tuple[str, ...]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CommandError(
                f"{pair!r} is not KEY=VALUE; write e.g. stage=prod (or --label {pair} for a "
                f"tag without a value)"
            )
        tags[key] = value
    tags.update({label: "" for label in labels})
    if not tags:
        raise CommandError("give tags as KEY=VALUE, or labels with --label NAME")
    return tags


@click.command()
@click.argument("run_id")
@click.argument("pairs", nargs=-1, metavar="KEY=VALUE...")
@click.option("--label", "-l", "labels", multiple=True, help="A tag without a value. Repeatable.")
@dir_option
def tag(
    run_id: str, pairs: tuple[str, ...], labels: tuple[str, ...], directory: str | None
) -> None:
    """Add or change tags of a run.

    Example: trackrecord runs tag 01jc3x stage=prod owner=ana --label baseline
    """
    tags = _parse_tags(pairs, labels)
    with open_api(directory) as api:
        run = find_run(api, run_id)
        api.set_tags(run.id, tags)
    shown = ", ".join(f"{k}={v}" if v else k for k, v in tags.items())
    click.echo(f"Tagged {_label(run)}: {shown}")


@click.command()
@click.argument("run_id")
@click.argument("name")
@dir_option
def rename(run_id: str, name: str, directory: str | None) -> None:
    """Give a run a new name.

    Example: trackrecord runs rename 01jc3x adam-lr3e-4
    """
    with open_api(directory) as api:
        run = find_run(api, run_id)
        api.rename(run.id, name)
    click.echo(f"Renamed {run.id} from {run.name!r} to {name!r}")


@click.command()
@click.argument("run_id")
@click.argument("text", required=False)
@click.option(
    "--file",
    "-f",
    "source",
    type=click.File("r", encoding="utf-8"),
    help="Read the notes from a file ('-' for standard input).",
)
@dir_option
def note(run_id: str, text: str | None, source: IO[str] | None, directory: str | None) -> None:
    """Replace a run's notes with TEXT (or the contents of --file).

    Example: trackrecord runs note 01jc3x "diverged after warm-up; lr too high"
    """
    if (text is None) == (source is None):
        raise CommandError("give the notes either as TEXT or with --file F, not both or neither")
    notes = source.read() if source is not None else str(text)
    with open_api(directory) as api:
        run = find_run(api, run_id)
        api.set_notes(run.id, notes)
    click.echo(f"Notes of {_label(run)} replaced ({len(notes)} characters)")


def _find_all(api: Api, run_ids: tuple[str, ...]) -> list[RunRecord]:
    """Every run, or an error before anything changes; each run once."""
    found = {run.id: run for run in (find_run(api, run_id) for run_id in run_ids)}
    return list(found.values())


@click.command()
@click.argument("run_ids", nargs=-1, required=True, metavar="RUN_ID...")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@dir_option
def delete(run_ids: tuple[str, ...], yes: bool, directory: str | None) -> None:
    """Delete runs: they leave listings and searches, and can be restored.

    Nothing is erased: the runs keep their record (and their artifacts) and
    come back with `trackrecord runs restore`. Asks for confirmation unless --yes.

    Example: trackrecord runs delete 01jc3x 01jc4a --yes
    """
    with open_api(directory) as api:
        runs = _find_all(api, run_ids)
        if not yes:
            listed = "\n".join(f"  {_label(run)}" for run in runs)
            click.echo(f"About to delete {len(runs)} run(s):\n{listed}", err=True)
            click.confirm("Delete them?", abort=True, err=True)
        for run in runs:
            api.delete(run.id)
            click.echo(f"Deleted {_label(run)}")
    ids = " ".join(run.id for run in runs)
    click.echo(f"Restore with: trackrecord runs restore {ids}")


@click.command()
@click.argument("run_ids", nargs=-1, required=True, metavar="RUN_ID...")
@dir_option
def restore(run_ids: tuple[str, ...], directory: str | None) -> None:
    """Bring back deleted runs.

    Example: trackrecord runs restore 01jc3x
    """
    with open_api(directory) as api:
        for run in _find_all(api, run_ids):
            if run.deleted_at is None:
                click.echo(f"{_label(run)} is not deleted; nothing to do")
                continue
            api.restore(run.id)
            click.echo(f"Restored {_label(run)}")
