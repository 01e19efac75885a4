"""Merkle tree hashing, proof shapes and proof verification (RFC 6962 / RFC 9162 §2.1).

A log of ``n`` entries is a binary Merkle tree over their *leaf hashes*. Hashes are
domain-separated, so a leaf can never pass for an inner node::

    leaf hash  = SHA-256(0x00 || entry bytes)
    node hash  = SHA-256(0x01 || left hash || right hash)
    empty tree = SHA-256("")

For ``n > 1`` the root of leaves ``[0, n)`` is ``node hash(root of [0, k), root of
[k, n))`` where ``k`` is the largest power of two below ``n``: the left subtree is
always *perfect* (``2^j`` leaves), only the right edge can be ragged. A perfect
subtree is named by its :class:`NodePosition` ``(level, number)``: it covers leaves
``[number * 2^level, (number + 1) * 2^level)``. Every hash in a proof is the root of a
leaf range made of a few perfect subtrees, so a store that keeps the perfect node
hashes by position answers any proof in ``O(log n)`` reads (see
:mod:`trackrecord.transparency.tree`).

This module holds the pure arithmetic: which leaf ranges a proof consists of, and the
checks an auditor runs with hashes only, with no access to the tree.

Example:
    >>> leaves = [leaf_hash(bytes([i])) for i in range(5)]
    >>> root = root_from_leaf_hashes(leaves)
    >>> proof = [root_from_leaf_hashes(leaves[a:b]) for a, b in inclusion_ranges(2, 5)]
    >>> verify_inclusion(leaves[2], 2, 5, proof, root)
    True
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Final, NamedTuple

from trackrecord.errors import InvalidValueError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MAX_TREE_SIZE",
    "LeafRange",
    "NodePosition",
    "consistency_ranges",
    "fold_right",
    "inclusion_ranges",
    "leaf_hash",
    "node_hash",
    "range_positions",
    "root_from_consistency_proof",
    "root_from_inclusion_proof",
    "root_from_leaf_hashes",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE: Final = 32
MAX_TREE_SIZE: Final = 2**63 - 1
"""The largest tree size (what a signed 64-bit database column holds)."""
EMPTY_ROOT: Final = hashlib.sha256(b"").digest()
"""The root hash of the empty tree: SHA-256 of no bytes."""
_LEAF_PREFIX: Final = b"\x00"
_NODE_PREFIX: Final = b"\x01"


class NodePosition(NamedTuple):
    """A perfect subtree, the *number*-th of its level (from 0): leaves
    ``[number * 2**level, (number + 1) * 2**level)``."""

    level: int
    number: int


class LeafRange(NamedTuple):
    """The leaves ``[start, end)``; its hash is the Merkle root of just those leaves."""

    start: int
    end: int


def leaf_hash(entry: bytes) -> bytes:
    """The hash of a log entry: ``SHA-256(0x00 || entry)``."""
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an inner node: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def fold_right(hashes: Sequence[bytes]) -> bytes:
    """Combine subtree roots, leftmost first, from the right: ``h0 · (h1 · (h2 · …))``.

    This is the root of a range split into perfect subtrees biggest first (a
    :func:`range_positions` decomposition, or a log's frontier).
    """
    if not hashes:
        return EMPTY_ROOT
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = node_hash(left, root)
    return root


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """The Merkle root of *hashes* (leaf hashes, in log order), level by level in ``O(n)``.

    Pairing neighbours and carrying an odd last node up unchanged gives the same tree
    as splitting at the largest power of two, so this equals the RFC 6962 root.
    """
    level = list(hashes)
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _is_size(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and 0 <= value <= MAX_TREE_SIZE


def _check_size(value: int, what: str) -> None:
    if not _is_size(value):
        raise InvalidValueError(f"{what} must be an integer from 0 to 2**63 - 1, not {value!r}")


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise InvalidValueError(f"{what} must be a {HASH_SIZE}-byte SHA-256 digest")


def range_positions(start: int, end: int) -> list[NodePosition]:
    """The perfect subtrees, biggest first, whose roots fold into the root of ``[start, end)``.

    *start* must be a multiple of a power of two at least ``end - start`` (true of every
    range in a proof and of ``[0, n)``); the split follows the bits of ``end - start``.
    """
    if not 0 <= start < end:
        raise InvalidValueError(f"the leaf range [{start}, {end}) is empty or negative")
    parts = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start % (1 << level):
            raise InvalidValueError(
                f"the leaf range starting at {start} is not aligned to a subtree of the log"
            )
        parts.append(NodePosition(level, start >> level))
        start += 1 << level
    return parts


def _path_ranges(index: int, size: int, level: int) -> list[LeafRange]:
    """Siblings on the way from node ``(level, index)`` up to the root of a tree of *size*.

    In the tree of level-*level* nodes (``last`` is the index of its last one), the
    path has an *inner* part, the levels below the highest bit where ``index`` and
    ``last`` differ, with a sibling at every level (the right one may be ragged), and a
    *border* part along the right edge, with a left sibling wherever ``index`` is odd.
    """
    last = (size - 1) >> level
    inner = (index ^ last).bit_length()
    ranges = []
    for up in range(inner):
        sibling, shift = (index >> up) ^ 1, up + level
        ranges.append(LeafRange(sibling << shift, min((sibling + 1) << shift, size)))
    for up in range(inner, last.bit_length()):
        if (index >> up) & 1:
            sibling, shift = (index >> up) - 1, up + level
            ranges.append(LeafRange(sibling << shift, (sibling + 1) << shift))
    return ranges


def inclusion_ranges(index: int, size: int) -> list[LeafRange]:
    """The leaf ranges whose roots make the inclusion proof of leaf *index*, bottom up.

    Raises:
        InvalidValueError: *index* is not below *size*.
    """
    _check_size(size, "the tree size")
    _check_size(index, "the leaf index")
    if index >= size:
        raise InvalidValueError(f"leaf {index} is not in a tree of {size} leaves")
    return _path_ranges(index, size, 0)


def _old_edge(old_size: int) -> tuple[int, int]:
    """The last perfect subtree of the old tree: its level and index."""
    level = (old_size & -old_size).bit_length() - 1  # trailing zero bits
    return level, (old_size - 1) >> level


def consistency_ranges(old_size: int, new_size: int) -> list[LeafRange]:
    """The leaf ranges whose roots make the proof that *new_size* extends *old_size*.

    The proof is the inclusion path, in the new tree, of the old tree's last perfect
    subtree, preceded by that subtree's own root unless it is the whole old tree.
    Empty when ``old_size`` is 0 or equal to ``new_size``.

    Raises:
        InvalidValueError: ``old_size > new_size``.
    """
    _check_size(old_size, "the old tree size")
    _check_size(new_size, "the new tree size")
    if old_size > new_size:
        raise InvalidValueError(
            f"a tree of {new_size} leaves cannot extend one of {old_size} leaves"
        )
    if old_size in (0, new_size):
        return []
    level, index = _old_edge(old_size)
    seed = [] if old_size == 1 << level else [LeafRange(index << level, old_size)]
    return seed + _path_ranges(index, new_size, level)


def _expected_length(index: int, size: int, level: int) -> int:
    last = (size - 1) >> level
    inner = (index ^ last).bit_length()
    return inner + (index >> inner).bit_count()


def root_from_inclusion_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root that *proof* leads to from *leaf* (a leaf hash) at *index* in *size* leaves.

    Raises:
        InvalidValueError: a malformed proof: wrong length for *index* and *size*, or a
            hash that is not 32 bytes.
    """
    _check_size(size, "the tree size")
    _check_size(index, "the leaf index")
    _check_hash(leaf, "the leaf hash")
    if index >= size:
        raise InvalidValueError(f"leaf {index} is not in a tree of {size} leaves")
    expected = _expected_length(index, size, 0)
    if len(proof) != expected:
        raise InvalidValueError(
            f"an inclusion proof of leaf {index} in a tree of {size} leaves has "
            f"{expected} hashes, this one has {len(proof)}"
        )
    root, _ = _climb(leaf, index, (size - 1), proof)
    return root


def _climb(seed: bytes, index: int, last: int, path: Sequence[bytes]) -> tuple[bytes, bytes]:
    """Walk *path* up from *seed*: (the root of everything, the root of what lies left).

    The second hash only takes in siblings on the left, so starting from the old tree's
    last perfect subtree it rebuilds the old tree's root.
    """
    inner = (index ^ last).bit_length()
    whole = left_only = seed
    for up, sibling in enumerate(path):
        _check_hash(sibling, f"proof hash {up}")
        if up < inner and not (index >> up) & 1:
            whole = node_hash(whole, sibling)
        else:
            whole, left_only = node_hash(sibling, whole), node_hash(sibling, left_only)
    return whole, left_only


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether *proof* shows leaf hash *leaf* at *index* in the tree of *size* with *root*.

    False for a wrong leaf, index, size or root, and for a malformed proof.
    """
    try:
        return root_from_inclusion_proof(leaf, index, size, proof) == root
    except InvalidValueError:
        return False


def root_from_consistency_proof(
    old_size: int, new_size: int, old_root: bytes, proof: Sequence[bytes]
) -> tuple[bytes, bytes]:
    """The (old root, new root) that *proof* leads to; check both against what you hold.

    *old_root* is used only when the old size is a power of two (the old tree is then
    itself a subtree of the new one) or equals the new size.

    Raises:
        InvalidValueError: sizes out of order, an old size of 0 (every tree extends the
            empty tree: there is nothing to prove), or a proof of the wrong length.
    """
    _check_size(old_size, "the old tree size")
    _check_size(new_size, "the new tree size")
    _check_hash(old_root, "the old root")
    if not 0 < old_size <= new_size:
        raise InvalidValueError(
            f"a consistency proof goes from a tree of 1 or more leaves to one at least as "
            f"big, not from {old_size} to {new_size} leaves"
        )
    if old_size == new_size:
        if proof:
            raise InvalidValueError(
                f"a consistency proof between two trees of {old_size} leaves is empty, "
                f"this one has {len(proof)} hashes"
            )
        return old_root, old_root
    level, index = _old_edge(old_size)
    seeded = old_size != 1 << level
    expected = int(seeded) + _expected_length(index, new_size, level)
    if len(proof) != expected:
        raise InvalidValueError(
            f"a consistency proof from {old_size} to {new_size} leaves has {expected} "
            f"hashes, this one has {len(proof)}"
        )
    seed = proof[0] if seeded else old_root
    _check_hash(seed, "proof hash 0")
    new_root, rebuilt_old = _climb(seed, index, (new_size - 1) >> level, proof[int(seeded) :])
    return rebuilt_old, new_root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether *proof* shows that the tree (*new_size*, *new_root*) extends (*old_size*,
    *old_root*): every leaf of the old tree is unchanged, in place, in the new one.

    The empty tree is extended by every tree (with an empty proof).
    """
    if old_size == 0:
        empty_ok = new_size > 0 or new_root == EMPTY_ROOT
        return old_root == EMPTY_ROOT and not proof and empty_ok and _is_size(new_size)
    try:
        old, new = root_from_consistency_proof(old_size, new_size, old_root, proof)
    except InvalidValueError:
        return False
    return old == old_root and new == new_root
