"""``trackrecord report``: documents generated from the records.

trackrecord report init [-o provider.yaml]
trackrecord report annex-iv models:/NAME/VERSION --manual provider.yaml -o out/
"""

from __future__ import annotations

from pathlib import Path

import click

from trackrecord.cli.options import CommandError, dir_option, open_api
from trackrecord.errors import TrackRecordError
from trackrecord.local_audit import local_actor

__all__ = ["report"]


@click.group()
def report() -> None:
    """Documents built from the records: EU AI Act Annex IV, instructions for use."""


@report.command("init")
@click.option("-o", "--output", default="provider.yaml", show_default=True,
              type=click.Path(dir_okay=False), help="Where to write the starter file.")  # fmt: skip
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(output: str, force: bool) -> None:
    """Write a commented starter provider.yaml: every field Annex IV asks the provider for.

    Example: trackrecord report init -o provider.yaml
    """
    from trackrecord.compliance.annex_iv.manual import starter_yaml

    path = Path(output)
    if path.exists() and not force:
        raise CommandError(f"{path} exists; pass --force to overwrite it")
    path.write_text(starter_yaml(), encoding="utf-8")
    click.echo(f"Wrote {path}: fill it in, then run trackrecord report annex-iv "
               f"models:/NAME/VERSION --manual {path} -o out/")  # fmt: skip


@report.command("annex-iv")
@click.argument("uri")
@click.option("--manual", "manual", type=click.Path(dir_okay=False, exists=True), default=None,
              help="The provider's fields (see `trackrecord report init`).")  # fmt: skip
@click.option("-o", "--output", "output", default="annex-iv", show_default=True,
              type=click.Path(file_okay=False), help="The folder to write into.")  # fmt: skip
@click.option("--no-verify", is_flag=True, help="Leave out the verification of the records.")
@dir_option
def annex_iv(
    uri: str, manual: str | None, output: str, no_verify: bool, directory: str | None
) -> None:
    """Annex IV technical documentation of model version URI (models:/NAME/VERSION).

    Writes annex-iv.json, annex-iv.html, annex-iv.pdf and the instructions-for-use
    extract, and prints what is still missing per item. For a version on the market or
    under a legal hold, the files are also kept in the store (trackrecord retention kept).

    Example: trackrecord report annex-iv models:/churn/3 --manual provider.yaml -o out/
    """
    from trackrecord.compliance.annex_iv.report import parse_model_uri, write_report
    from trackrecord.compliance.evidence import keep_if_retained

    with open_api(directory) as api:
        try:
            written = write_report(api, uri, manual, output, verify=not no_verify, keep=False)
            name, ref = parse_model_uri(uri)
            number = api.model_version(name, ref).version
            kept = keep_if_retained(api, name, number, written, manual, local_actor())
        except (TrackRecordError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
    import json

    completeness = json.loads(written[0].read_bytes())["completeness"]
    for path in written:
        click.echo(f"Wrote {path}")
    total = completeness["total"]
    click.echo(f"{total['fields']} fields: {total['automatic']} automatic, {total['attached']} "
               f"attached, {total['manual']} manual, {total['missing']} missing")  # fmt: skip
    for row in completeness["items"]:
        if row["missing_fields"]:
            click.echo(f"  item {row['item']} missing: {', '.join(row['missing_fields'])}")
    if kept is not None:
        click.echo(f"Kept {len(kept.files)} files with {kept.model} v{kept.version} in the store "
                   f"(registry event {kept.seq}): it is retained")  # fmt: skip
