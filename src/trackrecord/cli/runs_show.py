"""``trackrecord runs show ID``: everything about one run."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Final

import click

from trackrecord.cli.formats import (
    format_bytes,
    format_duration,
    format_time,
    format_value,
    to_json,
)
from trackrecord.cli.options import dir_option, find_run, json_option, open_api
from trackrecord.cli.render import Column, render_table, truncate
from trackrecord.store.base import ArtifactRecord, RunRecord

__all__ = ["nested_lines", "show"]

VALUE_WIDTH: Final = 100
INDENT: Final = "  "


def _pairs(pairs: Sequence[tuple[str, str]]) -> list[str]:
    width = max((len(label) for label, _ in pairs), default=0)
    return [
        f"{label.ljust(width)}  {truncate(value, VALUE_WIDTH)}".rstrip() for label, value in pairs
    ]


def _table(columns: list[Column], rows: list[list[str]]) -> list[str]:
    return render_table(columns, rows) if rows else []


def nested_lines(values: Mapping[str, Any]) -> list[str]:
    """Dotted keys as a tree: ``optimizer.lr`` under an ``optimizer`` heading, values aligned."""
    entries: list[tuple[int, str, str | None]] = []  # (depth, label, value; None: a heading)
    opened: list[str] = []
    for key in sorted(values, key=lambda k: k.split(".")):
        *heads, leaf = key.split(".")
        common = 0
        while common < min(len(opened), len(heads)) and opened[common] == heads[common]:
            common += 1
        entries += [(depth, heads[depth], None) for depth in range(common, len(heads))]
        opened = heads
        entries.append((len(heads), leaf, format_value(values[key])))
    width = max((2 * d + len(label) for d, label, v in entries if v is not None), default=0)
    lines = []
    for depth, label, value in entries:
        text = INDENT * depth + label
        lines.append(
            text if value is None else f"{text.ljust(width)}  {truncate(value, VALUE_WIDTH)}"
        )
    return lines


def _attributes(run: RunRecord) -> list[tuple[str, str]]:
    pairs = [
        ("id", run.id),
        ("name", run.name),
        ("project", run.project),
        ("status", run.status),
        ("group", run.group),
        ("parent", run.parent),
        ("user", run.user),
        ("host", run.host),
        ("created", format_time(run.created_at, seconds=True)),
        ("finished", format_time(run.finished_at, seconds=True) if run.finished_at else None),
        ("duration", format_duration(run.duration_ms) if run.finished_at else None),
        ("deleted", format_time(run.deleted_at, seconds=True) if run.deleted_at else None),
        ("events", str(run.head_seq)),
    ]
    return [(label, value) for label, value in pairs if value is not None]


def _part(environment: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    part = environment.get(name)
    return part if isinstance(part, Mapping) else None


def _gpus(gpus: Any) -> str:
    if isinstance(gpus, Mapping) and "error" in gpus:
        return f"error: {gpus['error']}"
    if not gpus:
        return "none"
    names = [g.get("name") or f"error: {g.get('error')}" for g in gpus]
    first = gpus[0]
    memory = first.get("memory_total_bytes")
    size = f" ({format_bytes(memory)})" if isinstance(memory, int) else ""
    driver = f", driver {first['driver_version']}" if first.get("driver_version") else ""
    cuda = f", CUDA {first['cuda_driver_version']}" if first.get("cuda_driver_version") else ""
    label = names[0] if len(set(names)) == 1 else ", ".join(names)
    return f"{len(gpus)} x {label}{size}{driver}{cuda}"


def _git(git: Mapping[str, Any]) -> str:
    commit = str(git.get("commit") or "no commit")[:12]
    branch = git.get("branch") or "detached"
    dirty = ", dirty" if git.get("dirty") else ""
    remote = f"  {git['remote_url']}" if git.get("remote_url") else ""
    return f"{commit} ({branch}{dirty}){remote}"


def _describe(name: str, part: Mapping[str, Any]) -> str:
    if "error" in part:
        return f"error: {part['error']}"
    if name == "python":
        return f"{part.get('version')} ({part.get('implementation')})  {part.get('executable', '')}"
    if name == "os":
        return f"{part.get('system')} {part.get('release')} ({part.get('machine')})"
    if name == "host":
        return str(part.get("hostname"))
    if name == "cpu":
        return f"{part.get('model') or 'unknown CPU'} ({part.get('logical_count')} logical cores)"
    if name == "memory":
        total = part.get("total_bytes")
        return format_bytes(total) if isinstance(total, int) else "unknown"
    if name == "command":
        return " ".join(str(a) for a in part.get("argv") or ())
    return _git(part)


def _environment(environment: Mapping[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for name in ("python", "os", "host", "cpu", "memory"):
        if (part := _part(environment, name)) is not None:
            pairs.append((name, _describe(name, part)))
    if "gpus" in environment:
        pairs.append(("gpu", _gpus(environment["gpus"])))
    for name in ("git", "command"):
        if (part := _part(environment, name)) is not None:
            pairs.append((name, _describe(name, part)))
    return pairs


def _metrics(run: RunRecord) -> list[str]:
    columns = [Column("key", max_width=40)]
    columns += [Column(h, "right", 14) for h in ("last", "min", "max", "count", "step")]
    rows = [
        [key, *(format_value(v) for v in (s.last, s.min, s.max, s.count, s.max_step))]
        for key, s in sorted(run.summaries.items())
    ]
    return _table(columns, rows)


def _artifacts(artifacts: list[ArtifactRecord]) -> list[str]:
    columns = [Column("path", max_width=60), Column("size", "right"), Column("media type")]
    return _table(columns, [[a.path, format_bytes(a.size), a.media_type] for a in artifacts])


def _datasets(datasets: list[dict[str, Any]]) -> list[str]:
    names = ("name", "role", "digest", "source")
    rows = [[format_value(d.get(h)) for h in names] for d in datasets]
    return _table([Column(h, max_width=40) for h in names], rows)


def _error(error: Mapping[str, Any]) -> list[str]:
    first = click.style(f"{error.get('type')}: {error.get('message')}", fg="red")
    return [first, *str(error.get("traceback") or "").rstrip().splitlines()]


def _print(
    run: RunRecord,
    environment: dict[str, Any],
    artifacts: list[ArtifactRecord],
    datasets: list[dict[str, Any]],
) -> None:
    click.secho(f"run {run.id}", bold=True)
    for line in _pairs(_attributes(run)):
        click.echo(INDENT + line)
    sections = [
        ("params", nested_lines(run.params), "none"),
        ("metrics", _metrics(run), "none"),
        ("tags", _pairs(sorted(run.tags.items())), "none"),
        ("notes", (run.notes or "").splitlines(), "none"),
        ("environment", _pairs(_environment(environment)), "not captured"),
        ("artifacts", _artifacts(artifacts), "none"),
        ("datasets", _datasets(datasets), "none"),
    ]
    if run.error:
        sections.append(("error", _error(run.error), ""))
    for title, lines, empty in sections:
        click.echo()
        click.secho(title, bold=True)
        for line in lines or [empty]:
            click.echo(f"{INDENT}{line}".rstrip())


@click.command()
@click.argument("run_id")
@dir_option
@json_option
def show(run_id: str, directory: str | None, as_json: bool) -> None:
    """Show one run: attributes, params, metrics, tags, notes, environment, artifacts.

    RUN_ID is an id or a unique prefix of one. --json gives everything, the
    whole captured environment included.

    Example: trackrecord runs show 01jc3x
    """
    with open_api(directory) as api:
        run = find_run(api, run_id)
        environment = api.environment(run.id)
        artifacts = api.artifacts(run.id)
        datasets = [dict(e.body) for e in api.store.read_events(run.id, types=("dataset",))]
    if as_json:
        record = dataclasses.asdict(run)
        record["duration"] = run.duration_ms
        record.update(
            environment=environment,
            artifacts=[dataclasses.asdict(a) for a in artifacts],
            datasets=datasets,
        )
        click.echo(to_json(record))
        return
    _print(run, environment, artifacts, datasets)
