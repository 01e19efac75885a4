"""Merkle hashing and proofs agree with the RFCs' definitions, for every size, and reject
every wrong leaf, index, size, root or proof."""

from __future__ import annotations

import hashlib
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.transparency.reference import (
    h_leaf,
    mth,
    path,
    proof,
    rfc9162_verify_consistency,
    rfc9162_verify_inclusion,
)
from trackrecord.errors import InvalidValueError
from trackrecord.transparency.merkle import (
    EMPTY_ROOT,
    LeafRange,
    consistency_ranges,
    inclusion_ranges,
    leaf_hash,
    node_hash,
    range_positions,
    root_from_consistency_proof,
    root_from_inclusion_proof,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from trackrecord.transparency.tree import MemoryTree, consistency_proof, inclusion_proof, tree_root

SMALL = 70
Small = tuple[tuple[bytes, ...], MemoryTree]
SLOW_OK = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

# The eight leaves of the test data that Certificate Transparency implementations share
# (RFC 6962 style trees of 1..8 leaves), and the roots they publish for them.
CT_LEAVES = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
             bytes(range(0x50, 0x58)), bytes(range(0x60, 0x70))]  # fmt: skip
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def leaves_of(n: int, salt: int = 0) -> tuple[bytes, ...]:
    return tuple(h_leaf(f"{salt}:{i}".encode()) for i in range(n))


def tree_of(leaves: tuple[bytes, ...]) -> MemoryTree:
    tree = MemoryTree()
    for leaf in leaves:
        tree.append(leaf)
    return tree


@pytest.fixture(scope="module")
def small() -> Small:
    leaves = leaves_of(SMALL)
    return leaves, tree_of(leaves)


def test_the_hashes_are_domain_separated_sha256() -> None:
    assert EMPTY_ROOT.hex() == hashlib.sha256(b"").hexdigest()
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert (
        node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    )
    assert root_from_leaf_hashes([]) == EMPTY_ROOT
    # a leaf's hash is never a node's hash over the same bytes
    assert leaf_hash(b"a" * 64) != node_hash(b"a" * 32, b"a" * 32)


@pytest.mark.parametrize("size", range(1, 9))
def test_the_roots_of_the_certificate_transparency_test_data(size: int) -> None:
    leaves = [leaf_hash(data) for data in CT_LEAVES[:size]]
    assert root_from_leaf_hashes(leaves).hex() == CT_ROOTS[size - 1]
    assert tree_root(tree_of(tuple(leaves)), size).hex() == CT_ROOTS[size - 1]


def test_the_proof_shapes_of_the_rfc_6962_example_tree() -> None:
    """RFC 6962 §2.1.3: the seven-leaf tree a..g; leaf pairs g=ab, h=cd, i=ef; k=gh, l=ij."""
    a_to_g = {"a": (0, 1), "b": (1, 2), "c": (2, 3), "d": (3, 4), "f": (5, 6), "j": (6, 7),
              "g": (0, 2), "h": (2, 4), "i": (4, 6), "k": (0, 4), "l": (4, 7)}  # fmt: skip
    named = {LeafRange(*r): name for name, r in a_to_g.items()}
    assert [named[r] for r in inclusion_ranges(0, 7)] == ["b", "h", "l"]
    assert [named[r] for r in inclusion_ranges(3, 7)] == ["c", "g", "l"]
    assert [named[r] for r in inclusion_ranges(4, 7)] == ["f", "j", "k"]
    assert [named[r] for r in inclusion_ranges(6, 7)] == ["i", "k"]
    assert [named[r] for r in consistency_ranges(3, 7)] == ["c", "d", "g", "l"]
    assert [named[r] for r in consistency_ranges(4, 7)] == ["l"]
    assert [named[r] for r in consistency_ranges(6, 7)] == ["i", "j", "k"]


def test_every_root_up_to_70_leaves_matches_the_rfc_definition(small: Small) -> None:
    leaves, tree = small
    for n in range(SMALL + 1):
        expected = mth(leaves[:n])
        assert root_from_leaf_hashes(leaves[:n]) == expected
        assert tree_root(tree, n) == expected


def test_every_inclusion_proof_up_to_70_leaves_is_the_rfc_audit_path(small: Small) -> None:
    leaves, tree = small
    for n in range(1, SMALL + 1):
        root = mth(leaves[:n])
        for i in range(n):
            audit = inclusion_proof(tree, i, n)
            assert audit == path(i, leaves[:n]), (i, n)
            assert len(audit) <= math.ceil(math.log2(n))
            assert verify_inclusion(leaves[i], i, n, audit, root)
            assert rfc9162_verify_inclusion(leaves[i], i, n, audit, root)


