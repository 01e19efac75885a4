"""`trackrecord keys`: private keys stay in local 0600 files; the store holds public keys."""

from __future__ import annotations

import base64
import hashlib
import json
import stat

from tests.signing.conftest import Recorded, create_key, invoke
from trackrecord.cli.keys import keys
from trackrecord.signing import key_id, load_public_pem, local_key_ids, signoffs_of


def test_create_writes_a_private_0600_file_and_registers_the_public_key(
    recorded: Recorded,
) -> None:
    made = create_key("ada")
    path = recorded.keys_dir / f"{made}.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in path.read_bytes() and b"ENCRYPTED" not in path.read_bytes()
    assert local_key_ids() == [made]
    with recorded.api() as api:
        (record,) = signoffs_of(api.store).keys()
    raw = base64.b64decode(record.public_key)
    assert record.user == "ada" and len(raw) == 32
    assert made == record.id == hashlib.sha256(raw).hexdigest()[:16]
    assert "PRIVATE" not in record.public_key


def test_ls_revoke_and_export(recorded: Recorded) -> None:
    ada, bob = create_key("ada"), create_key("bob")
    listed = json.loads(invoke(keys, ["ls", "--json"]).output)
    assert {(k["id"], k["user"], k["revoked_at"]) for k in listed} == {
        (ada, "ada", None), (bob, "bob", None)
    }  # fmt: skip
    assert invoke(keys, ["revoke", ada]).output == f"Key {ada} of ada is revoked\n"
    revoked = {k["id"]: k["revoked_at"] for k in json.loads(invoke(keys, ["ls", "--json"]).output)}
    assert revoked[ada] is not None and revoked[bob] is None
    assert ada in invoke(keys, ["ls"]).output
    assert json.loads(invoke(keys, ["ls", "--json", "--user", "bob"]).output)[0]["id"] == bob
    exported = invoke(keys, ["export", bob]).output
    assert exported.startswith("-----BEGIN PUBLIC KEY-----")
    assert key_id(load_public_pem(exported)) == bob


def test_unknown_keys_are_usage_errors(recorded: Recorded) -> None:
    result = invoke(keys, ["revoke", "0123456789abcdef"])
    assert result.exit_code == 2 and "no registered key" in result.output
