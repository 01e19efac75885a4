"""Sign-offs in the SQL database: public keys, signatures, and per-alias policies.

Tables (migration 3): ``signing_keys`` (public keys of users; never private
ones), ``signatures`` (each over a record's hash, with who, when and what it
means) and ``signoff_policies`` (how many ``approve`` sign-offs a registered
model's version needs before an alias such as ``production`` may point at it).
Keys and signatures are events of the store's ledger (see
:mod:`~trackrecord.store.sql.ledger`) and policies events of the model's registry
chain; the tables are their views, so a deleted or edited sign-off is caught by
``trackrecord verify``.

A signature is stored only if it verifies against its registered, unrevoked
key, names that key's user as the signer, and was made within
:data:`CLOCK_SKEW_MS` of the store's clock (so a revoked key cannot sign with
an earlier time). Writes take the database's write lock (SQLite) or an
advisory lock (PostgreSQL), like the audit log.

Example:
    >>> import tempfile
    >>> from trackrecord.store.sql import SqlStore
    >>> SqlSignoffs(SqlStore.open(tempfile.mkdtemp()).database).policy("churn", "production")
    0
"""

from __future__ import annotations

import dataclasses
import re
import secrets
import time
from contextlib import AbstractContextManager
from typing import Any, Final

from trackrecord.errors import InvalidValueError, NotFoundError
from trackrecord.record.signoffs import (
    KeyRecord,
    SignatureRecord,
    check_meaning,
    check_target,
    signature_problem,
)
from trackrecord.record.signoffs import key_id as compute_key_id
from trackrecord.store.sql.connection import Cursor, SqlDatabase
from trackrecord.store.sql.ledger import append_ledger, ledger_write

__all__ = ["CLOCK_SKEW_MS", "SqlSignoffs"]

CLOCK_SKEW_MS: Final = 15 * 60 * 1000
_KEY_COLUMNS: Final = "id, user_name, public_key, created_at, revoked_at"
_SIGNATURE_COLUMNS: Final = "id, target, record_hash, key_id, signer, meaning, signature, time"
_HEX64: Final = re.compile(r"[0-9a-f]{64}")


def _now() -> int:
    return time.time_ns() // 1_000_000


