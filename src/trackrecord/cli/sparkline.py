"""Metric series as terminal charts of unicode blocks (``▁▂▃▄▅▆▇█``).

Each column is one bucket of a downsampled series (:class:`~trackrecord.store.series.Buckets`)
and spans the bucket's range, from its minimum up to its maximum, so a
one-point spike is as tall as its value, whatever the bucket width. One row
high, a column shows the bucket's maximum; several rows high, a column is a
bar from the row of its minimum to its maximum, so dips show too.

Example:
    >>> import numpy as np
    >>> sparkline(np.array([0.0, 1.0, 0.0]), np.array([0.0, 9.0, 0.0]))
    ['▁█▁']
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = ["BLOCKS", "sparkline"]

BLOCKS: Final = "▁▂▃▄▅▆▇█"
_STEPS: Final = len(BLOCKS)

FloatArray = npt.NDArray[np.float64]


def _scale(values: FloatArray, low: float, high: float, levels: int) -> npt.NDArray[np.int64]:
    """Map values to 0..levels (0: the lowest value, *levels*: the highest)."""
    clipped = np.clip(np.nan_to_num(values, nan=low, posinf=high, neginf=low), low, high)
    if high <= low:
        return np.full(len(values), levels // 2, dtype=np.int64)
    return np.rint((clipped - low) / (high - low) * levels).astype(np.int64)


def _bounds(lows: FloatArray, highs: FloatArray) -> tuple[float, float]:
    finite = np.concatenate([lows[np.isfinite(lows)], highs[np.isfinite(highs)]])
    if not len(finite):
        return 0.0, 0.0
    return float(finite.min()), float(finite.max())


def _cell(bottom: int, top: int, row: int) -> str:
    """The character of *row* (0 = lowest) for a bar covering levels (bottom, top]."""
    floor, ceiling = row * _STEPS, (row + 1) * _STEPS
    if top <= floor or bottom >= ceiling:
        return " "
    # A block char fills from the bottom of its cell, so a bar's lowest cell is drawn
    # from the cell's bottom: the bar may look up to one row longer below, never shorter.
    return BLOCKS[min(top, ceiling) - floor - 1]


def sparkline(lows: FloatArray, highs: FloatArray, height: int = 1) -> list[str]:
    """Lines of a chart (top line first), one column per (low, high) pair.

    Values are scaled between the smallest and largest finite value; NaN-only
    buckets are blank, ±inf are drawn at the bottom or top.
    """
    low, high = _bounds(lows, highs)
    levels = height * _STEPS
    nan = np.isnan(lows) & np.isnan(highs)
    # level of a value in 1..levels: the lowest value still gets a one-eighth block
    tops = _scale(highs, low, high, levels - 1) + 1
    bottoms = _scale(lows, low, high, levels - 1)
    if height == 1:
        bottoms = np.zeros_like(bottoms)
    lines = []
    for row in reversed(range(height)):
        chars = [
            " " if nan[i] else _cell(int(bottoms[i]), int(tops[i]), row) for i in range(len(tops))
        ]
        lines.append("".join(chars))
    return lines
