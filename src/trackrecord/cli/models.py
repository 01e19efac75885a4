"""``trackrecord models``: the model registry (versions, aliases, history) and model files.

Every change is recorded in the registered model's hash-chained history with
the local user as the actor and the ``--reason`` given.
"""

from __future__ import annotations

import dataclasses

import click

from trackrecord.cli.formats import format_time, to_json
from trackrecord.cli.options import CommandError, dir_option, find_run, json_option, open_api
from trackrecord.cli.render import Column, render_table
from trackrecord.errors import TrackRecordError

__all__ = ["models"]

_REASON = click.option("--reason", default=None, help="Why (kept in the history).")


@click.group()
def models() -> None:
    """Registered models: list, register, alias, deprecate, update, history, download."""


@models.command("ls")
@dir_option
@json_option
def list_models(directory: str | None, as_json: bool) -> None:
    """Every registered model, its latest version and aliases.

    Example: trackrecord models ls
    """
    with open_api(directory) as api:
        found = api.registered_models()
    if as_json:
        click.echo(to_json([dataclasses.asdict(m) for m in found]))
        return
    if not found:
        click.echo("No registered models: trackrecord models register RUN_ID MODEL --name NAME")
        return
    columns = [Column("name", max_width=40), Column("project", max_width=30),
               Column("latest", align="right"), Column("aliases", max_width=50),
               Column("updated")]  # fmt: skip
    rows = [
        [m.name, m.project, str(m.latest_version or "-"),
         ", ".join(f"{a}=v{v}" for a, v in sorted(m.aliases.items())), format_time(m.updated_at)]
        for m in found
    ]  # fmt: skip
    for line in render_table(columns, rows):
        click.echo(line)


@models.command("versions")
@click.argument("name")
@dir_option
@json_option
def versions(name: str, directory: str | None, as_json: bool) -> None:
    """The versions of a registered model, newest first.

    Example: trackrecord models versions churn
    """
    with open_api(directory) as api:
        found = api.model_versions(name)
    if as_json:
        click.echo(to_json([dataclasses.asdict(v) for v in found]))
        return
    columns = [Column("version", align="right"), Column("status"), Column("aliases"),
               Column("flavor"), Column("digest"), Column("run"), Column("created"),
               Column("by")]  # fmt: skip
    rows = [
        [str(v.version), v.status, ", ".join(v.aliases), v.flavor, v.digest[:12], v.run_id,
         format_time(v.created_at), v.created_by]
        for v in found
    ]  # fmt: skip
    for line in render_table(columns, rows):
        click.echo(line)


@models.command("register")
@click.argument("run_id")
@click.argument("model")
@click.option("--name", "registered", required=True, help="The registered model's name.")
@click.option("--description", default=None, help="What this version is.")
@dir_option
@json_option
def register(
    run_id: str, model: str, registered: str, description: str | None, directory: str | None,
    as_json: bool,
) -> None:  # fmt: skip
    """Make a new version of --name from the model MODEL that run RUN_ID logged.

    Example: trackrecord models register 01j9 classifier --name churn
    """
    with open_api(directory) as api:
        run = find_run(api, run_id)
        made = api.register_model(f"runs:/{run.id}/{model}", registered, description)
    if as_json:
        click.echo(to_json(dataclasses.asdict(made)))
        return
    click.echo(f"Registered {made.model} version {made.version} (digest {made.digest[:12]}) "
               f"from run {made.run_id}")  # fmt: skip


@models.command("alias")
@click.argument("name")
@click.argument("alias")
@click.argument("version", type=int)
@_REASON
@dir_option
def alias(name: str, alias: str, version: int, reason: str | None, directory: str | None) -> None:
    """Point ALIAS of model NAME at VERSION (moving it from where it was).

    Example: trackrecord models alias churn champion 3 --reason "best AUC on the holdout"
    """
    with open_api(directory) as api:
        api.set_alias(name, alias, version, reason)
    click.echo(f"{name}@{alias} -> version {version}")


@models.command("unalias")
@click.argument("name")
@click.argument("alias")
@_REASON
@dir_option
def unalias(name: str, alias: str, reason: str | None, directory: str | None) -> None:
    """Remove ALIAS from model NAME.

    Example: trackrecord models unalias churn staging
    """
    with open_api(directory) as api:
        api.delete_alias(name, alias, reason)
    click.echo(f"{name}@{alias} removed")


