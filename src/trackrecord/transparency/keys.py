"""The Ed25519 key a store signs its checkpoints with, kept outside the database.

Whoever can write a store's database must not be able to forge its checkpoints, so
the private key never goes into it. An embedded store keeps its key in
``<checkpoint keys dir>/<store id>.pem``: the directory is
``TRACKRECORD_CHECKPOINT_KEYS_DIR`` when set, else
``~/.config/trackrecord/checkpoint-keys``. A team server is given a key file at start
(:func:`load_or_create_key`). The file is PKCS#8 PEM, mode 0600, not
passphrase-protected: guard it as you would an SSH key, and keep its public key (or
key id) where auditors find it.

A key's id is the first 16 hex digits of the SHA-256 of its raw 32-byte public key,
as for personal signing keys, so anyone holding the public key can recompute it.

Needs the optional package ``cryptography`` (``pip install 'trackrecord[compliance]'``).

Example:
    >>> import tempfile
    >>> key = store_checkpoint_key("store-1", tempfile.mkdtemp())
    >>> verify_signature(key.public_key, b"hello", key.sign(b"hello"))
    True
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from trackrecord.errors import InvalidValueError, NotFoundError, StoreError, missing
from trackrecord.record.signoffs import key_id, raw_public_key

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = [
    "KEYS_DIR_VARIABLE",
    "CheckpointKey",
    "check_store_id",
    "checkpoint_keys_dir",
    "load_or_create_key",
    "public_key_from_pem",
    "public_key_id",
    "store_checkpoint_key",
    "verify_signature",
]

KEYS_DIR_VARIABLE: Final = "TRACKRECORD_CHECKPOINT_KEYS_DIR"
_STORE_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}")


def _crypto() -> Any:
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:
        raise missing("cryptography", "compliance", "Signing and verifying checkpoints") from None
    return serialization, ed25519


def check_store_id(store_id: object) -> str:
    """A store id (a checkpoint's origin and its key file's name), or InvalidValueError."""
    if not isinstance(store_id, str) or not _STORE_ID.fullmatch(store_id):
        raise InvalidValueError(
            f"a store id is 1 to 128 letters, digits and '_ . -', starting with a letter or "
            f"digit; not {store_id!r}"
        )
    return store_id


def checkpoint_keys_dir(directory: str | os.PathLike[str] | None = None) -> Path:
    """Where embedded stores keep checkpoint keys: *directory*, the variable, or the default."""
    if directory is not None:
        return Path(directory)
    configured = os.environ.get(KEYS_DIR_VARIABLE)
    if configured:
        return Path(configured)
    return Path.home() / ".config" / "trackrecord" / "checkpoint-keys"


def public_key_id(public_key: str) -> str:
    """The id of a base64 raw public key: first 16 hex digits of SHA-256 of its bytes
    (the same ids as sign-off keys, :func:`~trackrecord.record.signoffs.key_id`)."""
    return key_id(public_key)


@dataclass(frozen=True)
class CheckpointKey:
    """A store's checkpoint signing key, loaded from *path*."""

    path: Path
    private_key: Ed25519PrivateKey = field(repr=False)

    @property
    def public_key(self) -> str:
        """The raw 32-byte public key, base64."""
        serialization, _ = _crypto()
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return base64.b64encode(raw).decode("ascii")

    @property
    def id(self) -> str:
        """The key's id (see :func:`public_key_id`)."""
        return public_key_id(self.public_key)

    def public_pem(self) -> str:
        """The public key as a PEM ``PUBLIC KEY`` block, to hand to auditors."""
        serialization, _ = _crypto()
        pem: bytes = self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode("ascii")

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of *message*."""
        return self.private_key.sign(message)


def public_key_from_pem(pem: str | bytes) -> str:
    """The base64 raw public key of a PEM ``PUBLIC KEY`` block (what
    :meth:`CheckpointKey.public_pem` writes), as the checks here take it.

    Raises:
        InvalidValueError: not a PEM Ed25519 public key.
    """
    serialization, ed25519 = _crypto()
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    try:
        loaded = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise InvalidValueError(
            f"not a PEM public key ({exc}); print the store's with `trackrecord checkpoint "
            "--public-key`"
        ) from None
    if not isinstance(loaded, ed25519.Ed25519PublicKey):
        raise InvalidValueError(f"a checkpoint public key is Ed25519, not {type(loaded).__name__}")
    raw = loaded.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def verify_signature(public_key: str, message: bytes, signature: bytes) -> bool:
    """Whether *signature* is the Ed25519 signature of *message* by *public_key* (base64)."""
    _, ed25519 = _crypto()
    from cryptography.exceptions import InvalidSignature

    verifier = ed25519.Ed25519PublicKey.from_public_bytes(raw_public_key(public_key))
    try:
        verifier.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _load(path: Path) -> CheckpointKey:
    serialization, ed25519 = _crypto()
    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise NotFoundError(f"no checkpoint key file at {path}") from None
    except OSError as exc:
        raise StoreError(f"cannot read the checkpoint key {path}: {exc.strerror}") from exc
    except (ValueError, TypeError) as exc:
        raise InvalidValueError(
            f"{path} is not an unencrypted PEM private key ({exc}); give the file a store "
            "made, or move it away to have a new key made"
        ) from exc
    if not isinstance(loaded, ed25519.Ed25519PrivateKey):
        raise InvalidValueError(f"{path} holds a {type(loaded).__name__}, not an Ed25519 key")
    return CheckpointKey(path, loaded)


def _create(path: Path) -> None:
    """Write a new key to *path* unless one is there; never a half-written file at *path*."""
    serialization, ed25519 = _crypto()
    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    draft: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # a draft of our own, 0600 from the start: never readable by others, even briefly
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
        draft = Path(name)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first: use it
            os.link(draft, path)
    except OSError as exc:
        raise StoreError(f"cannot write the checkpoint key {path}: {exc.strerror}") from exc
    finally:
        if draft is not None:
            draft.unlink(missing_ok=True)


def load_or_create_key(path: str | os.PathLike[str], *, create: bool = True) -> CheckpointKey:
    """The checkpoint key in the file *path*, made first when missing and *create* is set.

    A team server calls this with the key file it was given at start.

    Raises:
        NotFoundError: no file and *create* is false.
        InvalidValueError: the file is not an unencrypted Ed25519 private key.
        StoreError: the file or its directory cannot be read or written.
    """
    key_path = Path(path)
    if create and not key_path.exists():
        _create(key_path)
    return _load(key_path)


def store_checkpoint_key(
    store_id: str, directory: str | os.PathLike[str] | None = None
) -> CheckpointKey:
    """The checkpoint key of the embedded store *store_id*, made on first use.

    Kept in :func:`checkpoint_keys_dir` as ``<store_id>.pem``.
    """
    return load_or_create_key(checkpoint_keys_dir(directory) / f"{check_store_id(store_id)}.pem")
