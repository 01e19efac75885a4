from __future__ import annotations

import numpy as np
import pytest

from trackrecord.errors import StoreError
from trackrecord.store.codec import decode_points, encode_points


def roundtrip(steps: np.ndarray, values: np.ndarray, times: np.ndarray) -> None:
    s, v, t = decode_points(encode_points(steps, values, times))
    assert s.dtype == np.int64 and v.dtype == np.float64 and t.dtype == np.int64
    np.testing.assert_array_equal(s, steps)
    np.testing.assert_array_equal(t, times)
    assert v.view(np.uint64).tolist() == values.view(np.uint64).tolist()  # bit-exact


@pytest.mark.parametrize("n", [0, 1, 2, 7, 1000, 40_000])
def test_roundtrip_sizes(n: int) -> None:
    rng = np.random.default_rng(n)
    roundtrip(
        np.arange(n, dtype=np.int64),
        rng.normal(size=n),
        1_700_000_000_000 + np.cumsum(rng.integers(0, 5, size=n)),
    )


def test_special_floats_and_irregular_steps_are_kept_bit_for_bit() -> None:
    values = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 5e-324, 1.7976931348623157e308])
    negative_nan = np.array([np.nan]).view(np.uint64) | np.uint64(1 << 63)
    values = np.append(values, negative_nan.view(np.float64))
    steps = np.array([5, 3, 9, 9, -2, 2**62, -(2**62), 0], dtype=np.int64)
    roundtrip(steps, values, np.array([0, -1, 2**40, 7, 7, 7, 0, 1], dtype=np.int64))


def test_regular_series_compress_well() -> None:
    n = 100_000
    i = np.arange(n)
    values = 1 / (1 + 0.001 * i) + np.random.default_rng(0).normal(size=n) * 0.01
    blob = encode_points(i.astype(np.int64), values, 1_700_000_000_000 + i // 3)
    assert len(blob) / n < 9  # raw is 24 bytes a point


def test_foreign_bytes_are_rejected() -> None:
    with pytest.raises(StoreError, match="format"):
        decode_points(b"NOPE" + bytes(20))
