"""``trackrecord checkpoint``: print or export the store's latest signed checkpoint, or its
checkpoint public key.

A checkpoint (the transparency log's size and root hash at a time, signed with a key
kept outside the database) is what an auditor keeps outside the store; later,
``trackrecord verify --checkpoint FILE`` proves nothing recorded up to it was removed,
rewritten or rolled back. See ``docs/transparency-log.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from trackrecord.cli.options import CommandError, dir_option, open_api

if TYPE_CHECKING:
    from trackrecord.api import Api
    from trackrecord.store.sql.transparency_log import SqlTransparencyLog
    from trackrecord.transparency.keys import CheckpointKey

__all__ = ["checkpoint", "store_log"]


def store_log(api: Api) -> SqlTransparencyLog:
    """The transparency log of the store *api* opened, when its database is here."""
    log: SqlTransparencyLog | None = getattr(api.store, "log", None)
    if log is None:
        raise CommandError(
            "the transparency log is kept where the store's database is: run this where the "
            "store is (--dir), or on the server's store (--dir or the server's database)"
        )
    return log


def _key(log: SqlTransparencyLog, key_file: str | None) -> CheckpointKey:
    from trackrecord.transparency.keys import load_or_create_key, store_checkpoint_key

    if key_file is not None:  # a team server's key: never made here
        return load_or_create_key(key_file, create=False)
    return store_checkpoint_key(log.store_id())


@click.command()
@dir_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the checkpoint to this file (keep it outside the store) instead of printing it.",
)
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="Sign with this key file (a team server's, as given to trackrecord server "
    "--checkpoint-key); default: the store's key in ~/.config/trackrecord/checkpoint-keys "
    "(or $TRACKRECORD_CHECKPOINT_KEYS_DIR), made on first use.",
)
@click.option(
    "--public-key",
    "print_public_key",
    is_flag=True,
    help="Print the checkpoint public key (PEM) to give auditors, instead of a checkpoint.",
)
def checkpoint(
    directory: str | None, out: str | None, key_file: str | None, print_public_key: bool
) -> None:
    """Print the store's latest signed checkpoint as JSON, or export it with --out.

    Heads waiting to be logged are appended first; if the log has grown since the last
    checkpoint signed with this key, a new one is issued. Keep the file outside the
    store (in git, on a second server); check the store against it later with
    trackrecord verify --checkpoint FILE.

    Examples:

      trackrecord checkpoint --out audit/checkpoint-2026-12.json

      trackrecord checkpoint --public-key > store-checkpoint-key.pem
    """
    from trackrecord.errors import TrackRecordError
    from trackrecord.transparency.checkpoint import write_checkpoint_file

    with open_api(directory) as api:
        log = store_log(api)
        try:
            key = _key(log, key_file)
            if print_public_key:
                click.echo(key.public_pem(), nl=False)
                return
            # not audited: a checkpoint changes no fact of the record, it signs them
            signed = log.checkpoint(key)
            if out is not None:
                write_checkpoint_file(out, signed)
        except TrackRecordError as exc:
            raise CommandError(str(exc)) from exc
    if out is None:
        click.echo(signed.to_text(), nl=False)
        return
    point = signed.checkpoint
    click.echo(f"checkpoint of {point.origin} at {point.size} leaves (root {point.root[:16]}…) "
               f"written to {out}")  # fmt: skip
