"""Personal Ed25519 keys: private keys in local files, public keys as base64 or PEM.

A private key lives in ``<keys dir>/<key_id>.pem`` (PKCS#8 PEM, file mode
0600, *not* passphrase-protected: guard the file as you would an SSH key).
The keys directory is ``TRACKRECORD_KEYS_DIR`` when set, else
``~/.config/trackrecord/keys``. A key's id is the first 16 hex digits of the
SHA-256 of its raw 32-byte public key, so anyone holding the public key can
recompute it. Only public keys are ever stored or exported.

Needs the optional package ``cryptography`` (``pip install 'trackrecord[compliance]'``).

Example:
    >>> import tempfile
    >>> key = generate_key(tempfile.mkdtemp())
    >>> key_id(load_public_pem(export_public_pem(key.public_key))) == key.id
    True
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from trackrecord.errors import InvalidValueError, NotFoundError, StoreError
from trackrecord.record.signoffs import crypto, key_id, raw_public_key

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = [
    "LocalKey",
    "export_public_pem",
    "generate_key",
    "keys_dir",
    "load_private_key",
    "load_public_pem",
    "load_public_pems",
    "local_key_ids",
    "public_key_b64",
]

KEY_ID: Final = re.compile(r"[0-9a-f]{16}")
_PEM_BLOCK: Final = re.compile(rb"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)


@dataclass(frozen=True)
class LocalKey:
    """A private key file written by :func:`generate_key`: its id, path and public key."""

    id: str
    path: Path
    public_key: str
    """The raw 32-byte public key, base64."""


def keys_dir(directory: str | os.PathLike[str] | None = None) -> Path:
    """Where private keys live: *directory*, ``TRACKRECORD_KEYS_DIR``, or the default.

    The default is ``~/.config/trackrecord/keys``.
    """
    if directory is not None:
        return Path(directory)
    configured = os.environ.get("TRACKRECORD_KEYS_DIR")
    if configured:
        return Path(configured)
    return Path.home() / ".config" / "trackrecord" / "keys"


def public_key_b64(private_key: Ed25519PrivateKey) -> str:
    """The base64 of the raw 32-byte public key of *private_key*."""
    serialization, _ = crypto()
    raw = private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return base64.b64encode(raw).decode("ascii")


def generate_key(directory: str | os.PathLike[str] | None = None) -> LocalKey:
    """Make a new Ed25519 key pair; write the private key (mode 0600) under :func:`keys_dir`.

    Raises:
        StoreError: the keys directory cannot be written.
    """
    serialization, ed25519 = crypto()
    private = ed25519.Ed25519PrivateKey.generate()
    public = public_key_b64(private)
    folder = keys_dir(directory)
    path = folder / f"{key_id(public)}.pem"
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        # created 0600 from the start: the key is never readable by others, even briefly
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
    except OSError as exc:
        raise StoreError(f"cannot write the private key under {folder}: {exc}") from exc
    return LocalKey(key_id(public), path, public)


def local_key_ids(directory: str | os.PathLike[str] | None = None) -> list[str]:
    """The ids of the private keys in the keys directory, sorted."""
    folder = keys_dir(directory)
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.pem") if KEY_ID.fullmatch(p.stem))


def load_private_key(
    key: str, directory: str | os.PathLike[str] | None = None
) -> Ed25519PrivateKey:
    """The private key *key* (an id) from the keys directory.

    Raises:
        NotFoundError: no such key file.
        InvalidValueError: the file is not an unencrypted Ed25519 private key.
    """
    serialization, ed25519 = crypto()
    path = keys_dir(directory) / f"{key}.pem"
    if not KEY_ID.fullmatch(key) or not path.is_file():
        raise NotFoundError(
            f"no private key {key!r} in {path.parent}; your keys: "
            f"{', '.join(local_key_ids(directory)) or 'none'} (make one: trackrecord keys create)"
        )
    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise InvalidValueError(f"{path} is not a readable private key: {exc}") from exc
    if not isinstance(loaded, ed25519.Ed25519PrivateKey):
        raise InvalidValueError(f"{path} holds a {type(loaded).__name__}, not an Ed25519 key")
    private: Ed25519PrivateKey = loaded
    return private


def export_public_pem(public_key: str) -> str:
    """A base64 raw public key as a PEM ``PUBLIC KEY`` block (for offline verification)."""
    serialization, ed25519 = crypto()
    public = ed25519.Ed25519PublicKey.from_public_bytes(raw_public_key(public_key))
    pem: bytes = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


def load_public_pem(data: str | bytes) -> str:
    """The first ``PUBLIC KEY`` PEM block of *data*, as a base64 raw public key."""
    found = load_public_pems(data)
    if not found:
        raise InvalidValueError("no '-----BEGIN PUBLIC KEY-----' block found")
    return found[0]


def load_public_pems(data: str | bytes) -> list[str]:
    """Every Ed25519 ``PUBLIC KEY`` PEM block of *data*, as base64 raw public keys."""
    serialization, ed25519 = crypto()
    raw = data.encode("ascii", "replace") if isinstance(data, str) else data
    keys = []
    for block in _PEM_BLOCK.findall(raw):
        try:
            public = serialization.load_pem_public_key(block)
        except ValueError as exc:
            raise InvalidValueError(f"a PUBLIC KEY block cannot be read: {exc}") from exc
        if not isinstance(public, ed25519.Ed25519PublicKey):
            raise InvalidValueError(
                f"a PUBLIC KEY block holds a {type(public).__name__}, not Ed25519"
            )
        keys.append(base64.b64encode(public.public_bytes_raw()).decode("ascii"))
    return keys
