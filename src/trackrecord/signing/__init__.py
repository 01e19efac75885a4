"""Sign-offs: personal Ed25519 keys, signatures over records' hashes, offline verification.

A user makes a key pair (``trackrecord keys create``); the private key stays in
a local file, the public key is registered in the store. Signing an evaluation,
a model version, a run or a generated document stores a signature over the
record's hash, the signer, the time and the meaning (``approve``, ``review``,
``test``). Anyone with the public keys can check the signatures, offline.

Example:
    >>> from trackrecord.signing import sign, verify_signatures      # doctest: +SKIP
    >>> sign(api.store, "models:/churn/3")                            # doctest: +SKIP
    >>> [ok for _, ok, _ in verify_signatures(api.store, "models:/churn/3")]  # doctest: +SKIP
    [True]
"""

from __future__ import annotations

from trackrecord.record.signoffs import (
    MEANINGS,
    TARGET_KINDS,
    KeyRecord,
    SignatureRecord,
    check_target,
    key_id,
    signature_problem,
    signed_message,
    verify_signature,
)
from trackrecord.signing.keys import (
    LocalKey,
    export_public_pem,
    generate_key,
    keys_dir,
    load_private_key,
    load_public_pem,
    load_public_pems,
    local_key_ids,
    public_key_b64,
)
from trackrecord.signing.signatures import (
    document_target,
    normalise_target,
    record_hash,
    sign,
    signoffs_of,
    verify_signatures,
    version_record_hash,
)

__all__ = [
    "MEANINGS",
    "TARGET_KINDS",
    "KeyRecord",
    "LocalKey",
    "SignatureRecord",
    "check_target",
    "document_target",
    "export_public_pem",
    "generate_key",
    "key_id",
    "keys_dir",
    "load_private_key",
    "load_public_pem",
    "load_public_pems",
    "local_key_ids",
    "normalise_target",
    "public_key_b64",
    "record_hash",
    "sign",
    "signature_problem",
    "signed_message",
    "signoffs_of",
    "verify_signature",
    "verify_signatures",
    "version_record_hash",
]
