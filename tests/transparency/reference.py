"""Brute-force references, written from the RFCs' definitions, to test the log against.

- :func:`mth`, :func:`path`, :func:`proof`: RFC 6962 §2.1 (the recursive definitions
  of the Merkle Tree Hash, PATH and PROOF/SUBPROOF), over leaf hashes.
- :func:`rfc9162_verify_inclusion`, :func:`rfc9162_verify_consistency`: the step-by-step
  verification algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2, a second, independent
  verifier to compare ours with.

Slow and plain on purpose: no shared code with ``trackrecord.transparency``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache


def h_leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def h_node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@lru_cache(maxsize=200_000)
def mth(leaves: tuple[bytes, ...]) -> bytes:
    """MTH(D[n]) over leaf hashes."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = split(n)
    return h_node(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: tuple[bytes, ...]) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf m."""
    n = len(leaves)
    if n == 1:
        return []
    k = split(n)
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def _subproof(m: int, leaves: tuple[bytes, ...], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [mth(leaves)]
    k = split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete), mth(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def proof(m: int, leaves: tuple[bytes, ...]) -> list[bytes]:
    """PROOF(m, D[n]) for 0 < m <= n (empty when m == n)."""
    return _subproof(m, leaves, True)


def _shift_while_lsb_clear(fn: int, sn: int) -> tuple[int, int]:
    while fn & 1 == 0 and fn != 0:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def rfc9162_verify_inclusion(
    leaf: bytes, index: int, size: int, audit: Sequence[bytes], root: bytes
) -> bool:
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in audit:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = h_node(p, r)
            fn, sn = _shift_while_lsb_clear(fn, sn)
        else:
            r = h_node(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def rfc9162_verify_consistency(
    first: int, second: int, first_hash: bytes, second_hash: bytes, consistency: Sequence[bytes]
) -> bool:
    if not 0 < first <= second:
        return False
    if first == second:
        return not consistency and first_hash == second_hash
    items = list(consistency)
    if first & (first - 1) == 0:  # a power of two
        items.insert(0, first_hash)
    if not items:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = items[0]
    for c in items[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = h_node(c, fr), h_node(c, sr)
            fn, sn = _shift_while_lsb_clear(fn, sn)
        else:
            sr = h_node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_hash and sr == second_hash and sn == 0
