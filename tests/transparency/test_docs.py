"""docs/transparency-log.md stays true: its examples are what the code writes, and the
auditor's verifier it prints agrees with ours."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.transparency.reference import h_leaf
from trackrecord.transparency.checkpoint import Checkpoint
from trackrecord.transparency.keys import KEYS_DIR_VARIABLE
from trackrecord.transparency.leaves import ChainHead
from trackrecord.transparency.merkle import EMPTY_ROOT, verify_consistency, verify_inclusion
from trackrecord.transparency.tree import MemoryTree, consistency_proof, inclusion_proof

GUIDE = Path(__file__).parents[2] / "docs" / "transparency-log.md"


def blocks(language: str) -> list[str]:
    text = GUIDE.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.M | re.S)


@pytest.fixture(scope="module")
def auditor() -> dict[str, Callable[..., Any]]:
    """The guide's Python block, run on its own (standard library only)."""
    (code,) = blocks("python")
    namespace: dict[str, Any] = {}
    exec(compile(code, str(GUIDE), "exec"), namespace)
    return namespace


def test_the_examples_are_what_the_code_writes() -> None:
    texts = blocks("text")
    (leaf,) = (t for t in texts if '"kind":"run"' in t)
    (message,) = (t for t in texts if '"type":"trackrecord/checkpoint"' in t)
    assert (
        leaf.strip().encode() == ChainHead("run", "01jabc", 42, "ab" * 32, 1700000000000).encode()
    )
    checkpoint = Checkpoint("store-1", 8, message.split('"root":"')[1][:64], 1800000000000)
    assert message.strip().encode() == checkpoint.message()
    text = GUIDE.read_text(encoding="utf-8")
    assert EMPTY_ROOT.hex() in text and hashlib.sha256(b"").hexdigest() == EMPTY_ROOT.hex()
    assert KEYS_DIR_VARIABLE in text and "~/.config/trackrecord/checkpoint-keys/" in text


def test_the_guides_verifier_accepts_every_proof_we_make(auditor: dict[str, Any]) -> None:
    leaves = [h_leaf(str(i).encode()) for i in range(40)]
    tree = MemoryTree()
    roots = [tree.root()]
    for leaf in leaves:
        tree.append(leaf)
        roots.append(tree.root())
    for n in range(1, 41):
        for i in range(n):
            audit = inclusion_proof(tree, i, n)
            assert auditor["verify_inclusion"](leaves[i], i, n, audit, roots[n])
            assert not auditor["verify_inclusion"](leaves[i], i, n, audit, roots[n - 1])
        for m in range(n + 1):
            shown = consistency_proof(tree, m, n)
            assert auditor["verify_consistency"](m, n, roots[m], roots[n], shown)
            if 0 < m < n:
                assert not auditor["verify_consistency"](m, n, roots[m - 1], roots[n], shown)
                assert not auditor["verify_consistency"](m, n, roots[m], roots[n], shown[1:])


def test_the_guides_verifier_agrees_with_ours_on_bent_proofs(auditor: dict[str, Any]) -> None:
    leaves = [h_leaf(str(i).encode()) for i in range(24)]
    tree = MemoryTree()
    for leaf in leaves:
        tree.append(leaf)
    root = tree.root()
    for i in range(24):
        audit = inclusion_proof(tree, i, 24)
        for bent in (audit[:-1], [*audit, root], [root, *audit[1:]]):
            assert auditor["verify_inclusion"](leaves[i], i, 24, bent, root) == verify_inclusion(
                leaves[i], i, 24, bent, root
            )
    for m in range(25):
        for n in range(m, 25):
            old, new = MemoryTree(), MemoryTree()
            for leaf in leaves[:n]:
                new.append(leaf)
            for leaf in leaves[:m]:
                old.append(leaf)
            shown = consistency_proof(tree, m, n)
            for bent in (shown, shown[:-1], [*shown, root], [root, *shown[1:]]):
                ours = verify_consistency(m, n, old.root(), new.root(), bent)
                assert auditor["verify_consistency"](m, n, old.root(), new.root(), bent) == ours
