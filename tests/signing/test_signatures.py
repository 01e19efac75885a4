"""Signatures cover the record's hash: any change to the signature, the record, or the key's
standing makes them invalid, and anyone with the public keys can check them offline."""

from __future__ import annotations

import base64
import json
import sqlite3
import time
from pathlib import Path

import pytest

from tests.signing.conftest import Recorded, create_key, invoke
from trackrecord.cli.keys import keys
from trackrecord.cli.sign import sign, signatures
from trackrecord.errors import InvalidValueError, StoreError
from trackrecord.signing import (
    document_target,
    record_hash,
    signed_message,
    signoffs_of,
    verify_signature,
    verify_signatures,
)
from trackrecord.signing import (
    sign as sign_record,
)


def db(store: Path) -> sqlite3.Connection:
    return sqlite3.connect(store / "trackrecord.db", isolation_level=None)


def reasons(recorded: Recorded, target: str) -> list[tuple[bool, str]]:
    with recorded.api() as api:
        return [(ok, reason) for _, ok, reason in verify_signatures(api.store, target)]


def test_a_model_version_signed_on_the_command_line_verifies(recorded: Recorded) -> None:
    ada = create_key("ada")
    signed = invoke(sign, ["model", "models:/credit/1", "--meaning", "approve"])
    assert signed.exit_code == 0 and f"as ada with key {ada}" in signed.output
    listed = invoke(signatures, ["models:/credit/1"])
    assert listed.exit_code == 0 and listed.output.startswith("valid    approve  ada")
    with recorded.api() as api:
        (record,) = signoffs_of(api.store).signatures("model:credit/1")
        history = api.registry_history("credit")
        assert record.record_hash == history[1].hash == record_hash(api.store, "model:credit/1")
    assert history[1].type == "version.create"
    assert json.loads(invoke(signatures, ["model:credit/1", "--json"]).output)[0]["valid"]


def test_a_changed_signature_byte_is_invalid(recorded: Recorded) -> None:
    create_key("ada")
    invoke(sign, ["model", "models:/credit/1"])
    with db(recorded.store) as conn:
        (stored,) = conn.execute("SELECT signature FROM signatures").fetchone()
        raw = bytearray(base64.b64decode(stored))
        raw[10] ^= 1
        conn.execute("UPDATE signatures SET signature = ?", (base64.b64encode(raw).decode(),))
    assert reasons(recorded, "model:credit/1") == [
        (False, "the signature does not verify (the signature or its signed fields were altered)")
    ]
    listed = invoke(signatures, ["models:/credit/1"])
    assert listed.exit_code == 1 and listed.output.startswith("INVALID")


def test_a_changed_signed_field_is_invalid(recorded: Recorded) -> None:
    create_key("ada")
    invoke(sign, ["model", "models:/credit/1", "--meaning", "review"])
    with db(recorded.store) as conn:
        conn.execute("UPDATE signatures SET meaning = 'approve'")
    ((ok, reason),) = reasons(recorded, "model:credit/1")
    assert not ok and "does not verify" in reason


def test_an_altered_registry_record_invalidates_its_signature(recorded: Recorded) -> None:
    create_key("ada")
    invoke(sign, ["model", "models:/credit/1"])
    with db(recorded.store) as conn:
        conn.execute(
            "UPDATE registry_events SET body = replace(body, '\"clf\"', '\"clf2\"') "
            "WHERE type = 'version.create'"
        )
    ((ok, reason),) = reasons(recorded, "model:credit/1")
    assert not ok and "cannot be checked" in reason and "altered" in reason
    with recorded.api() as api, pytest.raises(StoreError, match="broken at event 2"):
        sign_record(api.store, "models:/credit/1")  # an altered record cannot be signed


def test_an_evaluation_is_signed_over_its_event_and_an_altered_event_fails(
    recorded: Recorded,
) -> None:
    create_key("ada")
    assert invoke(sign, ["evaluation", recorded.evaluation_id]).exit_code == 0
    with recorded.api() as api:
        found = api.evaluation(recorded.evaluation_id)
        (event,) = [e for e in api.events(found.run_id) if e.seq == found.seq]
        assert record_hash(api.store, f"evaluation:{found.id}") == event.hash
    assert reasons(recorded, f"evaluation:{recorded.evaluation_id}") == [(True, "valid")]
    with db(recorded.store) as conn:
        conn.execute(
            "UPDATE events SET body = replace(body, '\"n\":100', '\"n\":1000') "
            "WHERE run_id = ? AND seq = ?",
            (found.run_id, found.seq),
        )
    ((ok, reason),) = reasons(recorded, f"evaluation:{found.id}")
    assert not ok and "was altered" in reason


def test_a_document_is_signed_by_its_bytes_and_an_edited_file_has_no_signature(
    recorded: Recorded, tmp_path: Path
) -> None:
    create_key("ada")
    document = tmp_path / "annex-iv.json"
    document.write_text('{"model": "credit", "version": 1}')
    assert invoke(sign, ["document", str(document)]).exit_code == 0
    target = document_target(document)
    assert reasons(recorded, target) == [(True, "valid")]
    assert invoke(signatures, [str(document), "--require", "1"]).exit_code == 0
    document.write_text('{"model": "credit", "version": 2}')
    edited = invoke(signatures, [str(document), "--require", "1"])
    assert edited.exit_code == 1 and edited.output.startswith("No signatures on document:")


