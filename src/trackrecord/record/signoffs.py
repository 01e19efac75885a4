"""What a sign-off is: a key, a signature over a record's hash, and when one is valid.

A signature covers the canonical JSON of ``{"v": 1, "target", "record_hash",
"meaning", "signer", "time"}``, so who signed, when, and what the signature
means are covered as well as the record. This module needs no store: with the
public keys (from the store, or exported PEM files) anyone can check a
signature offline.

A key's id is the first 16 hex digits of the SHA-256 of its raw 32-byte public key.
Checking a signature needs the optional package ``cryptography``.

Targets name what is signed: ``model:NAME/VERSION``, ``evaluation:EVAL_ID``,
``run:RUN_ID`` or ``document:SHA256``.

Example:
    >>> signed_message("run:01j", "0" * 64, "approve", "ada", 1)[:28]
    b'{"meaning":"approve","record'
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Any, Final

from trackrecord.errors import InvalidValueError, missing
from trackrecord.record.events import canonical_json

__all__ = [
    "MEANINGS",
    "TARGET_KINDS",
    "KeyRecord",
    "SignatureRecord",
    "check_target",
    "crypto",
    "key_id",
    "raw_public_key",
    "signature_problem",
    "signed_message",
    "verify_signature",
]

MEANINGS: Final = ("approve", "review", "test")
"""What a signature says: ``approve`` (only these count towards a sign-off policy)."""
TARGET_KINDS: Final = ("model", "evaluation", "run", "document")
MESSAGE_VERSION: Final = 1
_HEX64: Final = re.compile(r"[0-9a-f]{64}")


def crypto() -> Any:
    """The ``cryptography`` modules this package uses, or MissingDependencyError."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:
        raise missing("cryptography", "compliance", "Signing and verifying sign-offs") from None
    return serialization, ed25519


def raw_public_key(public_key_b64: str) -> bytes:
    """The raw 32-byte Ed25519 public key whose base64 is *public_key_b64*."""
    try:
        raw = base64.b64decode(public_key_b64, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raw = b""
    if len(raw) != 32:
        raise InvalidValueError(
            "a public key must be the base64 of a raw 32-byte Ed25519 public key "
            "(what `trackrecord keys ls --json` shows)"
        )
    return raw


def key_id(public_key_b64: str) -> str:
    """A key's id: the first 16 hex digits of the SHA-256 of the raw public key."""
    return hashlib.sha256(raw_public_key(public_key_b64)).hexdigest()[:16]


@dataclass(frozen=True)
class KeyRecord:
    """A registered public key. ``user`` is None for a key read from an exported PEM file."""

    id: str
    user: str | None
    public_key: str
    created_at: int
    revoked_at: int | None = None

    def revoked_by(self, time: int) -> bool:
        """Whether the key had been revoked at *time* (ms)."""
        return self.revoked_at is not None and self.revoked_at <= time


@dataclass(frozen=True)
class SignatureRecord:
    """A stored signature: who (``signer`` with ``key_id``) signed what, when, meaning what."""

    id: str
    target: str
    record_hash: str
    key_id: str
    signer: str
    meaning: str
    signature: str
    time: int

    @property
    def message(self) -> bytes:
        """The bytes the signature covers."""
        return signed_message(self.target, self.record_hash, self.meaning, self.signer, self.time)


def check_target(target: object) -> str:
    """A sign-off target: ``model:NAME/VERSION``, ``evaluation:ID``, ``run:ID``, ``document:SHA``.

    Example:
        >>> check_target("evaluation:eval_0123456789abcdef")
        'evaluation:eval_0123456789abcdef'
    """
    text = target if isinstance(target, str) else ""
    kind, sep, rest = text.partition(":")
    if (
        not sep
        or kind not in TARGET_KINDS
        or not rest
        or (kind == "document" and not _HEX64.fullmatch(rest))
        or (kind == "model" and not rest.rpartition("/")[2].isdigit())
    ):
        raise InvalidValueError(
            f"sign-off target {target!r} must be one of model:NAME/VERSION (or "
            f"models:/NAME/VERSION), evaluation:EVAL_ID, run:RUN_ID or document:SHA256"
        )
    return text


def check_meaning(meaning: object) -> str:
    """One of :data:`MEANINGS`."""
    if meaning not in MEANINGS:
        raise InvalidValueError(f"meaning {meaning!r} must be one of {', '.join(MEANINGS)}")
    return str(meaning)


def signed_message(target: str, record_hash: str, meaning: str, signer: str, time: int) -> bytes:
    """The canonical bytes a signature covers."""
    return canonical_json(
        {
            "v": MESSAGE_VERSION,
            "target": target,
            "record_hash": record_hash,
            "meaning": meaning,
            "signer": signer,
            "time": time,
        }
    )


def verify_signature(public_key_b64: str, message: bytes, signature_b64: str) -> bool:
    """Whether *signature_b64* is the Ed25519 signature of *message* by the key; needs no store.

    A malformed key or signature is simply not valid (False), never an exception.
    """
    _, ed25519 = crypto()
    from cryptography.exceptions import InvalidSignature

    try:
        public = ed25519.Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64))
        public.verify(base64.b64decode(signature_b64, validate=True), message)
    except (InvalidSignature, ValueError, TypeError, binascii.Error):
        return False
    return True


def signature_problem(
    record: SignatureRecord, key: KeyRecord | None, current_hash: str | None
) -> str | None:
    """Why *record* is not a valid signature of the record whose hash is now *current_hash*.

    None when it is valid: the key is known and matches its id, was not revoked
    when it signed, belongs to the signer (unless the key's user is unknown),
    the signature verifies, and the record has not changed since.
    """
    if key is None:
        return f"key {record.key_id} is not known (not registered, nor given with --keys)"
    if key_id(key.public_key) != record.key_id:
        return f"key {record.key_id} does not match its public key"
    if key.user is not None and key.user != record.signer:
        return f"signed as {record.signer!r} with a key of {key.user!r}"
    if key.revoked_by(record.time):
        return f"key {record.key_id} had been revoked when this was signed"
    if not verify_signature(key.public_key, record.message, record.signature):
        return "the signature does not verify (the signature or its signed fields were altered)"
    if current_hash is not None and current_hash != record.record_hash:
        return (
            f"the record changed after it was signed (signed hash {record.record_hash[:12]}, "
            f"now {current_hash[:12]})"
        )
    return None
