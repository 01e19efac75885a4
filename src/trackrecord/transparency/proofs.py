"""Inclusion and consistency proofs as values: JSON forms, and checks against checkpoints.

An :class:`InclusionProof` says "this chain head is leaf *index* of the log at *size*
leaves"; a :class:`ConsistencyProof` says "the log at *new_size* leaves extends the
log at *old_size*". Both carry their hashes as hex strings, bottom up, and are
checked with hashes only (:mod:`.merkle`) against signed checkpoints. A failed check
raises InvalidValueError with a sentence an auditor can act on.

Example:
    >>> from trackrecord.transparency.tree import MemoryTree
    >>> from trackrecord.transparency.leaves import ChainHead
    >>> head = ChainHead("run", "01jabc", 1, "ab" * 32, 1)
    >>> tree = MemoryTree(); tree.append(head.leaf_hash())
    0
    >>> proof = InclusionProof.build(tree, 0, 1)
    >>> InclusionProof.from_json(proof.to_json()) == proof
    True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from trackrecord.errors import InvalidValueError
from trackrecord.transparency.checkpoint import Checkpoint
from trackrecord.transparency.leaves import ChainHead
from trackrecord.transparency.merkle import MAX_TREE_SIZE, verify_consistency, verify_inclusion
from trackrecord.transparency.tree import NodeReader, consistency_proof, inclusion_proof

__all__ = ["ConsistencyProof", "InclusionProof"]

_HEX64: Final = re.compile(r"[0-9a-f]{64}")
_MAX_PATH: Final = 2 * 64  # a consistency proof of a 2**63-leaf log has fewer hashes


def _int_field(obj: dict[str, Any], name: str) -> int:
    value = obj.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TREE_SIZE:
        raise InvalidValueError(f"a proof's {name} is an integer from 0 to 2**63 - 1")
    return value


def _path_field(obj: dict[str, Any]) -> tuple[str, ...]:
    path = obj.get("path")
    if (
        not isinstance(path, list)
        or len(path) > _MAX_PATH
        or not all(isinstance(h, str) and _HEX64.fullmatch(h) for h in path)
    ):
        raise InvalidValueError("a proof's path is a list of hashes of 64 lowercase hex digits")
    return tuple(path)


def _fields(obj: object, names: set[str], kind: str) -> dict[str, Any]:
    if not isinstance(obj, dict) or set(obj) != names:
        raise InvalidValueError(f"{kind} has exactly the fields {', '.join(sorted(names))}")
    return obj


@dataclass(frozen=True)
class InclusionProof:
    """Leaf *index* of the log at *size* leaves, with its audit path (hex, bottom up)."""

    index: int
    size: int
    path: tuple[str, ...]

    @classmethod
    def build(cls, store: NodeReader, index: int, size: int) -> InclusionProof:
        """The proof of leaf *index* in the first *size* leaves of the log in *store*."""
        return cls(index, size, tuple(h.hex() for h in inclusion_proof(store, index, size)))

    def to_json(self) -> dict[str, Any]:
        """The proof as a JSON object."""
        return {"index": self.index, "size": self.size, "path": list(self.path)}

    @classmethod
    def from_json(cls, obj: object) -> InclusionProof:
        """Read :meth:`to_json`'s form; InvalidValueError when malformed."""
        fields = _fields(obj, {"index", "size", "path"}, "an inclusion proof")
        return cls(_int_field(fields, "index"), _int_field(fields, "size"), _path_field(fields))

    def check(self, head: ChainHead, checkpoint: Checkpoint) -> None:
        """Raise InvalidValueError unless *head* is leaf ``index`` of the log at *checkpoint*."""
        if checkpoint.size != self.size:
            raise InvalidValueError(
                f"the inclusion proof is for a log of {self.size} leaves, the checkpoint is "
                f"at {checkpoint.size}; ask for a proof at the checkpoint's size"
            )
        path = [bytes.fromhex(h) for h in self.path]
        if not verify_inclusion(
            head.leaf_hash(), self.index, self.size, path, checkpoint.root_hash
        ):
            raise InvalidValueError(
                f"head {head.seq} of {head.kind} chain {head.chain} is not leaf {self.index} "
                f"of the log of {checkpoint.origin} at {checkpoint.size} leaves (the proof "
                "does not lead to the checkpoint's root)"
            )


@dataclass(frozen=True)
class ConsistencyProof:
    """The log at *new_size* leaves extends the log at *old_size*: the hashes that show it."""

    old_size: int
    new_size: int
    path: tuple[str, ...]

    @classmethod
    def build(cls, store: NodeReader, old_size: int, new_size: int) -> ConsistencyProof:
        """The proof between the first *old_size* and *new_size* leaves of *store*'s log."""
        hashes = consistency_proof(store, old_size, new_size)
        return cls(old_size, new_size, tuple(h.hex() for h in hashes))

    def to_json(self) -> dict[str, Any]:
        """The proof as a JSON object."""
        return {"old_size": self.old_size, "new_size": self.new_size, "path": list(self.path)}

    @classmethod
    def from_json(cls, obj: object) -> ConsistencyProof:
        """Read :meth:`to_json`'s form; InvalidValueError when malformed."""
        fields = _fields(obj, {"old_size", "new_size", "path"}, "a consistency proof")
        return cls(
            _int_field(fields, "old_size"), _int_field(fields, "new_size"), _path_field(fields)
        )

    def check(self, old: Checkpoint, new: Checkpoint) -> None:
        """Raise InvalidValueError unless the log at *new* extends the log at *old*.

        A smaller *new* is a rolled-back log; a proof that fails means entries logged
        up to *old* were removed or rewritten.
        """
        if old.origin != new.origin:
            raise InvalidValueError(
                f"the checkpoints are of two stores ({old.origin} and {new.origin})"
            )
        if new.size < old.size:
            raise InvalidValueError(
                f"the log of {new.origin} has {new.size} leaves, fewer than the {old.size} "
                "of the earlier checkpoint: the store was rolled back or entries removed"
            )
        if (self.old_size, self.new_size) != (old.size, new.size):
            raise InvalidValueError(
                f"the consistency proof goes from {self.old_size} to {self.new_size} leaves, "
                f"the checkpoints are at {old.size} and {new.size}"
            )
        path = [bytes.fromhex(h) for h in self.path]
        if not verify_consistency(old.size, new.size, old.root_hash, new.root_hash, path):
            raise InvalidValueError(
                f"the log of {new.origin} at {new.size} leaves does not extend the checkpoint "
                f"at {old.size} leaves: entries logged up to it were removed or rewritten"
            )
