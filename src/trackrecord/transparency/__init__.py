"""A store-wide transparency log: chain heads in an append-only Merkle tree.

Each time a hash chain of the store grows (a run, a registry chain, the audit log),
its new head is appended to one Merkle log (:mod:`.leaves`). The store signs
*checkpoints* of the log (size, root hash, time) with a key kept outside the database
(:mod:`.keys`, :mod:`.checkpoint`), so whoever can only write the database cannot
forge one. Inclusion proofs show a head is in the log; consistency proofs show a later
log extends an earlier checkpoint, so nothing logged was removed, rewritten or rolled
back (:mod:`.merkle`, :mod:`.proofs`). A store keeps the log as a table of perfect
subtree hashes; appends touch ``O(log n)`` nodes and proofs read ``O(log n)``
(:mod:`.tree`). The format is described in ``docs/transparency-log.md``.

Hashing follows RFC 6962 / RFC 9162 §2.1 (domain-separated SHA-256 Merkle trees);
checkpoints follow the idea of Certificate Transparency's signed tree heads and
Sigstore Rekor's checkpoints, in TrackRecord's canonical JSON.

Only :mod:`.keys` and :mod:`.checkpoint` need ``cryptography``, and only when a key
is loaded or a signature checked.
"""

from __future__ import annotations

from trackrecord.transparency.checkpoint import (
    Checkpoint,
    SignedCheckpoint,
    parse_checkpoint,
    read_checkpoint_file,
    sign_checkpoint,
    verify_checkpoint,
    write_checkpoint_file,
)
from trackrecord.transparency.keys import (
    CheckpointKey,
    checkpoint_keys_dir,
    load_or_create_key,
    store_checkpoint_key,
)
from trackrecord.transparency.leaves import CHAIN_KINDS, ChainHead, head_problems, latest_heads
from trackrecord.transparency.merkle import (
    EMPTY_ROOT,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from trackrecord.transparency.proofs import ConsistencyProof, InclusionProof
from trackrecord.transparency.tree import (
    Frontier,
    MemoryTree,
    Node,
    NodeReader,
    NodeStore,
    append_leaves,
    consistency_proof,
    inclusion_proof,
    tree_root,
)

__all__ = [
    "CHAIN_KINDS",
    "EMPTY_ROOT",
    "ChainHead",
    "Checkpoint",
    "CheckpointKey",
    "ConsistencyProof",
    "Frontier",
    "InclusionProof",
    "MemoryTree",
    "Node",
    "NodeReader",
    "NodeStore",
    "SignedCheckpoint",
    "append_leaves",
    "checkpoint_keys_dir",
    "consistency_proof",
    "head_problems",
    "inclusion_proof",
    "latest_heads",
    "leaf_hash",
    "load_or_create_key",
    "node_hash",
    "parse_checkpoint",
    "read_checkpoint_file",
    "root_from_leaf_hashes",
    "sign_checkpoint",
    "store_checkpoint_key",
    "tree_root",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
    "write_checkpoint_file",
]
