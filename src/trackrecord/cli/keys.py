"""``trackrecord keys``: personal Ed25519 signing keys (create, ls, revoke, export).

The private key is written to ``TRACKRECORD_KEYS_DIR`` (default
``~/.config/trackrecord/keys``) as ``KEY_ID.pem``, mode 0600 and without a
passphrase; only the public key goes into the store. Creating and revoking a key are recorded in
the store's audit log (``keys.create``, ``keys.revoke``), refused attempts included.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from trackrecord.cli.formats import format_time, to_json
from trackrecord.cli.options import CommandError, dir_option, json_option, open_api
from trackrecord.cli.render import Column, render_table
from trackrecord.errors import TrackRecordError

__all__ = ["keys"]


@click.group()
def keys() -> None:
    """Signing keys: create, ls, revoke, export."""


@keys.command("create")
@click.option("--user", default=None, help="Whose key it is (default: the local user).")
@click.option(
    "--keys-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where to write the private key (default: TRACKRECORD_KEYS_DIR or "
    "~/.config/trackrecord/keys).",
)
@dir_option
def create(user: str | None, keys_dir: str | None, directory: str | None) -> None:
    """Make an Ed25519 key pair: the private key in a local file, the public key in the store.

    The private key file has mode 0600 and no passphrase: keep it as private as an SSH key.

    Example: trackrecord keys create --user ada
    """
    from trackrecord.signing import generate_key
    from trackrecord.signing.signatures import signoffs_of
    from trackrecord.values import local_user

    owner = user or local_user()
    with open_api(directory) as api, api.audit.change("keys.create", owner) as change:
        signoffs = signoffs_of(api.store)
        made = generate_key(keys_dir)
        try:
            record = signoffs.register_key(owner, made.public_key)
        except TrackRecordError:
            made.path.unlink(missing_ok=True)  # a key the store does not know signs nothing
            raise
        change.target = f"{record.user}/{record.id}"
    click.echo(f"Created key {record.id} for {record.user}")
    click.echo(f"Private key: {made.path} (mode 0600, no passphrase: keep it private)")


@keys.command("ls")
@click.option("--user", default=None, help="Only this user's keys.")
@dir_option
@json_option
def list_keys(user: str | None, directory: str | None, as_json: bool) -> None:
    """The public keys registered in the store, revoked ones marked.

    Example: trackrecord keys ls
    """
    from trackrecord.signing.signatures import signoffs_of

    with open_api(directory) as api:
        found = signoffs_of(api.store).keys(user)
    if as_json:
        click.echo(to_json([dataclasses.asdict(k) for k in found]))
        return
    if not found:
        click.echo("No keys: trackrecord keys create")
        return
    columns = [Column("key"), Column("user", max_width=40), Column("created"), Column("revoked")]
    rows = [
        [k.id, k.user or "", format_time(k.created_at),
         format_time(k.revoked_at) if k.revoked_at else "-"]
        for k in found
    ]  # fmt: skip
    for line in render_table(columns, rows):
        click.echo(line)


@keys.command("revoke")
@click.argument("key_id")
@dir_option
def revoke(key_id: str, directory: str | None) -> None:
    """Revoke KEY_ID: it signs nothing more; what it signed before stays valid.

    Example: trackrecord keys revoke 3f2a9c0d11e4b7a8
    """
    from trackrecord.signing.signatures import signoffs_of

    with open_api(directory) as api, api.audit.change("keys.revoke", key_id):
        record = signoffs_of(api.store).revoke_key(key_id)
    click.echo(f"Key {record.id} of {record.user} is revoked")


@keys.command("export")
@click.argument("key_id")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the PEM to this file (default: print it).")  # fmt: skip
@dir_option
def export(key_id: str, output: str | None, directory: str | None) -> None:
    """Print KEY_ID's public key as PEM, for verifying signatures offline.

    Example: trackrecord keys export 3f2a9c0d11e4b7a8 -o ada.pem
    """
    from trackrecord.signing import export_public_pem
    from trackrecord.signing.signatures import signoffs_of

    with open_api(directory) as api:
        pem = export_public_pem(signoffs_of(api.store).key(key_id).public_key)
    if output is None:
        click.echo(pem, nl=False)
        return
    try:
        Path(output).write_text(pem, encoding="ascii")
    except OSError as exc:
        raise CommandError(f"cannot write {output}: {exc}") from exc
    click.echo(f"Wrote the public key of {key_id} to {output}")
