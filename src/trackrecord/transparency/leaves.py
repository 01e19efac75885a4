"""What the transparency log records: chain heads, one leaf each.

Every hash chain of a store (each run, each registered model's registry chain, the
audit log, the ledger of :mod:`trackrecord.store.sql.ledger`) is logged whenever it
grows: the leaf says which chain, up to which event (``seq``), that event's hash, and
when it was logged. The leaf's bytes are the
canonical JSON of (:func:`trackrecord.record.events.canonical_json`: sorted keys, no white
space, UTF-8)::

    {"chain":"01j…","hash":"<64 hex>","kind":"run","seq":42,"time":1700000000000,"v":1}

and its Merkle leaf hash is ``SHA-256(0x00 || those bytes)``. A chain whose logged
head is gone (a deleted run, a truncated or rewritten chain) no longer holds an event
``seq`` with that hash: :func:`head_problems` names each such chain.

Example:
    >>> head = ChainHead("run", "01jabc", 3, "ab" * 32, 1700000000000)
    >>> ChainHead.decode(head.encode()) == head
    True
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final, Literal, cast

from trackrecord.errors import InvalidValueError
from trackrecord.record.events import canonical_json
from trackrecord.transparency.merkle import leaf_hash

__all__ = ["CHAIN_KINDS", "LEAF_VERSION", "ChainHead", "ChainKind", "head_problems", "latest_heads"]

ChainKind = Literal["run", "registry", "audit", "ledger"]
CHAIN_KINDS: Final[tuple[ChainKind, ...]] = ("run", "registry", "audit", "ledger")
LEAF_VERSION: Final = 1
MAX_LEAF_BYTES: Final = 4096
_HEX64: Final = re.compile(r"[0-9a-f]{64}")
_FIELDS: Final = frozenset({"v", "kind", "chain", "seq", "hash", "time"})
_MAX_INT: Final = 2**63 - 1


def _check_int(value: object, what: str, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= _MAX_INT:
        raise InvalidValueError(
            f"a log leaf's {what} must be an integer from {least}, not {value!r}"
        )
    return value


@dataclass(frozen=True)
class ChainHead:
    """A log leaf: chain *chain* of *kind* had event *seq* with hash *hash* at *time*.

    ``chain`` is the chain's id: a run id, ``registry:<model>``, the audit chain's id or
    ``ledger``. ``hash`` is the event's hash (64 lowercase hex digits); ``time`` is when the
    head was logged, in Unix milliseconds.

    Raises:
        InvalidValueError: a field out of range (checked on construction).
    """

    kind: ChainKind
    chain: str
    seq: int
    hash: str
    time: int

    def __post_init__(self) -> None:
        if self.kind not in CHAIN_KINDS:
            raise InvalidValueError(
                f"a log leaf's kind is one of {', '.join(CHAIN_KINDS)}, not {self.kind!r}"
            )
        if not isinstance(self.chain, str) or not 0 < len(self.chain) <= 512:
            raise InvalidValueError("a log leaf's chain id is a string of 1 to 512 characters")
        if not self.chain.isprintable():  # no control characters, no lone surrogates
            raise InvalidValueError(
                f"a log leaf's chain id is printable UTF-8 text, not {self.chain!r}"
            )
        _check_int(self.seq, "seq", 1)
        _check_int(self.time, "time", 0)
        if not isinstance(self.hash, str) or not _HEX64.fullmatch(self.hash):
            raise InvalidValueError(
                "a log leaf's hash is an event hash: 64 lowercase hexadecimal digits"
            )

    def fields(self) -> dict[str, Any]:
        """The leaf as the JSON object it is encoded from."""
        return {"v": LEAF_VERSION, "kind": self.kind, "chain": self.chain, "seq": self.seq,
                "hash": self.hash, "time": self.time}  # fmt: skip

    def encode(self) -> bytes:
        """The leaf's canonical bytes: what the Merkle leaf hash covers."""
        return canonical_json(self.fields())

    def leaf_hash(self) -> bytes:
        """``SHA-256(0x00 || encode())``: the leaf as the Merkle tree sees it."""
        return leaf_hash(self.encode())

    @property
    def key(self) -> tuple[ChainKind, str]:
        """Which chain: (kind, chain id)."""
        return self.kind, self.chain

    @classmethod
    def decode(cls, data: bytes) -> ChainHead:
        """The leaf encoded in *data*, which must be exactly its canonical bytes.

        Raises:
            InvalidValueError: not canonical JSON of a leaf of this version.
        """
        if not isinstance(data, bytes) or len(data) > MAX_LEAF_BYTES:
            raise InvalidValueError(f"a log leaf is at most {MAX_LEAF_BYTES} bytes of JSON")
        try:
            obj = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidValueError(f"a log leaf is not JSON: {exc}") from None
        if not isinstance(obj, dict) or set(obj) != _FIELDS:
            raise InvalidValueError(
                f"a log leaf has exactly the fields {', '.join(sorted(_FIELDS))}"
            )
        if obj["v"] != LEAF_VERSION or isinstance(obj["v"], bool):
            raise InvalidValueError(
                f"a log leaf of version {obj['v']!r}; this TrackRecord reads version "
                f"{LEAF_VERSION} (upgrade TrackRecord to read newer logs)"
            )
        head = cls(cast(ChainKind, obj["kind"]), obj["chain"], obj["seq"], obj["hash"], obj["time"])
        if head.encode() != data:
            raise InvalidValueError(
                "a log leaf is not in canonical form (sorted keys, no spaces, UTF-8): "
                "its bytes must be exactly those its hash covers"
            )
        return head


def latest_heads(leaves: Iterable[ChainHead]) -> dict[tuple[ChainKind, str], ChainHead]:
    """The last logged head of each chain, by (kind, chain id), leaves in log order."""
    latest: dict[tuple[ChainKind, str], ChainHead] = {}
    for leaf in leaves:
        latest[leaf.key] = leaf
    return latest


def head_problems(
    leaves: Iterable[ChainHead], hash_at: Callable[[ChainKind, str, int], str | None]
) -> list[str]:
    """What the chains lost since they were logged: one line per chain that differs.

    *leaves* are the log's leaves in log order (from a log whose root was checked);
    ``hash_at(kind, chain, seq)`` gives the hash of the stored event *seq* of a chain,
    or None when there is none. A chain must still hold every head logged for it: a
    deleted chain, a chain cut below a logged head, or one rewritten (a re-hashed
    event) is reported. Logged seqs of a chain must also never go down.
    """
    problems: list[str] = []
    highest: dict[tuple[ChainKind, str], int] = {}
    for leaf in leaves:
        name = f"{leaf.kind} chain {leaf.chain}"
        if leaf.seq < highest.get(leaf.key, 0):
            problems.append(
                f"{name}: the log records head {leaf.seq} after head {highest[leaf.key]} "
                "(a chain only grows)"
            )
        highest[leaf.key] = max(leaf.seq, highest.get(leaf.key, 0))
        stored = hash_at(leaf.kind, leaf.chain, leaf.seq)
        if stored is None:
            problems.append(
                f"{name}: event {leaf.seq} was logged (hash {leaf.hash[:16]}…) but is no "
                "longer stored (the chain was deleted or truncated)"
            )
        elif stored != leaf.hash:
            problems.append(
                f"{name}: event {leaf.seq} has hash {stored[:16]}…, the log recorded "
                f"{leaf.hash[:16]}… (the chain was rewritten)"
            )
    return problems
