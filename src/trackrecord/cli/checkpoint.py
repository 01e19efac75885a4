"""``trackrecord checkpoint``: print or export the store's latest signed checkpoint, or its
checkpoint public key.

A checkpoint (the transparency log's size and root hash at a time, signed with a key
kept outside the database) is what an auditor keeps outside the store; later,
``trackrecord verify --checkpoint FILE`` proves nothing recorded up to it was removed,
rewritten or rolled back. See ``docs/transparency-log.md``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from trackrecord.cli.options import CommandError, dir_option, open_api

if TYPE_CHECKING:
    from trackrecord.api import Api
    from trackrecord.store.sql.transparency_log import SqlTransparencyLog
    from trackrecord.transparency.checkpoint import SignedCheckpoint
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
@click.option(
    "--prove",
    "prove",
    default=None,
    metavar="CHAIN",
    help="Print an inclusion proof of CHAIN's last logged head at the checkpoint: "
    "run:RUN_ID, registry:MODEL, audit or ledger.",
)
@click.option(
    "--since",
    "since",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="Print a consistency proof that the checkpoint extends this earlier checkpoint file.",
)
def checkpoint(
    directory: str | None,
    out: str | None,
    key_file: str | None,
    print_public_key: bool,
    prove: str | None,
    since: str | None,
) -> None:
    """Print the store's latest signed checkpoint as JSON, or export it with --out.

    Heads waiting to be logged are appended first; if the log has grown since the last
    checkpoint signed with this key, a new one is issued. Keep the file outside the
    store (in git, on a second server); check the store against it later with
    trackrecord verify --checkpoint FILE.

    Examples:

      trackrecord checkpoint --out audit/checkpoint-2026-12.json

      trackrecord checkpoint --public-key > store-checkpoint-key.pem

      trackrecord checkpoint --prove run:01jabc... > proof.json

      trackrecord checkpoint --since audit/checkpoint-2026-11.json
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
            proofs = _proofs(log, signed, prove, since)
        except TrackRecordError as exc:
            raise CommandError(str(exc)) from exc
    if proofs:
        from trackrecord.record.events import compact_json

        click.echo(compact_json({"checkpoint": json.loads(signed.to_text()), **proofs}))
        return
    if out is None:
        click.echo(signed.to_text(), nl=False)
        return
    point = signed.checkpoint
    click.echo(f"checkpoint of {point.origin} at {point.size} leaves (root {point.root[:16]}…) "
               f"written to {out}")  # fmt: skip


def _chain(name: str) -> tuple[str, str]:
    """``run:ID``, ``registry:NAME``, ``audit`` or ``ledger`` as the log names it: (kind, chain)."""
    if name in ("audit", "ledger"):
        return name, name
    kind, _, rest = name.partition(":")
    if kind == "run" and rest:
        return "run", rest
    if kind == "registry" and rest:
        return "registry", name
    raise CommandError(
        f"--prove {name!r}: name a chain as run:RUN_ID, registry:MODEL, audit or ledger"
    )


def _proofs(
    log: SqlTransparencyLog, signed: SignedCheckpoint, prove: str | None, since: str | None
) -> dict[str, Any]:
    """The proofs asked for, at *signed*: JSON objects by name (none: {})."""
    from trackrecord.transparency.checkpoint import read_checkpoint_file

    size, proofs = signed.checkpoint.size, {}
    if prove is not None:
        kind, chain = _chain(prove)
        index, head = log.logged_head(kind, chain, size)  # type: ignore[arg-type]
        proofs["leaf"] = {**head.fields(), "leaf_hash": head.leaf_hash().hex()}
        proofs["inclusion"] = log.inclusion_proof(index, size).to_json()
    if since is not None:
        earlier = read_checkpoint_file(since).checkpoint
        if earlier.size > size:
            raise CommandError(
                f"{since} holds {earlier.size} leaves, more than the store's log ({size}): "
                f"the store was rolled back or its log cut; check it with trackrecord verify "
                f"--checkpoint {since}"
            )
        proofs["consistency"] = log.consistency_proof(earlier.size, size).to_json()
    return proofs
