"""The node table and frontier: batched appends write each node once, a SQL table serves
as a NodeStore, proofs read O(log n) nodes, and a damaged table is a StoreError."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.transparency.reference import h_leaf, mth, path, proof
from trackrecord.errors import InvalidValueError, StoreError
from trackrecord.transparency.merkle import EMPTY_ROOT, NodePosition
from trackrecord.transparency.tree import (
    Frontier,
    MemoryTree,
    Node,
    append_leaves,
    consistency_proof,
    frontier_positions,
    inclusion_proof,
    tree_root,
)


class SqliteNodes:
    """A NodeStore over a SQLite table, as the embedded store will keep it; counts reads."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE TABLE log_nodes (level INTEGER NOT NULL, number INTEGER NOT NULL, "
            "hash BLOB NOT NULL, PRIMARY KEY (level, number)) WITHOUT ROWID"
        )
        self.reads = 0

    def read_nodes(self, positions: Sequence[NodePosition]) -> list[bytes]:
        self.reads += len(positions)
        found = {}
        for level, number in set(positions):
            row = self.db.execute(
                "SELECT hash FROM log_nodes WHERE level = ? AND number = ?", (level, number)
            ).fetchone()
            if row is not None:
                found[level, number] = row[0]
        return [found[p] for p in positions if p in found]

    def write_nodes(self, nodes: Sequence[Node]) -> None:
        self.db.executemany("INSERT INTO log_nodes VALUES (?, ?, ?)", nodes)


def leaves_of(n: int) -> tuple[bytes, ...]:
    return tuple(h_leaf(i.to_bytes(8, "big")) for i in range(n))


def test_a_frontier_is_one_root_per_set_bit_of_the_size() -> None:
    assert frontier_positions(0) == []
    assert frontier_positions(6) == [(2, 0), (1, 2)]
    assert frontier_positions(7) == [(2, 0), (1, 2), (0, 6)]
    assert frontier_positions(8) == [(3, 0)]
    assert len(frontier_positions(2**40 - 1)) == 40


def test_appending_yields_each_completed_node_once() -> None:
    frontier = Frontier()
    made = frontier.extend(leaves_of(8))
    assert [(n.level, n.number) for n in made] == [
        (0, 0), (0, 1), (1, 0), (0, 2), (0, 3), (1, 1), (2, 0),
        (0, 4), (0, 5), (1, 2), (0, 6), (0, 7), (1, 3), (2, 1), (3, 0),
    ]  # fmt: skip
    assert frontier.size == 8 and frontier.hashes == (mth(leaves_of(8)),)
    assert Frontier().root() == EMPTY_ROOT


@settings(max_examples=60, deadline=None)
@given(batches=st.lists(st.integers(0, 40), min_size=1, max_size=8))
def test_batched_appends_to_a_sql_table_give_the_rfc_roots_and_proofs(batches: list[int]) -> None:
    store, size = SqliteNodes(), 0
    leaves = leaves_of(sum(batches))
    for count in batches:
        frontier = append_leaves(store, size, leaves[size : size + count])
        size += count
        assert frontier.size == size
        assert frontier.root() == mth(leaves[:size]) == tree_root(store, size)
    rows = store.db.execute("SELECT count(*) FROM log_nodes").fetchone()[0]
    assert rows == 2 * size - size.bit_count()  # every perfect subtree, once
    for i in range(size):
        assert inclusion_proof(store, i, size) == path(i, leaves[:size])
    for m in range(1, size + 1):
        assert consistency_proof(store, m, size) == proof(m, leaves[:size])


def test_proofs_read_logarithmically_many_nodes() -> None:
    store = SqliteNodes()
    n = 5000
    append_leaves(store, 0, leaves_of(n))
    worst = 0
    for i in range(0, n, 7):
        store.reads = 0
        inclusion_proof(store, i, n)
        worst, store.reads = max(worst, store.reads), 0
        consistency_proof(store, i + 1, n)
        worst = max(worst, store.reads)
    # a proof has at most log2(n) + 1 hashes and only its one range along the ragged right
    # edge folds several perfect subtrees (at most log2(n)): reads stay O(log n)
    assert worst <= 2 * math.ceil(math.log2(n)) + 1


def test_memory_tree_and_append_leaves_agree() -> None:
    tree = MemoryTree()
    for leaf in leaves_of(10):
        tree.append(leaf)
    frontier = append_leaves(tree, tree.size, leaves_of(13)[10:])
    assert tree.size == 13 and tree.root() == frontier.root() == mth(leaves_of(13))
    assert tree.append(h_leaf(b"x")) == 13
    assert tree.root() == mth((*leaves_of(13), h_leaf(b"x")))


def test_a_missing_or_damaged_node_is_a_store_error() -> None:
    store = SqliteNodes()
    append_leaves(store, 0, leaves_of(9))
    with pytest.raises(StoreError, match="has no node"):
        tree_root(MemoryTree(), 3)
    store.db.execute("DELETE FROM log_nodes WHERE level = 3")
    with pytest.raises(StoreError, match="damaged"):
        tree_root(store, 9)
    store.db.execute("UPDATE log_nodes SET hash = x'00' WHERE level = 0 AND number = 8")
    with pytest.raises(StoreError, match="damaged"):
        append_leaves(store, 9, [h_leaf(b"y")])


def test_a_frontier_of_the_wrong_shape_or_leaf_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="3 leaves has 2 frontier hashes, not 1"):
        Frontier(3, [bytes(32)])
    with pytest.raises(InvalidValueError, match="32 bytes"):
        Frontier().append(b"short")
    with pytest.raises(StoreError, match="not the next one"):
        MemoryTree().write_nodes([Node(0, 5, bytes(32))])
