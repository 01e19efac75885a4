"""Signed checkpoints: the file round-trips, a tampered or forged checkpoint fails with
InvalidValueError, and no input, however mangled, crashes the parser."""

from __future__ import annotations

import base64
import contextlib
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.transparency.strategies import json_values
from trackrecord.errors import InvalidValueError, NotFoundError, StoreError
from trackrecord.record.events import canonical_json
from trackrecord.transparency.checkpoint import (
    Checkpoint,
    SignedCheckpoint,
    parse_checkpoint,
    read_checkpoint_file,
    sign_checkpoint,
    verify_checkpoint,
    write_checkpoint_file,
)
from trackrecord.transparency.keys import CheckpointKey, load_or_create_key, verify_signature

ROOT = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
Keys = tuple[CheckpointKey, CheckpointKey]
CHECKPOINT = Checkpoint("store-1", 8, ROOT, 1_800_000_000_000)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    folder = tmp_path_factory.mktemp("checkpoint-keys")
    return load_or_create_key(folder / "store.pem"), load_or_create_key(folder / "mallory.pem")


def signed_fields(key: CheckpointKey) -> dict[str, Any]:
    fields: dict[str, Any] = json.loads(sign_checkpoint(CHECKPOINT, key).to_text())
    return fields


def test_the_signature_covers_the_canonical_json_of_the_checkpoint(keys: Keys) -> None:
    key, _ = keys
    signed = sign_checkpoint(CHECKPOINT, key)
    message = (
        b'{"origin":"store-1","root":"' + ROOT.encode() + b'","size":8,'
        b'"time":1800000000000,"type":"trackrecord/checkpoint","v":1}'
    )
    assert CHECKPOINT.message() == message
    assert verify_signature(key.public_key, message, base64.b64decode(signed.signature))
    assert signed.key_id == key.id
    fields = json.loads(signed.to_text())
    assert set(fields) == {"type", "v", "origin", "size", "root", "time", "key_id", "signature"}
    assert signed.to_text().endswith("}\n")


def test_a_checkpoint_file_round_trips_and_verifies(keys: Keys, tmp_path: Path) -> None:
    key, _ = keys
    signed = sign_checkpoint(CHECKPOINT, key)
    assert parse_checkpoint(signed.to_text()) == signed
    path = tmp_path / "checkpoints" / "store-1.json"
    path.parent.mkdir()
    write_checkpoint_file(path, signed)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert read_checkpoint_file(path) == signed
    assert verify_checkpoint(read_checkpoint_file(path), key.public_key) == CHECKPOINT
    assert [p.name for p in path.parent.iterdir()] == ["store-1.json"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("size", 9), ("size", 7), ("root", "0" * 64), ("time", 1_800_000_000_001),
     ("origin", "store-2")],
)  # fmt: skip
def test_a_tampered_checkpoint_fails(keys: Keys, field: str, value: object) -> None:
    key, _ = keys
    fields = signed_fields(key)
    fields[field] = value
    with pytest.raises(InvalidValueError, match="altered or forged"):
        verify_checkpoint(parse_checkpoint(json.dumps(fields)), key.public_key)


def test_a_checkpoint_signed_by_another_key_fails(keys: Keys) -> None:
    key, mallory = keys
    forged = sign_checkpoint(CHECKPOINT, mallory)
    with pytest.raises(InvalidValueError, match=f"signed by key {mallory.id}, not by"):
        verify_checkpoint(forged, key.public_key)
    relabelled = SignedCheckpoint(CHECKPOINT, key.id, forged.signature)
    with pytest.raises(InvalidValueError, match="altered or forged"):
        verify_checkpoint(relabelled, key.public_key)


@pytest.mark.parametrize(
    "signature", ["", "A" * 88, "!" * 88, base64.b64encode(bytes(66)).decode()[:88]]
)
def test_a_bad_signature_fails(keys: Keys, signature: str) -> None:
    key, _ = keys
    with pytest.raises(InvalidValueError, match="altered or forged"):
        verify_checkpoint(SignedCheckpoint(CHECKPOINT, key.id, signature), key.public_key)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "trackrecord/other"}, "not a checkpoint file"),
        ({"v": 2}, "format version 2"),
        ({"v": True}, "format version True"),
        ({"extra": 1}, "exactly the fields"),
        ({"size": -1}, "size is an integer"),
        ({"size": 1.5}, "size is an integer"),
        ({"size": True}, "size is an integer"),
        ({"size": 2**63}, "size is an integer"),
        ({"time": "now"}, "time is an integer"),
        ({"root": ROOT.upper()}, "64 lowercase"),
        ({"root": None}, "64 lowercase"),
        ({"origin": "../etc"}, "a store id"),
        ({"key_id": "XYZ"}, "key_id must be 16"),
        ({"signature": 5}, "64 bytes in base64"),
    ],
)
def test_a_malformed_checkpoint_file_is_refused(
    keys: Keys, change: dict[str, Any], message: str
) -> None:
    fields = signed_fields(keys[0]) | change
    with pytest.raises(InvalidValueError, match=message):
        parse_checkpoint(json.dumps(fields))


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"\xff\xfe", "is JSON"), (b"", "is JSON"), (b"[1]", "not a checkpoint file"),
     (b"{}", "not a checkpoint file"), (b" " * 20_000, "at most")],
)  # fmt: skip
def test_what_is_not_a_checkpoint_file_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(InvalidValueError, match=message):
        parse_checkpoint(data)


def test_reading_a_missing_or_bad_file(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no checkpoint file"):
        read_checkpoint_file(tmp_path / "absent.json")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(InvalidValueError, match=r"bad\.json: not a checkpoint file"):
        read_checkpoint_file(tmp_path / "bad.json")
    with pytest.raises(InvalidValueError, match="cannot read"):
        read_checkpoint_file(tmp_path)


def test_an_unwritable_checkpoint_file_is_a_store_error(keys: Keys, tmp_path: Path) -> None:
    signed = sign_checkpoint(CHECKPOINT, keys[0])
    with pytest.raises(StoreError, match="cannot write the checkpoint file"):
        write_checkpoint_file(tmp_path / "missing-dir" / "c.json", signed)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mangled_checkpoints_raise_only_invalid_value_errors(keys: Keys, data: Any) -> None:
    key, _ = keys
    fields = signed_fields(key)
    for name in data.draw(st.lists(st.sampled_from(sorted(fields)), max_size=3), label="fields"):
        if data.draw(st.booleans(), label="drop"):
            fields.pop(name, None)
        else:
            fields[name] = data.draw(json_values, label=name)
    text = json.dumps(fields)
    try:
        verify_checkpoint(parse_checkpoint(text), key.public_key)
    except InvalidValueError:
        return
    assert canonical_json(fields) == canonical_json(signed_fields(key))  # only the intact one


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400) | json_values.map(lambda v: json.dumps(v).encode()))
def test_arbitrary_bytes_never_crash_the_parser(data: bytes) -> None:
    with contextlib.suppress(InvalidValueError):
        parse_checkpoint(data)