def test_a_run_is_signed_over_its_chain_head(recorded: Recorded) -> None:
    create_key("ada")
    assert invoke(sign, ["run", recorded.train_run[:10], "--meaning", "test"]).exit_code == 0
    with recorded.api() as api:
        (record,) = signoffs_of(api.store).signatures(f"run:{recorded.train_run}")
        assert record.record_hash == api.run(recorded.train_run).head_hash
        assert record.meaning == "test"


def test_a_revoked_key_signs_nothing_more_and_its_earlier_signatures_stay_valid(
    recorded: Recorded,
) -> None:
    ada = create_key("ada")
    invoke(sign, ["model", "models:/credit/1"])
    invoke(keys, ["revoke", ada])
    assert reasons(recorded, "model:credit/1") == [(True, "valid")]
    refused = invoke(sign, ["run", recorded.train_run, "--key", ada])
    assert refused.exit_code == 2 and f"key {ada} is revoked" in refused.output
    with recorded.api() as api, db(recorded.store) as conn:
        (signature,) = signoffs_of(api.store).signatures("model:credit/1")
        conn.execute("UPDATE signing_keys SET revoked_at = ?", (signature.time - 1,))
    ((ok, reason),) = reasons(recorded, "model:credit/1")  # revoked before it signed
    assert not ok and "had been revoked when this was signed" in reason


def test_valid_signoffs_count_distinct_signers_who_approved(recorded: Recorded) -> None:
    ada, bob = create_key("ada"), create_key("bob")
    for key, meaning in ((ada, "approve"), (ada, "approve"), (bob, "review")):
        invoke(sign, ["model", "models:/credit/1", "--key", key, "--meaning", meaning])
    with recorded.api() as api:
        signoffs = signoffs_of(api.store)
        current = record_hash(api.store, "model:credit/1")
        assert [r.signer for r in signoffs.valid_signoffs("model:credit/1", current)] == ["ada"]
        sign_record(api.store, "models:/credit/1", key_id=bob)
        assert len(signoffs.valid_signoffs("model:credit/1", current)) == 2
        assert signoffs.valid_signoffs("model:credit/1", "0" * 64) == []  # the record changed
        api.require_signoffs("credit", "production", 2)  # a registry event
        assert signoffs.policy("credit", "production") == 2
        assert signoffs.policies("credit") == {"production": 2}
        assert signoffs.policy("credit", "staging") == 0
    assert invoke(signatures, ["models:/credit/1", "--require", "3"]).exit_code == 1
    assert invoke(signatures, ["models:/credit/1", "--require", "2"]).exit_code == 0


def test_signatures_verify_offline_from_exported_public_keys(
    recorded: Recorded, tmp_path: Path
) -> None:
    ada, bob = create_key("ada"), create_key("bob")
    invoke(sign, ["model", "models:/credit/1", "--key", ada])
    invoke(sign, ["model", "models:/credit/1", "--key", bob])
    (tmp_path / "ada.pem").write_text(invoke(keys, ["export", ada]).output)
    with recorded.api() as api:
        records = signoffs_of(api.store).signatures("model:credit/1")
        public = {k.id: k.public_key for k in signoffs_of(api.store).keys(user=None)}
    for record in records:  # no store needed: the public key, the message, the signature
        assert verify_signature(public[record.key_id], record.message, record.signature)
        assert not verify_signature(public[record.key_id], record.message + b" ", record.signature)
    with db(recorded.store) as conn:
        conn.execute("DELETE FROM signing_keys")  # the store's keys are not used
    offline = invoke(signatures, ["models:/credit/1", "--keys", str(tmp_path / "ada.pem")])
    lines = offline.output.splitlines()
    assert offline.exit_code == 1 and lines[0].startswith("valid    approve  ada")
    assert lines[1].startswith("INVALID") and f"key {bob} is not known" in lines[1]


def test_the_store_refuses_signatures_that_do_not_verify(recorded: Recorded) -> None:
    ada = create_key("ada")
    create_key("bob")
    with recorded.api() as api:
        signoffs = signoffs_of(api.store)
        good = sign_record(api.store, "models:/credit/1", key_id=ada)
        args = (good.target, good.record_hash, ada, "ada", "approve", good.signature)
        with pytest.raises(InvalidValueError, match="does not verify"):
            signoffs.add_signature(*args, good.time + 1)  # the time is signed too
        with pytest.raises(InvalidValueError, match="with a key of 'ada'"):
            signoffs.add_signature(*args[:3], "bob", *args[4:], good.time)
        with pytest.raises(InvalidValueError, match="within 15 minutes"):
            signoffs.add_signature(*args, good.time - 3_600_000)
        with pytest.raises(InvalidValueError, match="sign-off target"):
            signoffs.add_signature("model:credit", *args[1:], good.time)
        message = signed_message(good.target, good.record_hash, "approve", "ada", good.time)
        assert message == good.message and b'"v":1' in message
        assert abs(good.time - time.time_ns() // 1_000_000) < 60_000
