"""How a metric series is cut into chunks, and when small chunks are merged.

Each batch of points a writer ships becomes new chunks at the end of the
series (at most :data:`CHUNK_POINTS` points each). A slow run ships a few
points at a time, so small chunks are merged as they pile up, like a log-
structured merge tree: a chunk's *level* grows with its size, and whenever the
last :data:`FANOUT` chunks share a level below the top they are merged into
one. Each point is rewritten only a handful of times, and a series never has
more than about ``FANOUT * levels`` small chunks at its end.

Example:
    >>> level(1), level(100), level(CHUNK_POINTS)
    (0, 2, 5)
    >>> chunks_to_merge([1, 1, 1, 1, 1, 1, 1, 1])
    8
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

__all__ = ["CHUNK_POINTS", "FANOUT", "LOD_GROUPS", "chunks_to_merge", "lod_group_size", "split"]

CHUNK_POINTS: Final = 32768
"""Largest number of points in one chunk; a chunk this full is sealed."""
FANOUT: Final = 8
LOD_GROUPS: Final = 64
"""Groups kept in a chunk's level of detail (see :mod:`trackrecord.store.series`)."""

_TOP: Final = 5


def level(count: int) -> int:
    """0 for fewer than 8 points, 1 below 64, ... and the top level when sealed."""
    if count >= CHUNK_POINTS:
        return _TOP
    lvl, bound = 0, FANOUT
    while count >= bound and lvl < _TOP - 1:
        lvl, bound = lvl + 1, bound * FANOUT
    return lvl


def chunks_to_merge(trailing_counts: Sequence[int]) -> int:
    """How many of the last chunks to merge (0 = none); counts are oldest first."""
    if not trailing_counts:
        return 0
    last = level(trailing_counts[-1])
    if last == _TOP:
        return 0
    run = 0
    for count in reversed(trailing_counts):
        if level(count) != last:
            break
        run += 1
    return run if run >= FANOUT else 0


def split(total: int) -> list[tuple[int, int]]:
    """Cut *total* points into (start, stop) slices of at most CHUNK_POINTS."""
    return [(s, min(s + CHUNK_POINTS, total)) for s in range(0, total, CHUNK_POINTS)]


def lod_group_size(count: int) -> int:
    """Points per level-of-detail group for a chunk of *count* points."""
    return max(1, -(-count // LOD_GROUPS))