def test_every_consistency_proof_up_to_70_leaves_is_the_rfc_proof(small: Small) -> None:
    leaves, tree = small
    for n in range(1, SMALL + 1):
        new_root = mth(leaves[:n])
        for m in range(1, n + 1):
            old_root = mth(leaves[:m])
            shown = consistency_proof(tree, m, n)
            assert shown == proof(m, leaves[:n]), (m, n)
            assert len(shown) <= math.ceil(math.log2(n)) + 1
            assert verify_consistency(m, n, old_root, new_root, shown)
            assert rfc9162_verify_consistency(m, n, old_root, new_root, shown)
            assert root_from_consistency_proof(m, n, old_root, shown) == (old_root, new_root)


def test_every_tree_extends_the_empty_tree() -> None:
    leaves = leaves_of(5)
    assert consistency_ranges(0, 5) == []
    assert verify_consistency(0, 5, EMPTY_ROOT, mth(leaves), [])
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(0, 5, mth(leaves[:1]), mth(leaves), [])
    assert not verify_consistency(0, 5, EMPTY_ROOT, mth(leaves), [mth(leaves)])
    assert not verify_consistency(0, 0, EMPTY_ROOT, mth(leaves), [])


def test_a_wrong_leaf_index_size_or_root_fails_inclusion(small: Small) -> None:
    leaves, tree = small
    for n in range(1, SMALL + 1, 3):
        root = mth(leaves[:n])
        for i in range(n):
            audit = inclusion_proof(tree, i, n)
            assert not verify_inclusion(leaves[(i + 1) % SMALL], i, n, audit, root)
            assert not verify_inclusion(leaves[i], i, n, audit, mth(leaves_of(n, salt=1)))
            for j in range(n + 2):
                if j != i:
                    assert not verify_inclusion(leaves[i], j, n, audit, root), (i, j, n)
            for other in range(i + 1, SMALL + 1):
                if other != n:
                    assert not verify_inclusion(leaves[i], i, other, audit, mth(leaves[:other]))


def test_a_changed_missing_or_extra_proof_hash_fails(small: Small) -> None:
    leaves, tree = small
    for n, i in [(1, 0), (2, 1), (7, 3), (64, 63), (70, 5), (70, 69)]:
        root, audit = mth(leaves[:n]), inclusion_proof(tree, i, n)
        for k in range(len(audit)):
            bent = list(audit)
            bent[k] = bytes([bent[k][0] ^ 1]) + bent[k][1:]
            assert not verify_inclusion(leaves[i], i, n, bent, root)
            assert not verify_inclusion(leaves[i], i, n, audit[:k] + audit[k + 1 :], root)
        assert not verify_inclusion(leaves[i], i, n, [*audit, root], root)
        assert not verify_inclusion(leaves[i], i, n, [b"short", *audit[1:]], root)


def test_a_wrong_root_size_or_proof_fails_consistency(small: Small) -> None:
    leaves, tree = small
    for n in range(2, SMALL + 1, 5):
        for m in range(1, n):
            old_root, new_root = mth(leaves[:m]), mth(leaves[:n])
            shown = consistency_proof(tree, m, n)
            other = mth(leaves_of(m, salt=1))
            assert not verify_consistency(m, n, other, new_root, shown)
            assert not verify_consistency(m, n, old_root, other, shown)
            assert not verify_consistency(n, m, new_root, old_root, shown)
            assert not verify_consistency(m, n + 1, old_root, mth(leaves[: n + 1]), shown)
            for k in range(len(shown)):
                bent = list(shown)
                bent[k] = bytes(32)
                assert not verify_consistency(m, n, old_root, new_root, bent), (m, n, k)
            assert not verify_consistency(m, n, old_root, new_root, [*shown, old_root])


def test_a_rewritten_old_leaf_breaks_consistency() -> None:
    leaves = leaves_of(40)
    forged = (*leaves[:10], h_leaf(b"forged"), *leaves[11:])
    forged_tree = tree_of(forged)
    for m in range(11, 40):
        shown = consistency_proof(forged_tree, m, 40)
        assert not verify_consistency(m, 40, mth(leaves[:m]), mth(forged), shown)