@models.command("deprecate")
@click.argument("name")
@click.argument("version", type=int)
@click.option("--reason", required=True, help="Why it must not be used any more.")
@dir_option
def deprecate(name: str, version: int, reason: str, directory: str | None) -> None:
    """Mark VERSION of model NAME deprecated (it stays in the record).

    Example: trackrecord models deprecate churn 2 --reason "trained on leaked labels"
    """
    with open_api(directory) as api:
        api.deprecate(name, version, reason)
    click.echo(f"{name} version {version} is deprecated")


@models.command("require-signoffs")
@click.argument("name")
@click.argument("alias")
@click.argument("required", type=click.IntRange(0, 20))
@_REASON
@dir_option
def require_signoffs(
    name: str, alias: str, required: int, reason: str | None, directory: str | None
) -> None:
    """Require REQUIRED approving sign-offs of a version before ALIAS of NAME moves to it.

    Example: trackrecord models require-signoffs churn production 2 --reason "4-eyes rule"
    """
    with open_api(directory) as api:
        api.require_signoffs(name, alias, required, reason)
    click.echo(f"{name}@{alias} now needs {required} sign-off(s) of a version to move to it")


@models.command("update")
@click.argument("name")
@click.option("--version", type=int, default=None, help="Change this version, not the model.")
@click.option("--description", default=None, help="The new description.")
@click.option("--tag", "tags", multiple=True, help="KEY=VALUE, repeatable.")
@_REASON
@dir_option
def update(
    name: str, version: int | None, description: str | None, tags: tuple[str, ...],
    reason: str | None, directory: str | None,
) -> None:  # fmt: skip
    """Change the description or tags of model NAME (or of one --version of it).

    Example: trackrecord models update churn --version 3 --tag eval=holdout-2024
    """
    pairs = dict(tag.partition("=")[::2] for tag in tags)
    if any(not key for key in pairs) or any("=" not in tag for tag in tags):
        raise CommandError("give tags as KEY=VALUE, e.g. --tag stage=candidate")
    with open_api(directory) as api:
        if version is None:
            api.update_model(name, description, pairs or None, reason)
        else:
            api.update_version(name, version, description, pairs or None, reason=reason)
    click.echo(f"{name}{'' if version is None else f' version {version}'} updated")


@models.command("history")
@click.argument("name")
@click.option("--verify", is_flag=True, help="Check the history's hash chain.")
@dir_option
@json_option
def history(name: str, verify: bool, directory: str | None, as_json: bool) -> None:
    """Every change to model NAME: what, who, when and why (a hash chain).

    Example: trackrecord models history churn --verify
    """
    with open_api(directory) as api:
        events = api.registry_history(name)
        problems = api.verify_registry(name) if verify else []
    if as_json:
        click.echo(to_json([{"seq": e.seq, "type": e.type, "time": e.time, "hash": e.hash,
                             "body": dict(e.body)} for e in events]))  # fmt: skip
    else:
        for e in events:
            body = e.body
            what = {k: v for k, v in body.items() if k not in ("actor", "reason", "files")
                    and v not in (None, {}, [])}  # fmt: skip
            detail = " ".join(f"{k}={v}" for k, v in what.items())
            why = f'  "{body["reason"]}"' if body.get("reason") else ""
            click.echo(f"{e.seq:>4}  {format_time(e.time)}  {body.get('actor', '?'):<16} "
                       f"{e.type:<15} {detail}{why}")  # fmt: skip
    if verify:
        if problems:
            raise CommandError("; ".join(problems))
        click.echo(f"OK: {len(events)} events, chain head {events[-1].hash if events else '-'}")


@models.command("download")
@click.argument("uri")
@click.argument("destination", type=click.Path(file_okay=False))
@dir_option
def download(uri: str, destination: str, directory: str | None) -> None:
    """Fetch the files of a model URI (runs:/RUN/NAME, models:/NAME/3, models:/NAME@ALIAS),
    each checked against its recorded SHA-256.

    Example: trackrecord models download models:/churn@champion ./churn
    """
    from trackrecord.sdk.models import download_model

    with open_api(directory) as api:
        try:
            folder = download_model(api.store, uri, destination)
        except TrackRecordError as exc:
            raise CommandError(str(exc)) from exc
    click.echo(f"Downloaded {uri} to {folder}")
