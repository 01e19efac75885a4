"""``trackrecord sign`` and ``trackrecord signatures``: sign records, and check signatures.

A signature covers the record's hash as it is now, who signs, when, and what it
means (``--meaning approve|review|test``). ``signatures`` checks each one
against the record as it is now, with the store's public keys or, offline,
with exported ones (``--keys FILE.pem``). Each signing, or refused attempt, is recorded
in the store's audit log (``signatures.create``).
"""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING

import click

from trackrecord.cli.formats import format_time, to_json
from trackrecord.cli.options import CommandError, dir_option, find_run, json_option, open_api

if TYPE_CHECKING:
    from trackrecord.api import Api

__all__ = ["sign", "signatures"]

_MEANING = click.option(
    "--meaning",
    type=click.Choice(["approve", "review", "test"]),
    default="approve",
    show_default=True,
    help="What the signature says (only 'approve' counts towards a sign-off policy).",
)
_KEY = click.option("--key", "key_id", default=None, help="Sign with this key (default: yours).")
_KEYS_DIR = click.option(
    "--keys-dir", type=click.Path(file_okay=False), default=None,
    help="Where the private keys are (default: TRACKRECORD_KEYS_DIR or "
    "~/.config/trackrecord/keys).",
)  # fmt: skip


def _target(api: Api, text: str) -> str:
    """TARGET as stored: runs by id prefix, bare ``eval_`` ids, files as documents."""
    from trackrecord.signing import document_target, normalise_target

    if text.startswith("run:"):
        return f"run:{find_run(api, text.removeprefix('run:')).id}"
    if text.startswith("eval_"):
        return f"evaluation:{text}"
    if ":" not in text and os.path.isfile(text):
        return document_target(text)
    return normalise_target(api.store, text)


def _sign(target: str, meaning: str, key_id: str | None, keys_dir: str | None,
          directory: str | None) -> None:  # fmt: skip
    from trackrecord.signing import sign as sign_record

    with open_api(directory) as api, api.audit.change("signatures.create", target) as change:
        change.target = _target(api, target)
        record = sign_record(api.store, change.target, key_id, meaning, keys_dir)
        change.target = f"{record.target} (key {record.key_id})"
    click.echo(f"Signed {record.target} ({record.meaning}) as {record.signer} with key "
               f"{record.key_id}: record hash {record.record_hash[:12]}, "
               f"signature {record.id}")  # fmt: skip


@click.group()
def sign() -> None:
    """Sign a model version, an evaluation, a run or a document with your key."""


@sign.command("model")
@click.argument("uri")
@_MEANING
@_KEY
@_KEYS_DIR
@dir_option
def sign_model(uri: str, meaning: str, key_id: str | None, keys_dir: str | None,
               directory: str | None) -> None:  # fmt: skip
    """Sign a model version: models:/NAME/VERSION (or models:/NAME@ALIAS).

    Example: trackrecord sign model models:/churn/3 --meaning approve
    """
    if not uri.startswith(("models:/", "model:")):
        raise CommandError(f"give the version as models:/NAME/VERSION, not {uri!r}")
    _sign(uri, meaning, key_id, keys_dir, directory)


@sign.command("evaluation")
@click.argument("evaluation_id")
@_MEANING
@_KEY
@_KEYS_DIR
@dir_option
def sign_evaluation(evaluation_id: str, meaning: str, key_id: str | None, keys_dir: str | None,
                    directory: str | None) -> None:  # fmt: skip
    """Sign an evaluation (its recorded event, which names its full result's SHA-256).

    Example: trackrecord sign evaluation eval_4be1c0d2a9f3e87a6b10 --meaning review
    """
    _sign(f"evaluation:{evaluation_id.removeprefix('evaluation:')}", meaning, key_id, keys_dir,
          directory)  # fmt: skip


@sign.command("run")
@click.argument("run_id")
@_MEANING
@_KEY
@_KEYS_DIR
@dir_option
def sign_run(run_id: str, meaning: str, key_id: str | None, keys_dir: str | None,
             directory: str | None) -> None:  # fmt: skip
    """Sign a run (its chain head: every event it recorded so far).

    Example: trackrecord sign run 01jc3x --meaning test
    """
    _sign(f"run:{run_id.removeprefix('run:')}", meaning, key_id, keys_dir, directory)


@sign.command("document")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@_MEANING
@_KEY
@_KEYS_DIR
@dir_option
def sign_document(file: str, meaning: str, key_id: str | None, keys_dir: str | None,
                  directory: str | None) -> None:  # fmt: skip
    """Sign a document FILE (e.g. a generated Annex IV JSON): its SHA-256 is what is signed.

    Example: trackrecord sign document annex-iv.json
    """
    from trackrecord.signing import document_target

    _sign(document_target(file), meaning, key_id, keys_dir, directory)


def _public_keys(files: tuple[str, ...]) -> list[str] | None:
    from trackrecord.signing import load_public_pems

    if not files:
        return None
    found: list[str] = []
    for path in files:
        with open(path, "rb") as handle:
            found += load_public_pems(handle.read())
    if not found:
        raise CommandError(f"no PUBLIC KEY blocks in {', '.join(files)}; make them with "
                           f"trackrecord keys export KEY_ID -o FILE.pem")  # fmt: skip
    return found


@click.command()
@click.argument("target")
@click.option("--keys", "key_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Check against these exported public keys (PEM) instead of the store's; "
              "repeatable. Revocations are then not known.")  # fmt: skip
@click.option("--require", type=click.IntRange(0), default=0,
              help="Exit 1 unless this many distinct signers approved validly.")  # fmt: skip
@dir_option
@json_option
def signatures(target: str, key_files: tuple[str, ...], require: int, directory: str | None,
               as_json: bool) -> None:  # fmt: skip
    """The signatures on TARGET, each checked: valid, or INVALID and why.

    TARGET: models:/NAME/VERSION, evaluation:EVAL_ID, run:RUN_ID, document:SHA256, or a
    document FILE. Exits with status 1 if any signature is invalid, or fewer than
    --require distinct signers approved.

    Examples:

      trackrecord signatures models:/churn/3

      trackrecord signatures annex-iv.json --keys ada.pem --keys bob.pem --require 2
    """
    from trackrecord.signing import verify_signatures

    public = _public_keys(key_files)
    with open_api(directory) as api:
        node = _target(api, target)
        verdicts = verify_signatures(api.store, node, public)
    approvers = {r.signer for r, ok, _ in verdicts if ok and r.meaning == "approve"}
    if as_json:
        click.echo(to_json([{**dataclasses.asdict(r), "valid": ok, "reason": reason}
                            for r, ok, reason in verdicts]))  # fmt: skip
    elif not verdicts:
        click.echo(f"No signatures on {node}")
    for record, ok, reason in [] if as_json else verdicts:
        line = (f"{'valid' if ok else 'INVALID':<8} {record.meaning:<8} {record.signer:<16} "
                f"key {record.key_id}  {format_time(record.time, seconds=True)}")  # fmt: skip
        click.secho(line if ok else f"{line}  {reason}", fg="green" if ok else "red")
    invalid = sum(not ok for _, ok, _ in verdicts)
    if invalid or len(approvers) < require:
        click.secho(f"{invalid} invalid, {len(approvers)} of {require} required approvals",
                    fg="red", err=True)  # fmt: skip
        raise SystemExit(1)
