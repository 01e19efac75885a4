"""Downsampling keeps every spike, whether built from raw points or chunk summaries."""

from __future__ import annotations

import numpy as np
import pytest

from trackrecord.store.series import Groups, bucketize, summarise_groups


def brute_force(steps: np.ndarray, values: np.ndarray, low: int, high: int, n: int) -> dict:
    width = max(1, -(-(high - low + 1) // n))
    out: dict[int, list[float]] = {}
    for s, v in zip(steps, values, strict=False):
        if low <= s <= high:
            out.setdefault(int((s - low) // width), []).append(float(v))
    return {b: (len(v), np.nanmin(v), np.nanmax(v)) for b, v in sorted(out.items())}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bucketize_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    steps = np.sort(rng.integers(0, 5000, size=3000)).astype(np.int64)
    values = rng.normal(size=3000)
    result = bucketize(Groups.of_points(steps, values), 100, 4000, 37)
    expected = brute_force(steps, values, 100, 4000, 37)
    assert result.count.tolist() == [c for c, _, _ in expected.values()]
    np.testing.assert_array_equal(result.min, [m for _, m, _ in expected.values()])
    np.testing.assert_array_equal(result.max, [m for _, _, m in expected.values()])


def test_a_single_spike_survives_summaries() -> None:
    steps = np.arange(100_000, dtype=np.int64)
    values = np.zeros(100_000)
    values[77_777] = 1e9
    groups = summarise_groups(steps, values, 512)
    assert len(groups.count) == 196
    buckets = bucketize(groups, 0, 99_999, 100)
    assert buckets.max.max() == 1e9
    assert int(buckets.count.sum()) == 100_000


def test_nan_is_ignored_by_min_max_but_all_nan_stays_nan() -> None:
    steps = np.arange(4, dtype=np.int64)
    buckets = bucketize(Groups.of_points(steps, np.array([np.nan, 2.0, np.nan, np.nan])), 0, 3, 2)
    assert buckets.min[0] == 2.0 and buckets.max[0] == 2.0
    assert np.isnan(buckets.min[1]) and np.isnan(buckets.max[1])
    assert np.isnan(buckets.first[0]) and buckets.count.tolist() == [2, 2]


def test_unsorted_steps_are_grouped_by_step() -> None:
    steps = np.array([5, 1, 3, 0, 4, 2], dtype=np.int64)
    values = steps.astype(float) * 10
    groups = summarise_groups(steps, values, 2)
    assert groups.step_start.tolist() == [0, 2, 4]
    assert groups.first.tolist() == [0.0, 20.0, 40.0]
    assert groups.last.tolist() == [10.0, 30.0, 50.0]


def test_groups_bytes_roundtrip() -> None:
    groups = summarise_groups(np.arange(10, dtype=np.int64), np.linspace(0, 1, 10), 3)
    back = Groups.from_bytes(groups.to_bytes())
    for field in ("step_start", "step_end", "count", "first", "last", "min", "max"):
        np.testing.assert_array_equal(getattr(back, field), getattr(groups, field))


def test_step_times_take_the_last_point_at_or_before_each_step() -> None:
    from trackrecord.store.series import Series, step_times

    # logged out of step order, with step 5 logged twice (the later time wins)
    series = Series("m", np.array([10, 5, 0, 5]), np.zeros(4), np.array([400, 200, 100, 300]))
    assert step_times(series, np.array([0, 4, 5, 9, 10, 99])).tolist() == [
        100, 100, 300, 300, 400, 400,
    ]  # fmt: skip
    assert step_times(series, np.array([-1])).tolist() == [-1]
    empty = Series("m", np.array([], np.int64), np.array([]), np.array([], np.int64))
    assert step_times(empty, np.array([3])).tolist() == [-1]
