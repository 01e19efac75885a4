"""Checkpoint keys live in files outside the store: made once (mode 0600), reused, never
overwritten, and a bad file or store id is a clear error."""

from __future__ import annotations

import base64
import hashlib
import stat
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed448

from trackrecord.errors import InvalidValueError, NotFoundError, StoreError
from trackrecord.transparency.keys import (
    KEYS_DIR_VARIABLE,
    check_store_id,
    checkpoint_keys_dir,
    load_or_create_key,
    public_key_id,
    store_checkpoint_key,
    verify_signature,
)


def test_a_store_key_is_made_once_under_the_keys_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEYS_DIR_VARIABLE, str(tmp_path / "ck"))
    assert checkpoint_keys_dir() == tmp_path / "ck"
    key = store_checkpoint_key("store-01J")
    assert key.path == tmp_path / "ck" / "store-01J.pem"
    assert stat.S_IMODE(key.path.stat().st_mode) == 0o600
    again = store_checkpoint_key("store-01J")
    assert again.public_key == key.public_key and again.id == key.id
    assert store_checkpoint_key("another").public_key != key.public_key
    assert [p.name for p in sorted((tmp_path / "ck").iterdir())] == ["another.pem", "store-01J.pem"]


def test_the_default_keys_dir_is_under_the_users_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEYS_DIR_VARIABLE, raising=False)
    assert checkpoint_keys_dir() == Path.home() / ".config" / "trackrecord" / "checkpoint-keys"


def test_a_key_id_is_the_sha256_of_the_raw_public_key(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path / "server.pem")
    raw = base64.b64decode(key.public_key)
    assert len(raw) == 32 and key.id == hashlib.sha256(raw).hexdigest()[:16]
    assert public_key_id(key.public_key) == key.id
    assert "PUBLIC KEY" in key.public_pem() and "PRIVATE" not in repr(key)
    with pytest.raises(InvalidValueError, match="raw 32-byte"):
        public_key_id("not base64!")


def test_signatures_verify_only_with_the_right_key_and_message(tmp_path: Path) -> None:
    key, other = (load_or_create_key(tmp_path / f"{n}.pem") for n in ("a", "b"))
    signature = key.sign(b"message")
    assert verify_signature(key.public_key, b"message", signature)
    assert not verify_signature(key.public_key, b"messagE", signature)
    assert not verify_signature(other.public_key, b"message", signature)
    assert not verify_signature(key.public_key, b"message", signature[:-1] + b"\x00")


def test_an_existing_key_file_is_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "server.pem"
    first = load_or_create_key(path)
    content = path.read_bytes()
    assert load_or_create_key(path).public_key == first.public_key
    assert path.read_bytes() == content
    assert [p.name for p in tmp_path.iterdir()] == ["server.pem"]  # no drafts left


def test_racing_creators_end_with_one_key(tmp_path: Path) -> None:
    keys: list[str] = []
    threads = [
        threading.Thread(target=lambda: keys.append(store_checkpoint_key("s", tmp_path).public_key))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8 and len(set(keys)) == 1


def test_a_missing_file_without_create_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no checkpoint key file"):
        load_or_create_key(tmp_path / "absent.pem", create=False)
    assert not (tmp_path / "absent.pem").exists()


def test_a_file_that_is_not_an_ed25519_key_is_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")
    with pytest.raises(InvalidValueError, match="not an unencrypted PEM private key"):
        load_or_create_key(garbage)
    assert "nope" in garbage.read_text()  # left as it was
    other = tmp_path / "ed448.pem"
    other.write_bytes(
        ed448.Ed448PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(InvalidValueError, match="Ed448PrivateKey, not an Ed25519 key"):
        load_or_create_key(other)


def test_an_unwritable_keys_dir_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="cannot write the checkpoint key"):
        store_checkpoint_key("s", blocker)


@pytest.mark.parametrize("store_id", ["", "../escape", "a/b", ".hidden", "x" * 129, 7, None])
def test_a_store_id_that_is_no_file_name_is_refused(store_id: object, tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError, match="a store id is 1 to 128"):
        check_store_id(store_id)
    with pytest.raises(InvalidValueError):
        store_checkpoint_key(store_id, tmp_path)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
