"""A Merkle log kept as a table of perfect-subtree hashes, and its compact frontier.

A store keeps its log as *nodes*: the hash of every perfect subtree, by
:class:`~trackrecord.transparency.merkle.NodePosition` ``(level, number)``. Level 0
holds the leaf hashes; a level-``j`` node exists as soon as its ``2^j`` leaves do and
never changes after, so the table is append-only (about ``2n`` rows for ``n`` leaves).

Appending needs only the *frontier*: the roots of the perfect subtrees that make up
the current tree, one per set bit of its size (``popcount(n) ≤ 63`` hashes). Adding a
leaf merges it with frontier roots of the same size, as a binary counter carries, and
yields the nodes to write. Roots and proofs read ``O(log n)`` nodes: the store
implements :class:`NodeStore` (two methods) and the functions here do the rest.

Example:
    >>> from trackrecord.transparency.merkle import leaf_hash, verify_inclusion
    >>> tree = MemoryTree()
    >>> for i in range(6):
    ...     _ = tree.append(leaf_hash(bytes([i])))
    >>> proof = inclusion_proof(tree, 4, 6)
    >>> verify_inclusion(leaf_hash(bytes([4])), 4, 6, proof, tree_root(tree, 6))
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple, Protocol

from trackrecord.errors import InvalidValueError, StoreError
from trackrecord.transparency.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    LeafRange,
    NodePosition,
    consistency_ranges,
    fold_right,
    inclusion_ranges,
    node_hash,
    range_positions,
)

__all__ = [
    "Frontier",
    "MemoryTree",
    "Node",
    "NodeReader",
    "NodeStore",
    "append_leaves",
    "consistency_proof",
    "frontier_positions",
    "inclusion_proof",
    "tree_root",
]


class Node(NamedTuple):
    """A perfect subtree's hash at its position: one row of a store's node table."""

    level: int
    number: int
    hash: bytes


class NodeReader(Protocol):
    """Reads node hashes: all a store needs to answer roots and proofs."""

    def read_nodes(self, positions: Sequence[NodePosition]) -> Sequence[bytes]:
        """The hashes at *positions*, in the same order (one query for all of them).

        Raises StoreError when one is missing: the log is damaged.
        """
        ...


class NodeStore(NodeReader, Protocol):
    """Reads and appends node hashes (a SQL table keyed by ``(level, number)``)."""

    def write_nodes(self, nodes: Sequence[Node]) -> None:
        """Insert *nodes*; each position is new (a store may refuse a rewrite)."""
        ...


def frontier_positions(size: int) -> list[NodePosition]:
    """The perfect subtrees that make up a tree of *size* leaves, biggest (leftmost) first."""
    return range_positions(0, size) if size else []


class Frontier:
    """The roots of the perfect subtrees that make up a tree, biggest first.

    Example:
        >>> f = Frontier()
        >>> [(n.level, n.number) for n in f.append(b"a" * 32) + f.append(b"b" * 32)]
        [(0, 0), (0, 1), (1, 0)]
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if size < 0 or len(hashes) != size.bit_count():
            raise InvalidValueError(
                f"a tree of {size} leaves has {size.bit_count()} frontier hashes, not {len(hashes)}"
            )
        self._size = size
        self._hashes = list(hashes)

    @classmethod
    def load(cls, store: NodeReader, size: int) -> Frontier:
        """The frontier of the first *size* leaves of *store*."""
        return cls(size, _read(store, frontier_positions(size)))

    @property
    def size(self) -> int:
        """How many leaves the tree has."""
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The frontier's subtree roots, biggest first."""
        return tuple(self._hashes)

    def root(self) -> bytes:
        """The tree's root hash (:data:`~trackrecord.transparency.merkle.EMPTY_ROOT` if empty)."""
        return fold_right(self._hashes)

    def append(self, leaf: bytes) -> list[Node]:
        """Add the leaf hash *leaf*; the nodes it completes, the leaf itself first."""
        if len(leaf) != HASH_SIZE:
            raise InvalidValueError(f"a leaf hash has {HASH_SIZE} bytes, not {len(leaf)}")
        index, level, current = self._size, 0, leaf
        made = [Node(0, index, leaf)]
        while (index >> level) & 1:  # a right child: its left sibling is the last root
            current = node_hash(self._hashes.pop(), current)
            level += 1
            made.append(Node(level, index >> level, current))
        self._hashes.append(current)
        self._size += 1
        return made

    def extend(self, leaves: Iterable[bytes]) -> list[Node]:
        """Append every leaf hash of *leaves*; all the nodes they complete."""
        return [node for leaf in leaves for node in self.append(leaf)]