def test_malformed_arguments_raise_invalid_value_errors() -> None:
    leaf = leaf_hash(b"x")
    with pytest.raises(InvalidValueError, match="not in a tree of 3"):
        inclusion_ranges(3, 3)
    with pytest.raises(InvalidValueError, match="cannot extend"):
        consistency_ranges(5, 4)
    with pytest.raises(InvalidValueError, match="integer"):
        inclusion_ranges(-1, 3)
    with pytest.raises(InvalidValueError, match="integer"):
        inclusion_ranges(True, 3)
    with pytest.raises(InvalidValueError, match="has 2 hashes, this one has 0"):
        root_from_inclusion_proof(leaf, 0, 3, [])
    with pytest.raises(InvalidValueError, match="32-byte"):
        root_from_inclusion_proof(b"x", 0, 1, [])
    with pytest.raises(InvalidValueError, match="from 1 to 5"):
        root_from_consistency_proof(1, 5, leaf, [])
    with pytest.raises(InvalidValueError, match="not aligned"):
        range_positions(1, 3)
    assert not verify_inclusion(leaf, 0, 2**64, [], leaf)
    assert not verify_consistency(1, 2**64, leaf, leaf, [])


@settings(SLOW_OK, max_examples=150)
@given(n=st.integers(71, 3000), data=st.data())
def test_random_larger_trees_agree_with_the_rfc_definitions(n: int, data: st.DataObject) -> None:
    leaves = leaves_of(n, salt=n)
    tree = tree_of(leaves)
    i = data.draw(st.integers(0, n - 1), label="index")
    m = data.draw(st.integers(1, n), label="old size")
    root = mth(leaves)
    assert tree.root() == root == tree_root(tree, n)
    audit = inclusion_proof(tree, i, n)
    assert audit == path(i, leaves)
    assert len(audit) <= math.ceil(math.log2(n))
    assert verify_inclusion(leaves[i], i, n, audit, root)
    shown = consistency_proof(tree, m, n)
    assert shown == proof(m, leaves)
    assert len(shown) <= math.ceil(math.log2(n)) + 1
    assert verify_consistency(m, n, mth(leaves[:m]), root, shown)


@pytest.fixture(scope="module")
def big() -> MemoryTree:
    return tree_of(leaves_of(200_003, salt=7))


@settings(SLOW_OK, max_examples=200)
@given(data=st.data())
def test_proofs_in_a_tree_of_200_thousand_leaves(big: MemoryTree, data: st.DataObject) -> None:
    n = data.draw(st.integers(1, big.size), label="size")
    i = data.draw(st.integers(0, n - 1), label="index")
    m = data.draw(st.integers(1, n), label="old size")
    leaf = h_leaf(f"7:{i}".encode())
    root, old_root = tree_root(big, n), tree_root(big, m)
    audit = inclusion_proof(big, i, n)
    assert len(audit) <= math.ceil(math.log2(n)) if n > 1 else audit == []
    assert verify_inclusion(leaf, i, n, audit, root)
    assert rfc9162_verify_inclusion(leaf, i, n, audit, root)
    shown = consistency_proof(big, m, n)
    assert verify_consistency(m, n, old_root, root, shown)
    assert rfc9162_verify_consistency(m, n, old_root, root, shown)
    if m < n:
        assert not verify_consistency(m, n, root, root, shown)
        assert not verify_inclusion(leaf, i, n, audit, old_root)


@settings(SLOW_OK, max_examples=300)
@given(
    m=st.integers(1, 200),
    n=st.integers(1, 200),
    hashes=st.lists(st.binary(min_size=32, max_size=32), max_size=12),
    roots=st.tuples(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32)),
)
def test_our_verifiers_agree_with_rfc_9162_on_arbitrary_proofs(
    m: int, n: int, hashes: list[bytes], roots: tuple[bytes, bytes]
) -> None:
    """On random input both say no, and on a proof built to pass both say yes."""
    old_root, new_root = roots
    assert verify_consistency(m, n, old_root, new_root, hashes) == rfc9162_verify_consistency(
        m, n, old_root, new_root, hashes
    )
    i = m - 1
    ours = verify_inclusion(old_root, i, n, hashes, new_root) if i < n else False
    assert ours == rfc9162_verify_inclusion(old_root, i, n, hashes, new_root)
    if i < n and len(hashes) == len(inclusion_ranges(i, n)):
        made = root_from_inclusion_proof(old_root, i, n, hashes)
        assert verify_inclusion(old_root, i, n, hashes, made)
        assert rfc9162_verify_inclusion(old_root, i, n, hashes, made)
