"""The audit log: one hash-chained entry per mutating request to a server.

Each entry says who (the user), what (the action, such as
``runs.append_events`` or ``tokens.revoke``), to which target (a run id, a
user, a token id), when (Unix milliseconds), from where (the client's
address) and how it ended (the HTTP status; refusals are recorded too).
Entries are chained like run events: each hash covers the previous hash and
the entry's canonical JSON, so an edited, inserted or deleted entry breaks
the chain at that point and :func:`verify_chain` names it.

Example:
    >>> first = AuditEntry.build(1, 1700000000000, "alice", "runs.append_events", "01J",
    ...                          "10.0.0.7", 200, GENESIS)
    >>> verify_chain([first])
    []
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace

from trackrecord.record.events import GENESIS, canonical_json

__all__ = ["GENESIS", "AuditEntry", "verify_chain"]


@dataclass(frozen=True)
class AuditEntry:
    """One mutating request, chained to the one before it."""

    seq: int
    time: int
    actor: str
    action: str
    target: str
    source: str
    status: int
    prev_hash: str
    hash: str

    @classmethod
    def build(
        cls, seq: int, time: int, actor: str, action: str, target: str, source: str,
        status: int, prev_hash: str,
    ) -> AuditEntry:  # fmt: skip
        """An entry with its hash computed."""
        entry = cls(seq, time, actor, action, target, source, status, prev_hash, "")
        return replace(entry, hash=entry.expected_hash())

    def expected_hash(self) -> str:
        """SHA-256 of the previous hash and the entry's fields (all but ``hash``)."""
        fields = asdict(self)
        del fields["hash"]
        return hashlib.sha256(self.prev_hash.encode() + canonical_json(fields)).hexdigest()


def verify_chain(entries: Iterable[AuditEntry]) -> list[str]:
    """Problems found walking the chain from its start (empty: intact)."""
    problems: list[str] = []
    prev_hash, expected_seq = GENESIS, 1
    for entry in entries:
        if entry.seq != expected_seq:
            problems.append(f"entry {expected_seq} is missing (the next one is {entry.seq})")
        if entry.prev_hash != prev_hash:
            problems.append(f"entry {entry.seq} does not follow the entry before it")
        if entry.hash != entry.expected_hash():
            problems.append(f"entry {entry.seq} was altered (its hash does not match)")
        prev_hash, expected_seq = entry.hash, entry.seq + 1
    return problems
