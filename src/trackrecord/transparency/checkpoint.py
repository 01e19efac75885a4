"""Signed checkpoints: a store's word on its log's size and root hash at a time.

A checkpoint names the store (``origin``, the store id), the log's ``size`` (leaves),
its ``root`` hash (64 hex digits) and the ``time`` it was made (Unix milliseconds).
The store signs, with its Ed25519 checkpoint key (:mod:`.keys`), the canonical JSON
(:func:`trackrecord.record.events.canonical_json`) of::

    {"origin":…,"root":…,"size":…,"time":…,"type":"trackrecord/checkpoint","v":1}

A checkpoint file is that object plus ``key_id`` (the signing key's id) and
``signature`` (base64 of the 64-byte signature), as indented JSON. An auditor keeps
checkpoint files outside the store (in git, on a second server); later, a consistency
proof from the checkpoint to the current log shows that nothing logged up to it was
removed, rewritten or rolled back. Only the public key the auditor trusts decides:
the ``key_id`` in a file is a hint, never a reason to trust it.

Example:
    >>> import tempfile
    >>> from trackrecord.transparency.keys import store_checkpoint_key
    >>> key = store_checkpoint_key("s1", tempfile.mkdtemp())
    >>> signed = sign_checkpoint(Checkpoint("s1", 0, "0" * 64, 1700000000000), key)
    >>> verify_checkpoint(parse_checkpoint(signed.to_text()), key.public_key).size
    0
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from trackrecord.errors import InvalidValueError, NotFoundError, StoreError
from trackrecord.record.events import canonical_json
from trackrecord.transparency.keys import (
    CheckpointKey,
    check_store_id,
    public_key_id,
    verify_signature,
)

__all__ = [
    "CHECKPOINT_TYPE",
    "CHECKPOINT_VERSION",
    "Checkpoint",
    "SignedCheckpoint",
    "parse_checkpoint",
    "read_checkpoint_file",
    "sign_checkpoint",
    "verify_checkpoint",
    "write_checkpoint_file",
]

CHECKPOINT_TYPE: Final = "trackrecord/checkpoint"
CHECKPOINT_VERSION: Final = 1
MAX_CHECKPOINT_BYTES: Final = 16 * 1024
_MAX_INT: Final = 2**63 - 1
_HEX64: Final = re.compile(r"[0-9a-f]{64}")
_KEY_ID: Final = re.compile(r"[0-9a-f]{16}")
_SIGNED_FIELDS: Final = frozenset({"type", "v", "origin", "size", "root", "time"})
_FILE_FIELDS: Final = _SIGNED_FIELDS | {"key_id", "signature"}


def _check_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_INT:
        raise InvalidValueError(
            f"a checkpoint's {what} is an integer from 0 to 2**63 - 1, not {value!r}"
        )
    return value


@dataclass(frozen=True)
class Checkpoint:
    """The log of store *origin* had *size* leaves with root hash *root* at *time* (ms).

    Raises:
        InvalidValueError: a field out of range (checked on construction).
    """

    origin: str
    size: int
    root: str
    time: int

    def __post_init__(self) -> None:
        check_store_id(self.origin)
        _check_int(self.size, "size")
        _check_int(self.time, "time")
        if not isinstance(self.root, str) or not _HEX64.fullmatch(self.root):
            raise InvalidValueError(
                "a checkpoint's root is a SHA-256 hash: 64 lowercase hexadecimal digits"
            )

    @property
    def root_hash(self) -> bytes:
        """The root hash as 32 bytes (what the proof functions take)."""
        return bytes.fromhex(self.root)

    def fields(self) -> dict[str, Any]:
        """The signed fields, as a JSON object."""
        return {"type": CHECKPOINT_TYPE, "v": CHECKPOINT_VERSION, "origin": self.origin,
                "size": self.size, "root": self.root, "time": self.time}  # fmt: skip

    def message(self) -> bytes:
        """The bytes the signature covers: the canonical JSON of :meth:`fields`."""
        return canonical_json(self.fields())


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint with the id of the key that signed it and the signature (base64)."""

    checkpoint: Checkpoint
    key_id: str
    signature: str

    def to_text(self) -> str:
        """The checkpoint file: indented JSON with sorted keys and a final newline."""
        fields = self.checkpoint.fields() | {"key_id": self.key_id, "signature": self.signature}
        return json.dumps(fields, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def sign_checkpoint(checkpoint: Checkpoint, key: CheckpointKey) -> SignedCheckpoint:
    """Sign *checkpoint* with the store's checkpoint *key*."""
    signature = base64.b64encode(key.sign(checkpoint.message())).decode("ascii")
    return SignedCheckpoint(checkpoint, key.id, signature)


def verify_checkpoint(signed: SignedCheckpoint, public_key: str) -> Checkpoint:
    """The checkpoint, once its signature verifies with *public_key* (base64 raw Ed25519).

    Raises:
        InvalidValueError: the checkpoint was not signed by that key, or was changed
            after signing (a forged or tampered checkpoint).
    """
    trusted = public_key_id(public_key)
    if signed.key_id != trusted:
        raise InvalidValueError(
            f"the checkpoint was signed by key {signed.key_id}, not by the key you trust "
            f"({trusted}); get the store's checkpoint public key from its owner"
        )
    try:
        signature = base64.b64decode(signed.signature, validate=True)
    except (binascii.Error, ValueError):
        signature = b""
    if len(signature) != 64 or not verify_signature(
        public_key, signed.checkpoint.message(), signature
    ):
        raise InvalidValueError(
            f"the signature of the checkpoint of {signed.checkpoint.origin} at size "
            f"{signed.checkpoint.size} does not verify with key {trusted}: the checkpoint "
            "was altered or forged"
        )
    return signed.checkpoint


def _field(obj: dict[str, Any], name: str, pattern: re.Pattern[str], what: str) -> str:
    value = obj[name]
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidValueError(f"a checkpoint file's {name} must be {what}")
    return value


def parse_checkpoint(data: str | bytes) -> SignedCheckpoint:
    """Read a checkpoint file's text (as written by :meth:`SignedCheckpoint.to_text`).

    Only the form is checked here; check the signature with :func:`verify_checkpoint`.

    Raises:
        InvalidValueError: not a checkpoint file of this version, or a malformed field.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_CHECKPOINT_BYTES:
        raise InvalidValueError(
            f"a checkpoint file is at most {MAX_CHECKPOINT_BYTES} bytes; is this one?"
        )
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidValueError(f"a checkpoint file is JSON; this one is not ({exc})") from None
    if not isinstance(obj, dict) or obj.get("type") != CHECKPOINT_TYPE:
        raise InvalidValueError(
            f'not a checkpoint file: it has no "type": "{CHECKPOINT_TYPE}" (make one with '
            "`trackrecord checkpoint`)"
        )
    if set(obj) != _FILE_FIELDS:
        raise InvalidValueError(
            f"a checkpoint file has exactly the fields {', '.join(sorted(_FILE_FIELDS))}; "
            f"this one has {', '.join(sorted(obj))}"
        )
    if obj["v"] != CHECKPOINT_VERSION or isinstance(obj["v"], bool):
        raise InvalidValueError(
            f"a checkpoint of format version {obj['v']!r}; this TrackRecord reads version "
            f"{CHECKPOINT_VERSION} (upgrade TrackRecord to read newer checkpoints)"
        )
    key_id = _field(obj, "key_id", _KEY_ID, "16 lowercase hexadecimal digits")
    signature = obj["signature"]
    if not isinstance(signature, str) or len(signature) != 88:
        raise InvalidValueError("a checkpoint file's signature is 64 bytes in base64")
    checkpoint = Checkpoint(obj["origin"], obj["size"], obj["root"], obj["time"])
    return SignedCheckpoint(checkpoint, key_id, signature)


def read_checkpoint_file(path: str | os.PathLike[str]) -> SignedCheckpoint:
    """The checkpoint file at *path* (form checked, signature not: see :func:`verify_checkpoint`).

    Raises:
        NotFoundError: no such file.
        InvalidValueError: not a checkpoint file.
    """
    file = Path(path)
    try:
        with file.open("rb") as stream:
            data = stream.read(MAX_CHECKPOINT_BYTES + 1)
    except FileNotFoundError:
        raise NotFoundError(f"no checkpoint file at {file}") from None
    except OSError as exc:
        raise InvalidValueError(f"cannot read the checkpoint file {file}: {exc.strerror}") from exc
    try:
        return parse_checkpoint(data)
    except InvalidValueError as exc:
        raise InvalidValueError(f"{file}: {exc}") from None


def write_checkpoint_file(path: str | os.PathLike[str], signed: SignedCheckpoint) -> None:
    """Write *signed* to *path* (replacing the file whole, never half-written).

    Raises:
        StoreError: the file cannot be written.
    """
    file = Path(path)
    draft: Path | None = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".new", dir=file.parent)
        draft = Path(name)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(signed.to_text())
        os.chmod(draft, 0o644)  # a checkpoint is public: as readable as any file made here
        os.replace(draft, file)
    except OSError as exc:
        if draft is not None:
            draft.unlink(missing_ok=True)
        raise StoreError(f"cannot write the checkpoint file {file}: {exc.strerror}") from exc
