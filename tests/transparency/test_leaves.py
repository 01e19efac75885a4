"""Log leaves: one canonical encoding an auditor can recompute, strict decoding, and the
check that every logged head is still in its chain."""

from __future__ import annotations

import contextlib
import hashlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.transparency.strategies import json_values
from trackrecord.errors import InvalidValueError
from trackrecord.transparency.leaves import CHAIN_KINDS, ChainHead, head_problems, latest_heads

HASH = "ab" * 32
heads = st.builds(
    ChainHead,
    kind=st.sampled_from(CHAIN_KINDS),
    chain=st.text(
        st.characters(categories=["L", "N", "P", "S"], include_characters=" "),
        min_size=1,
        max_size=40,
    ),
    seq=st.integers(1, 2**63 - 1),
    hash=st.text("0123456789abcdef", min_size=64, max_size=64),
    time=st.integers(0, 2**63 - 1),
)


def test_a_leaf_is_canonical_json_hashed_with_the_leaf_prefix() -> None:
    head = ChainHead("run", "01jabc", 42, HASH, 1700000000000)
    expected = (
        '{"chain":"01jabc","hash":"' + HASH + '","kind":"run","seq":42,"time":1700000000000,"v":1}'
    ).encode()
    assert head.encode() == expected
    assert head.leaf_hash() == hashlib.sha256(b"\x00" + expected).digest()
    assert ChainHead("registry", "registry:crédit", 1, HASH, 0).encode().decode("utf-8") == (
        '{"chain":"registry:crédit","hash":"' + HASH + '","kind":"registry","seq":1,"time":0,"v":1}'
    )


@given(heads)
def test_decoding_gives_back_the_leaf(head: ChainHead) -> None:
    assert ChainHead.decode(head.encode()) == head


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff", "not JSON"),
        (b"[]", "exactly the fields"),
        (b'{"chain":"c","hash":"' + HASH.encode() + b'","kind":"run","seq":1,"time":0}',
         "exactly the fields"),
        (b'{"chain":"c","hash":"' + HASH.encode() + b'","kind":"run","seq":1,"time":0,"v":2}',
         "version 2"),
        (b'{"chain":"c","hash":"' + HASH.encode() + b'","kind":"run","seq":1,"time":0,"v":true}',
         "version True"),
        (b'{"chain":"c","hash":"' + HASH.encode() + b'","kind":"vault","seq":1,"time":0,"v":1}',
         "kind is one of run, registry, audit"),
        (b'{"chain":"c","hash":"' + HASH.encode() + b'","kind":"run","seq":0,"time":0,"v":1}',
         "seq must be an integer from 1"),
        (b'{"chain":"c","hash":"' + HASH.encode() + b'","kind":"run","seq":1.0,"time":0,"v":1}',
         "seq must be an integer"),
        (b'{"chain":"c","hash":"' + HASH.encode() + b'","kind":"run","seq":true,"time":0,"v":1}',
         "seq must be an integer"),
        (b'{"chain":"c","hash":"' + HASH.upper().encode() + b'","kind":"run","seq":1,"time":0,'
         b'"v":1}', "64 lowercase"),
        (b'{"chain":"","hash":"' + HASH.encode() + b'","kind":"run","seq":1,"time":0,"v":1}',
         "chain id"),
        (b'{"chain":7,"hash":"' + HASH.encode() + b'","kind":"run","seq":1,"time":0,"v":1}',
         "chain id"),
        (b'{"chain":"\\ud800","hash":"' + HASH.encode() + b'","kind":"run","seq":1,"time":0,'
         b'"v":1}', "printable UTF-8"),
        (b'{"chain":"a\\nb","hash":"' + HASH.encode() + b'","kind":"run","seq":1,"time":0,'
         b'"v":1}', "printable UTF-8"),
        (b'{"kind":"run","chain":"c","hash":"' + HASH.encode() + b'","seq":1,"time":0,"v":1}',
         "canonical form"),
        (b'{"chain": "c","hash":"' + HASH.encode() + b'","kind":"run","seq":1,"time":0,"v":1}',
         "canonical form"),
        (b"{" + b" " * 5000 + b"}", "at most 4096 bytes"),
    ],
)  # fmt: skip
def test_anything_but_a_canonical_leaf_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(InvalidValueError, match=message):
        ChainHead.decode(data)


@given(json_values)
def test_arbitrary_json_never_crashes_the_decoder(value: object) -> None:
    with contextlib.suppress(InvalidValueError):
        ChainHead.decode(json.dumps(value).encode())


def test_latest_heads_keeps_each_chains_last_leaf() -> None:
    a1, b1, a2 = (ChainHead("run", c, s, HASH, s) for c, s in [("a", 1), ("b", 1), ("a", 5)])
    audit = ChainHead("audit", "a", 3, HASH, 0)
    assert latest_heads([a1, b1, a2, audit]) == {
        ("run", "a"): a2, ("run", "b"): b1, ("audit", "a"): audit,
    }  # fmt: skip


def test_head_problems_name_deleted_truncated_and_rewritten_chains() -> None:
    stored = {("run", "kept", 1): "11" * 32, ("run", "kept", 2): "22" * 32,
              ("run", "cut", 1): "33" * 32, ("registry", "registry:m", 1): "99" * 32}  # fmt: skip
    leaves = [
        ChainHead("run", "kept", 1, "11" * 32, 1),
        ChainHead("run", "gone", 4, "44" * 32, 2),
        ChainHead("run", "cut", 1, "33" * 32, 3),
        ChainHead("run", "cut", 2, "55" * 32, 4),
        ChainHead("registry", "registry:m", 1, "66" * 32, 5),
        ChainHead("run", "kept", 2, "22" * 32, 6),
    ]
    problems = head_problems(leaves, lambda kind, chain, seq: stored.get((kind, chain, seq)))
    assert problems == [
        f"run chain gone: event 4 was logged (hash {'44' * 8}…) but is no longer stored "
        "(the chain was deleted or truncated)",
        f"run chain cut: event 2 was logged (hash {'55' * 8}…) but is no longer stored "
        "(the chain was deleted or truncated)",
        f"registry chain registry:m: event 1 has hash {'99' * 8}…, the log recorded "
        f"{'66' * 8}… (the chain was rewritten)",
    ]
    assert head_problems(leaves[:1] + leaves[-1:], lambda *k: stored.get(k)) == []


def test_a_logged_head_that_goes_back_is_reported() -> None:
    leaves = [ChainHead("audit", "audit", 5, HASH, 1), ChainHead("audit", "audit", 3, HASH, 2)]
    assert head_problems(leaves, lambda *k: HASH) == [
        "audit chain audit: the log records head 3 after head 5 (a chain only grows)"
    ]
