"""``trackrecord export archive|metrics|table``: runs out of the store, into files.

Each command exits 0 on success, 2 on a usage error (an unknown run id, a
missing store, a bad option) and 1 when the export itself fails (a damaged
store). ``--json`` prints a machine-readable summary instead of a sentence.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

import click

from trackrecord.errors import (
    ConfigurationError,
    InvalidValueError,
    NotFoundError,
    TrackRecordError,
)

if TYPE_CHECKING:
    from trackrecord.api import Api
    from trackrecord.archive import Progress

__all__ = ["export"]


@contextmanager
def cli_errors() -> Iterator[None]:
    """Turn TrackRecord errors into click errors: bad input exits 2, a failure 1."""
    try:
        yield
    except (NotFoundError, ConfigurationError, InvalidValueError) as exc:
        raise click.UsageError(str(exc)) from exc
    except TrackRecordError as exc:
        raise click.ClickException(str(exc)) from exc


class ProgressBars:
    """A ``progress(done, total, what)`` callback drawing a bar per phase on stderr.

    Phases are told apart by *what* without its last word (``"run 01jc..."`` is
    the phase ``run``). Nothing is drawn unless stderr is a terminal, so CI
    logs stay clean.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._stack = ExitStack()
        self._phase: tuple[str, int] | None = None
        self._bar: Any = None

    def __call__(self, done: int, total: int, what: str) -> None:
        phase = (what.rsplit(" ", 1)[0], total)
        if phase != self._phase:
            self.close()
            self._phase = phase
            bar = click.progressbar(
                length=total, label=f"{phase[0]}s", file=sys.stderr, show_pos=True
            )
            self._bar = self._stack.enter_context(bar)
        self._bar.update(done - self._bar.pos)

    def close(self) -> None:
        """Finish the bar being drawn."""
        self._stack.close()
        self._stack = ExitStack()

    @property
    def callback(self) -> Progress | None:
        """The callback to pass on, or None when no bar is drawn."""
        return self if self.enabled else None


def report(summary: dict[str, Any], as_json: bool, sentence: str) -> None:
    """Print the summary: as JSON, or as a sentence."""
    click.echo(json.dumps(summary) if as_json else sentence)


def plural(count: int, word: str) -> str:
    """``1 run``, ``2 runs``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def human_size(size: int) -> str:
    """``512 B``, ``1.5 MB`` and the like."""
    amount, units = float(size), ["B", "kB", "MB", "GB", "TB"]
    while amount >= 1000 and len(units) > 1:
        amount, units = amount / 1000, units[1:]
    return f"{size} B" if units[0] == "B" else f"{amount:.1f} {units[0]}"


dir_option = click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    default=None,
    help="Store directory (default: .trackrecord here or in a parent, or TRACKRECORD_DIR).",
)
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print a machine-readable summary (JSON)."
)
_run_option = click.option(
    "--run",
    "runs",
    multiple=True,
    metavar="ID",
    help="A run id (or a unique prefix); repeat for several.",
)
_project_option = click.option("--project", default=None, help="All runs of this project.")


def _select(api: Api, runs: tuple[str, ...], project: str | None) -> list[str]:
    """The ids of the runs named, else of the project's runs, else of every run."""
    if runs and project:
        raise ConfigurationError("give either --run or --project, not both")
    if runs:
        return list(dict.fromkeys(api.run(run).id for run in runs))
    found = [r.id for r in api.iter_runs(project=project)]
    if not found:
        names = ", ".join(p.name for p in api.projects()) or "none"
        where = f"project {project!r}" if project else "the store"
        raise NotFoundError(f"{where} has no runs in {api.root}; projects: {names}")
    return found


@click.group()
def export() -> None:
    """Export runs: whole runs as an archive, or metrics or the runs table as files."""


@export.command("archive")
@click.argument("out", type=click.Path(dir_okay=False))
@_run_option
@_project_option
@dir_option
@json_option
def archive(
    out: str, runs: tuple[str, ...], project: str | None, directory: str | None, as_json: bool
) -> None:
    """Write whole runs (events and artifacts) to a portable archive OUT.

    Takes the runs given with --run, else every run of --project, else every
    run. Ids, times and hash chains are kept: `trackrecord import OUT` brings
    the runs into another store, and `trackrecord verify` checks them there.

    Example: trackrecord export archive mnist.tar --project mnist
    """
    from trackrecord.api import Api
    from trackrecord.archive import export_archive

    bars = ProgressBars(not as_json)
    with cli_errors(), Api(dir=directory) as api:
        ids = _select(api, runs, project)
        try:
            summary = export_archive(api.store, ids, out, bars.callback)
        finally:
            bars.close()
    report(
        summary.to_dict(),
        as_json,
        f"Exported {plural(len(summary.runs), 'run')} ({plural(summary.events, 'event')}, "
        f"{plural(summary.artifacts, 'artifact')}) to {out} ({human_size(summary.size)})",
    )


def _metrics_format(out: str, fmt: str | None) -> str:
    return fmt or ("csv" if out.lower().endswith(".csv") else "parquet")


@export.command("metrics")
@click.argument("out", type=click.Path(dir_okay=False))
@_run_option
@_project_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["parquet", "csv"]),
    default=None,
    help="File format (default: csv for a .csv OUT, else parquet).",
)
@dir_option
@json_option
def metrics(
    out: str,
    runs: tuple[str, ...],
    project: str | None,
    fmt: str | None,
    directory: str | None,
    as_json: bool,
) -> None:
    """Write every metric point of runs to OUT: columns run_id, key, step, value, time (ms).

    Takes the runs given with --run, else every run of --project, else every run.

    Example: trackrecord export metrics mnist.parquet --project mnist
    """
    from trackrecord.api import Api
    from trackrecord.exports import export_metrics

    bars = ProgressBars(not as_json)
    with cli_errors(), Api(dir=directory) as api:
        ids = _select(api, runs, project)
        try:
            summary = export_metrics(api.store, ids, out, _metrics_format(out, fmt), bars.callback)
        finally:
            bars.close()
    report(
        summary.to_dict(),
        as_json,
        f"Exported {plural(summary.rows, 'metric point')} of {plural(summary.runs, 'run')} "
        f"to {out}",
    )


@export.command("table")
@click.argument("out", type=click.Path(dir_okay=False))
@_project_option
@click.option("--where", "query", default=None, help="A run filter, e.g. 'metrics.acc.max > 0.9'.")
@click.option(
    "--columns",
    multiple=True,
    help="Columns to keep, comma-separated or repeated (e.g. id,name,params.lr,metrics.loss).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet", "json"]),
    default=None,
    help="File format (default: from OUT's extension).",
)
@dir_option
@json_option
def table(
    out: str,
    project: str | None,
    query: str | None,
    columns: tuple[str, ...],
    fmt: str | None,
    directory: str | None,
    as_json: bool,
) -> None:
    """Write the runs table (one row per run: attributes, params.*, metrics.*, tags.*) to OUT.

    Example: trackrecord export table runs.csv --project mnist --where 'status = "finished"'
    """
    from trackrecord.api import Api
    from trackrecord.exports import export_table

    keep = [c.strip() for spec in columns for c in spec.split(",") if c.strip()] or None
    with cli_errors(), Api(dir=directory) as api:
        rows = list(api.iter_rows(query, project=project, columns=keep))
        summary = export_table(rows, out, fmt)
    report(
        summary.to_dict(),
        as_json,
        f"Exported {plural(summary.rows, 'run')} ({plural(len(summary.columns), 'column')}) "
        f"to {out}",
    )
