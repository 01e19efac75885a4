"""Signing records and checking signatures against the record as it is now.

:func:`record_hash` says what a signature on a target covers:

- ``model:NAME/VERSION``: the hash of the version's ``version.create`` registry event
  (which chains every registry event before it, and names the model's digest);
- ``evaluation:EVAL_ID``: the hash of the run event that recorded the evaluation
  (which names its result's SHA-256);
- ``run:RUN_ID``: the run's chain head;
- ``document:SHA256``: the SHA-256 of the document's bytes.

Each is recomputed from the stored content, so a record altered after it was
signed no longer matches its signatures.

Example:
    >>> record = sign(store, "models:/churn/3")                    # doctest: +SKIP
    >>> [(r.signer, ok) for r, ok, _ in verify_signatures(store, "model:churn/3")]  # doctest: +SKIP
    [('ada', True)]
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from trackrecord.errors import InvalidValueError, NotFoundError, StoreError, TrackRecordError
from trackrecord.record.chains import check_chain
from trackrecord.record.events import Event
from trackrecord.record.signoffs import (
    KeyRecord,
    SignatureRecord,
    check_meaning,
    check_target,
    key_id,
    signature_problem,
    signed_message,
)
from trackrecord.signing.keys import (
    keys_dir,
    load_private_key,
    local_key_ids,
    public_key_b64,
)
from trackrecord.values import local_user

if TYPE_CHECKING:
    from trackrecord.store.base import Store
    from trackrecord.store.sql.signoffs import SqlSignoffs

__all__ = [
    "document_target",
    "normalise_target",
    "record_hash",
    "sign",
    "signoffs_of",
    "verify_signatures",
    "version_record_hash",
]

Verdict = tuple[SignatureRecord, bool, str]


def signoffs_of(store: Store) -> SqlSignoffs:
    """The sign-offs of a SQL store (StoreError for a store without a database)."""
    from trackrecord.store.sql.signoffs import SqlSignoffs

    database = getattr(store, "database", None)
    if database is None:
        raise StoreError(
            "sign-offs are kept in the store's database; open the store directory or database "
            "directly (--dir), not through a server"
        )
    return SqlSignoffs(database)


def document_target(path: str | os.PathLike[str]) -> str:
    """``document:SHA256`` of the file at *path* (such as a generated Annex IV JSON)."""
    from trackrecord.data.digest import hash_file

    return f"document:{hash_file(path)[0]}"


def normalise_target(store: Store, target: str) -> str:
    """A target as stored: ``models:/NAME/3`` and ``models:/NAME@ALIAS`` become ``model:NAME/3``."""
    if isinstance(target, str) and target.startswith(("models:/", "model:")):
        rest = target.removeprefix("models:/").removeprefix("model:")
        name, sep, ref = rest.rpartition("/") if "/" in rest else rest.rpartition("@")
        if not sep or not name or not ref:
            raise InvalidValueError(
                f"model target {target!r} must be models:/NAME/VERSION or models:/NAME@ALIAS"
            )
        version = store.catalog.model_version(name, ref)
        return f"model:{version.model}/{version.version}"
    return check_target(target)


def _altered(where: str, event: Event) -> StoreError:
    return StoreError(
        f"{where}: event {event.seq}'s content does not match its hash (the record was altered)"
    )


def version_record_hash(history: list[Event], version: int) -> str:
    """The record hash of a model version, from its model's registry history.

    Raises:
        NotFoundError: no ``version.create`` event for *version*.
        StoreError: the history up to that event is not intact.
    """
    for index, event in enumerate(history):
        if event.type == "version.create" and event.body.get("version") == version:
            seq, problem = check_chain(history[: index + 1])
            if problem is not None:
                raise StoreError(
                    f"the registry history of {event.run_id} is broken at event {seq}: {problem}"
                )
            return event.hash
    raise NotFoundError(f"the registry history holds no version.create event for version {version}")


def _evaluation_hash(store: Store, evaluation_id: str) -> str:
    found = store.catalog.evaluation(evaluation_id)
    for event in store.read_events(found.run_id, since_seq=found.seq - 1):
        if event.seq != found.seq:
            break
        if event.type != "evaluation" or event.body.get("id") != evaluation_id:
            raise StoreError(f"event {event.seq} of run {found.run_id} is not {evaluation_id}")
        if not event.verify():
            raise _altered(f"the evaluation {evaluation_id} in run {found.run_id}", event)
        return event.hash
    raise NotFoundError(
        f"the event of evaluation {evaluation_id} is missing from run {found.run_id}"
    )


def _run_hash(store: Store, run_id: str) -> str:
    run = store.get_run(run_id)
    seq, problem = check_chain(list(store.read_events(run.id)))
    if problem is not None:
        raise StoreError(f"the chain of run {run.id} is broken at event {seq}: {problem}")
    return run.head_hash


def record_hash(store: Store, target: str) -> str:
    """The hash a signature on *target* covers, recomputed from the stored record now.

    Raises:
        NotFoundError: the record does not exist.
        StoreError: the record was altered (its content does not match its hash).
    """
    kind, _, rest = normalise_target(store, target).partition(":")
    if kind == "model":
        name, _, version = rest.rpartition("/")
        return version_record_hash(store.catalog.registry_history(name), int(version))
    if kind == "evaluation":
        return _evaluation_hash(store, rest)
    if kind == "run":
        return _run_hash(store, rest)
    return rest


def _choose_key(
    signoffs: SqlSignoffs, key: str | None, directory: str | os.PathLike[str] | None
) -> KeyRecord:
    if key is not None:
        return signoffs.key(key)
    local = set(local_key_ids(directory))
    usable = [k for k in signoffs.keys(user=None) if k.id in local and k.revoked_at is None]
    mine = [k for k in usable if k.user == local_user()]
    if len(usable) == 1 or len(mine) == 1:
        return (mine or usable)[0]
    if not usable:
        raise NotFoundError(
            f"none of the private keys in {keys_dir(directory)} is registered and unrevoked in "
            f"this store; make one with: trackrecord keys create"
        )
    raise InvalidValueError(
        f"several keys could sign: {', '.join(k.id for k in usable)}; pick one with --key"
    )


def sign(
    store: Store,
    target: str,
    key_id: str | None = None,
    meaning: str = "approve",
    keys_directory: str | os.PathLike[str] | None = None,
) -> SignatureRecord:
    """Sign *target*'s current record hash with a local private key; store the signature.

    Args:
        store: the store holding the record and the registered public key.
        target: ``models:/NAME/3``, ``model:NAME/3``, ``evaluation:ID``, ``run:ID`` or
            ``document:SHA256`` (see :func:`document_target`).
        key_id: which key signs; default the one usable local key (that of the local
            user when there are several).
        meaning: ``approve``, ``review`` or ``test``.
        keys_directory: where private keys are (default :func:`keys_dir`).

    Raises:
        NotFoundError: no such record, or no usable key.
        StoreError: the record was altered, so it cannot be signed.

    Example:
        >>> sign(store, "models:/churn/3", meaning="approve").signer  # doctest: +SKIP
        'ada'
    """
    check_meaning(meaning)
    target = normalise_target(store, target)
    signoffs = signoffs_of(store)
    key = _choose_key(signoffs, key_id, keys_directory)
    private = load_private_key(key.id, keys_directory)
    if public_key_b64(private) != key.public_key:
        raise InvalidValueError(f"the private key file of {key.id} does not match its public key")
    digest = record_hash(store, target)
    signer = key.user or local_user()
    now = time.time_ns() // 1_000_000
    message = signed_message(target, digest, meaning, signer, now)
    signature = base64.b64encode(private.sign(message)).decode("ascii")
    return signoffs.add_signature(target, digest, key.id, signer, meaning, signature, now)


def verify_signatures(
    store: Store, target: str, public_keys: Iterable[str] | None = None
) -> list[Verdict]:
    """Every signature stored on *target*, each with whether it is valid now and why.

    Args:
        public_keys: base64 public keys to check against instead of the store's
            registered keys (offline verification, e.g. from ``keys export`` files;
            revocations are then unknown).

    Returns:
        ``(record, ok, reason)`` for each signature, oldest first; *reason* is
        ``"valid"`` or what is wrong.
    """
    target = normalise_target(store, target)
    signoffs = signoffs_of(store)
    if public_keys is None:
        keys = {k.id: k for k in signoffs.keys(user=None)}
    else:
        keys = {key_id(pk): KeyRecord(key_id(pk), None, pk, 0) for pk in public_keys}
    try:
        current: str | None = record_hash(store, target)
        unreadable = None
    except TrackRecordError as exc:
        current, unreadable = None, f"the signed record cannot be checked: {exc}"
    verdicts: list[Verdict] = []
    for record in signoffs.signatures(target):
        problem = signature_problem(record, keys.get(record.key_id), current) or unreadable
        verdicts.append((record, problem is None, problem or "valid"))
    return verdicts