def append_leaves(store: NodeStore, size: int, leaves: Iterable[bytes]) -> Frontier:
    """Append leaf hashes to a log of *size* leaves in *store*, as one batch.

    Reads the frontier (``popcount(size)`` nodes), writes every completed node with one
    :meth:`NodeStore.write_nodes` call, and returns the new frontier (its ``root()`` is
    the new tree's root). Run it inside the store's write transaction.
    """
    frontier = Frontier.load(store, size)
    made = frontier.extend(leaves)
    if made:
        store.write_nodes(made)
    return frontier


def _read(store: NodeReader, positions: Sequence[NodePosition]) -> list[bytes]:
    hashes = list(store.read_nodes(positions)) if positions else []
    if len(hashes) != len(positions) or any(len(h) != HASH_SIZE for h in hashes):
        raise StoreError(
            "the transparency log's node table is damaged (a node hash is missing or not "
            "32 bytes); run `trackrecord verify --all` to see what changed"
        )
    return hashes


def _range_hashes(store: NodeReader, ranges: Sequence[LeafRange]) -> list[bytes]:
    """The roots of *ranges*, reading all the nodes they need at once."""
    parts = [range_positions(start, end) for start, end in ranges]
    hashes = iter(_read(store, [p for part in parts for p in part]))
    return [fold_right([next(hashes) for _ in part]) for part in parts]


def tree_root(store: NodeReader, size: int) -> bytes:
    """The root hash of the first *size* leaves of the log in *store*.

    Like the proofs below, it asks *store* only for nodes of the first *size* leaves: a
    *size* beyond the log's is the caller's mistake, which the store reports as missing
    nodes (StoreError).
    """
    return _range_hashes(store, [LeafRange(0, size)])[0] if size else EMPTY_ROOT


def inclusion_proof(store: NodeReader, index: int, size: int) -> list[bytes]:
    """The audit path of leaf *index* in the tree of the first *size* leaves, bottom up.

    Check it with :func:`~trackrecord.transparency.merkle.verify_inclusion`.
    """
    return _range_hashes(store, inclusion_ranges(index, size))


def consistency_proof(store: NodeReader, old_size: int, new_size: int) -> list[bytes]:
    """The proof that the tree of *new_size* leaves extends the tree of *old_size*.

    Check it with :func:`~trackrecord.transparency.merkle.verify_consistency`.
    """
    return _range_hashes(store, consistency_ranges(old_size, new_size))


class MemoryTree:
    """A :class:`NodeStore` in memory: one ``bytearray`` of packed hashes per level.

    For tests, benchmarks and auditors who rebuild a log from its leaves; 64 bytes per
    leaf.
    """

    def __init__(self) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self._frontier = Frontier()

    @property
    def size(self) -> int:
        """How many leaves the tree holds."""
        return len(self._levels[0]) // HASH_SIZE

    def _current(self) -> Frontier:
        if self._frontier.size != self.size:  # nodes were written by append_leaves
            self._frontier = Frontier.load(self, self.size)
        return self._frontier

    def root(self) -> bytes:
        """The root hash of the whole tree."""
        return self._current().root()

    def append(self, leaf: bytes) -> int:
        """Append the leaf hash *leaf*; its index."""
        self.write_nodes(self._current().append(leaf))
        return self.size - 1

    def read_nodes(self, positions: Sequence[NodePosition]) -> list[bytes]:
        """The node hashes at *positions* (StoreError for one that does not exist yet)."""
        found = []
        for level, number in positions:
            start = number * HASH_SIZE
            if level >= len(self._levels) or start + HASH_SIZE > len(self._levels[level]):
                raise StoreError(f"the log has no node ({level}, {number})")
            found.append(bytes(self._levels[level][start : start + HASH_SIZE]))
        return found

    def write_nodes(self, nodes: Sequence[Node]) -> None:
        """Store *nodes*; each must be the next one of its level."""
        for level, number, digest in nodes:
            while len(self._levels) <= level:
                self._levels.append(bytearray())
            if number * HASH_SIZE != len(self._levels[level]):
                raise StoreError(f"node ({level}, {number}) is not the next one of its level")
            self._levels[level] += digest
