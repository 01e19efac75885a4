from __future__ import annotations

from trackrecord.store.chunking import (
    CHUNK_POINTS,
    FANOUT,
    chunks_to_merge,
    level,
    lod_group_size,
    split,
)


def test_levels_grow_with_size_and_sealed_chunks_are_top() -> None:
    assert level(1) == 0 < level(FANOUT) < level(FANOUT**2) < level(CHUNK_POINTS)
    assert level(CHUNK_POINTS - 1) < level(CHUNK_POINTS) == level(10 * CHUNK_POINTS)


def test_merge_only_a_full_run_of_equal_levels() -> None:
    assert chunks_to_merge([1] * (FANOUT - 1)) == 0
    assert chunks_to_merge([1] * FANOUT) == FANOUT
    assert chunks_to_merge([CHUNK_POINTS] + [2] * FANOUT) == FANOUT
    assert chunks_to_merge([CHUNK_POINTS] * 20) == 0
    assert chunks_to_merge([1] * (FANOUT - 1) + [100]) == 0


def test_split_and_groups() -> None:
    assert split(0) == []
    assert split(CHUNK_POINTS + 1) == [(0, CHUNK_POINTS), (CHUNK_POINTS, CHUNK_POINTS + 1)]
    assert lod_group_size(1) == 1 and lod_group_size(CHUNK_POINTS) * 64 == CHUNK_POINTS