class SqlSignoffs:
    """Public keys, signatures and sign-off policies kept in *database*."""

    def __init__(self, database: SqlDatabase) -> None:
        self.database = database

    def _write(self) -> AbstractContextManager[Cursor]:
        return ledger_write(self.database, "record sign-offs")

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        return list(self.database.read().execute(sql, args).fetchall())

    # -- keys --

    def register_key(self, user: str, public_key_b64: str) -> KeyRecord:
        """Register *user*'s Ed25519 public key (base64 of its raw 32 bytes); its id is derived.

        Raises:
            InvalidValueError: no user, a malformed key, or a key registered already.
        """
        if not isinstance(user, str) or not user.strip() or len(user) > 200:
            raise InvalidValueError("a key needs the name of its user (at most 200 characters)")
        key = KeyRecord(compute_key_id(public_key_b64), user, public_key_b64, _now())
        with self._write() as cur:
            if cur.execute("SELECT 1 FROM signing_keys WHERE id = ?", (key.id,)).fetchone():
                raise InvalidValueError(f"key {key.id} is registered already")
            body = {"id": key.id, "user": key.user, "public_key": key.public_key}
            append_ledger(cur, "key.register", body, at=key.created_at)
        return key

    def keys(self, user: str | None = None) -> list[KeyRecord]:
        """Registered keys (of *user*, if given), oldest first; revoked ones too."""
        where, args = ("WHERE user_name = ? ", (user,)) if user is not None else ("", ())
        rows = self._rows(
            f"SELECT {_KEY_COLUMNS} FROM signing_keys {where}ORDER BY created_at, id", args
        )
        return [KeyRecord(*row) for row in rows]

    def key(self, key_id: str) -> KeyRecord:
        """A registered key by id (NotFoundError if none)."""
        rows = self._rows(f"SELECT {_KEY_COLUMNS} FROM signing_keys WHERE id = ?", (key_id,))
        if not rows:
            raise NotFoundError(
                f"no registered key {key_id!r}; see the keys with: trackrecord keys ls"
            )
        return KeyRecord(*rows[0])

    def revoke_key(self, key_id: str) -> KeyRecord:
        """Revoke a key from now on: it signs nothing more; its earlier signatures stay valid."""
        self.key(key_id)
        with self._write() as cur:
            row = cur.execute("SELECT revoked_at FROM signing_keys WHERE id = ?", (key_id,))
            if row.fetchone()[0] is None:
                append_ledger(cur, "key.revoke", {"id": key_id})
        return self.key(key_id)

    # -- signatures --

    def add_signature(
        self,
        target: str,
        record_hash: str,
        key_id: str,
        signer: str,
        meaning: str,
        signature_b64: str,
        time: int,
    ) -> SignatureRecord:
        """Store a signature, after checking it against the registered key.

        Raises:
            InvalidValueError: a malformed field, a time far from now, a revoked key, a
                signer other than the key's user, or a signature that does not verify.
            NotFoundError: the key is not registered.
        """
        check_target(target)
        check_meaning(meaning)
        if not isinstance(record_hash, str) or not _HEX64.fullmatch(record_hash):
            raise InvalidValueError(f"record hash {record_hash!r} must be 64 lowercase hex digits")
        if (
            isinstance(time, bool)
            or not isinstance(time, int)
            or abs(time - _now()) > CLOCK_SKEW_MS
        ):
            raise InvalidValueError(
                "a signature's time must be now (ms since 1970, within 15 minutes of the store's "
                "clock); sign again"
            )
        key = self.key(key_id)
        if key.revoked_at is not None:
            raise InvalidValueError(f"key {key_id} is revoked; sign with another key")
        record = SignatureRecord(
            f"sig_{secrets.token_hex(10)}", target, record_hash, key_id, signer, meaning,
            signature_b64, time,
        )  # fmt: skip
        problem = signature_problem(record, key, None)
        if problem is not None:
            raise InvalidValueError(f"signature refused: {problem}")
        with self._write() as cur:
            append_ledger(cur, "signature.add", dataclasses.asdict(record))
        return record

    def signatures(self, target: str) -> list[SignatureRecord]:
        """The signatures stored for *target*, oldest first (valid or not)."""
        rows = self._rows(
            f"SELECT {_SIGNATURE_COLUMNS} FROM signatures WHERE target = ? ORDER BY time, id",
            (target,),
        )
        return [SignatureRecord(*row) for row in rows]

    def valid_signoffs(self, target: str, record_hash: str) -> list[SignatureRecord]:
        """The ``approve`` signatures of *target* that count now, one per signer.

        Valid: the signature verifies against its key, the key was not revoked when
        it signed, and it signed *record_hash* (the record's hash now).
        """
        keys = {key.id: key for key in self.keys()}
        valid: dict[str, SignatureRecord] = {}
        for record in self.signatures(target):
            if record.meaning != "approve" or record.signer in valid:
                continue
            if signature_problem(record, keys.get(record.key_id), record_hash) is None:
                valid[record.signer] = record
        return list(valid.values())

    # -- policies (set with SqlRegistry.set_signoff_policy: a registry event) --

    def policy(self, model: str, alias: str) -> int:
        """How many sign-offs *alias* of *model* needs (0: none)."""
        rows = self._rows(
            "SELECT required FROM signoff_policies WHERE model = ? AND alias = ?", (model, alias)
        )
        return int(rows[0][0]) if rows else 0

    def policies(self, model: str) -> dict[str, int]:
        """Every alias of *model* that needs sign-offs, and how many."""
        rows = self._rows(
            "SELECT alias, required FROM signoff_policies WHERE model = ? ORDER BY alias", (model,)
        )
        return {alias: int(required) for alias, required in rows}
