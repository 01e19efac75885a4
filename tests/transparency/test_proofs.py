"""Proofs against signed checkpoints, as an auditor runs them: a head is in the log, a
later log extends a checkpoint; a deleted run, a rewritten log and a roll-back are caught."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from trackrecord.errors import InvalidValueError
from trackrecord.transparency import (
    ChainHead,
    Checkpoint,
    ConsistencyProof,
    InclusionProof,
    MemoryTree,
    head_problems,
    parse_checkpoint,
    sign_checkpoint,
    store_checkpoint_key,
    tree_root,
    verify_checkpoint,
)
from trackrecord.transparency.leaves import ChainKind

T0 = 1_800_000_000_000


def head(chain: str, seq: int, kind: ChainKind = "run") -> ChainHead:
    digest = f"{seq:02x}{chain[:1].encode().hex()}" * 16
    return ChainHead(kind, chain, seq, digest, T0 + seq)


def log_of(heads: list[ChainHead]) -> MemoryTree:
    tree = MemoryTree()
    for h in heads:
        tree.append(h.leaf_hash())
    return tree


def checkpoint(tree: MemoryTree, size: int | None = None) -> Checkpoint:
    n = tree.size if size is None else size
    return Checkpoint("store-1", n, tree_root(tree, n).hex(), T0 + n)


HEADS = [head("a", 1), head("b", 1), head("a", 2), head("audit", 1, "audit"), head("c", 1),
         head("b", 2), head("a", 3), head("registry:m", 1, "registry")]  # fmt: skip


def test_an_inclusion_proof_shows_a_head_at_a_checkpoint() -> None:
    tree = log_of(HEADS)
    at = checkpoint(tree)
    for index, logged in enumerate(HEADS):
        proof = InclusionProof.build(tree, index, tree.size)
        assert InclusionProof.from_json(json.loads(json.dumps(proof.to_json()))) == proof
        proof.check(logged, at)
    proof = InclusionProof.build(tree, 2, tree.size)
    with pytest.raises(InvalidValueError, match="head 3 of run chain a is not leaf 2"):
        proof.check(HEADS[6], at)
    with pytest.raises(InvalidValueError, match="ask for a proof at the checkpoint's size"):
        proof.check(HEADS[2], checkpoint(tree, 5))


def test_a_consistency_proof_shows_a_later_log_extends_a_checkpoint() -> None:
    tree = log_of(HEADS)
    for old in range(tree.size + 1):
        proof = ConsistencyProof.build(tree, old, tree.size)
        assert ConsistencyProof.from_json(proof.to_json()) == proof
        proof.check(checkpoint(tree, old), checkpoint(tree))


def test_a_deleted_run_cannot_be_hidden_from_an_earlier_checkpoint() -> None:
    """Mallory deletes run 'b' and rebuilds the log without its heads: the checkpoint an
    auditor kept outside the store no longer follows from the new log."""
    kept = checkpoint(log_of(HEADS[:6]))
    rebuilt = log_of([h for h in HEADS if h.chain != "b"] + [head("d", 1), head("d", 2)])
    proof = ConsistencyProof.build(rebuilt, kept.size, rebuilt.size)
    with pytest.raises(InvalidValueError, match="removed or rewritten"):
        proof.check(kept, checkpoint(rebuilt))


def test_a_truncated_chain_is_reported_by_the_heads_the_log_kept() -> None:
    stored = {(h.kind, h.chain, h.seq): h.hash for h in HEADS if (h.chain, h.seq) != ("a", 3)}
    problems = head_problems(HEADS, lambda kind, chain, seq: stored.get((kind, chain, seq)))
    assert problems == [
        f"run chain a: event 3 was logged (hash {HEADS[6].hash[:16]}…) but is no longer "
        "stored (the chain was deleted or truncated)"
    ]


def test_a_rolled_back_store_is_caught() -> None:
    tree = log_of(HEADS)
    proof = ConsistencyProof.build(tree, 5, 5)
    with pytest.raises(InvalidValueError, match="fewer than the 8 of the earlier checkpoint"):
        proof.check(checkpoint(tree), checkpoint(tree, 5))


def test_checkpoints_of_another_store_or_another_span_do_not_match() -> None:
    tree = log_of(HEADS)
    proof = ConsistencyProof.build(tree, 3, 8)
    other = Checkpoint("store-2", 8, checkpoint(tree).root, T0)
    with pytest.raises(InvalidValueError, match="of two stores"):
        proof.check(checkpoint(tree, 3), other)
    with pytest.raises(
        InvalidValueError, match="goes from 3 to 8 leaves, the checkpoints are at 4"
    ):
        proof.check(checkpoint(tree, 4), checkpoint(tree))


@pytest.mark.parametrize(
    "obj",
    [None, [], {"index": 0, "size": 1}, {"index": -1, "size": 1, "path": []},
     {"index": 0, "size": True, "path": []}, {"index": 0, "size": 1, "path": ["AB" * 32]},
     {"index": 0, "size": 1, "path": "00"}, {"index": 0, "size": 1, "path": [], "x": 1},
     {"index": 0, "size": 1, "path": ["00" * 32] * 200}],
)  # fmt: skip
def test_a_malformed_inclusion_proof_is_refused(obj: Any) -> None:
    with pytest.raises(InvalidValueError):
        InclusionProof.from_json(obj)


def test_a_malformed_consistency_proof_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="exactly the fields"):
        ConsistencyProof.from_json({"old_size": 1, "size": 2, "path": []})
    with pytest.raises(InvalidValueError, match="old_size is an integer"):
        ConsistencyProof.from_json({"old_size": "1", "new_size": 2, "path": []})


def test_an_auditor_checks_a_kept_checkpoint_file_against_the_grown_log(tmp_path: Path) -> None:
    """The whole round: sign and export at 6 leaves, grow to 8, sign again, then verify
    both signatures with the pinned public key and the consistency proof between them."""
    key = store_checkpoint_key("store-1", tmp_path)
    pinned = key.public_key
    tree = log_of(HEADS[:6])
    kept = tmp_path / "kept.json"
    kept.write_text(sign_checkpoint(checkpoint(tree), key).to_text())
    for h in HEADS[6:]:
        tree.append(h.leaf_hash())
    latest = sign_checkpoint(checkpoint(tree), key)
    old = verify_checkpoint(parse_checkpoint(kept.read_text()), pinned)
    new = verify_checkpoint(parse_checkpoint(latest.to_text()), pinned)
    ConsistencyProof.build(tree, old.size, new.size).check(old, new)
    InclusionProof.build(tree, 7, new.size).check(HEADS[7], new)
