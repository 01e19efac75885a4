"""Metric series read back from a store, and downsampling that hides no spike.

A chart asks for a series in N buckets of equal step width. Each bucket keeps
the count, the step range, and the first, last, minimum and maximum value of
the points in it, so a one-point spike always shows as a bucket's min or max.

To answer without reading every point, each stored chunk keeps a small
*level of detail*: its points in step order cut into groups of equal count,
each group summarised the same way (see :func:`summarise_groups`). A bucket
wider than a chunk's groups is built from those summaries; a narrower one
(zoomed in) from the raw points of the few chunks in range.

Example:
    >>> import numpy as np
    >>> steps = np.arange(1000, dtype=np.int64); values = np.zeros(1000); values[500] = 9.0
    >>> b = bucketize(Groups.of_points(steps, values), 0, 999, 10)
    >>> float(b.max.max()), int(b.count.sum())
    (9.0, 1000)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Buckets", "Groups", "Series", "bucketize", "step_times", "summarise_groups"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Series:
    """A metric's points as columnar numpy arrays, in the order they were logged.

    ``times`` are wall-clock milliseconds since the Unix epoch.
    """

    key: str
    steps: IntArray
    values: FloatArray
    times: IntArray

    def __len__(self) -> int:
        return int(self.steps.shape[0])


@dataclass(frozen=True)
class Groups:
    """Summaries of runs of points (a group of one is a single point)."""

    step_start: IntArray
    step_end: IntArray
    count: IntArray
    first: FloatArray
    last: FloatArray
    min: FloatArray
    max: FloatArray

    @classmethod
    def of_points(cls, steps: IntArray, values: FloatArray) -> Groups:
        """Each point as its own group."""
        return cls(
            steps, steps, np.ones(len(steps), dtype=np.int64), values, values, values, values
        )

    @classmethod
    def concat(cls, parts: list[Groups]) -> Groups:
        """Join groups from several chunks."""
        if not parts:
            empty_i, empty_f = np.empty(0, np.int64), np.empty(0, np.float64)
            return cls(empty_i, empty_i, empty_i, empty_f, empty_f, empty_f, empty_f)
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in _FIELDS))

    def to_bytes(self) -> bytes:
        """Pack as little-endian columns (the chunk's level-of-detail blob)."""
        return b"".join(_column_bytes(getattr(self, f)) for f in _FIELDS)

    @classmethod
    def from_bytes(cls, blob: bytes) -> Groups:
        """Inverse of :meth:`to_bytes`."""
        n = len(blob) // (8 * len(_FIELDS))
        cols = [
            np.frombuffer(
                blob, dtype="<i8" if f in _INT_FIELDS else "<f8", count=n, offset=i * 8 * n
            )
            for i, f in enumerate(_FIELDS)
        ]
        return cls(*cols)

    def take(self, order: IntArray) -> Groups:
        """Reorder (or select) groups."""
        return Groups(*(getattr(self, f)[order] for f in _FIELDS))


@dataclass(frozen=True)
class Buckets(Groups):
    """A downsampled series: one entry per non-empty bucket, in step order.

    ``step_start``/``step_end`` are the lowest and highest step of the points
    in the bucket; ``first``/``last`` the values at those steps; ``min``/``max``
    ignore NaN (NaN only when every point in the bucket is NaN).
    """

    key: str = ""

    def __len__(self) -> int:
        return int(self.count.shape[0])


_FIELDS = ("step_start", "step_end", "count", "first", "last", "min", "max")
_INT_FIELDS = frozenset(("step_start", "step_end", "count"))


def _column_bytes(column: npt.NDArray[np.generic]) -> bytes:
    dtype = "<i8" if column.dtype.kind in "iu" else "<f8"
    return np.ascontiguousarray(column, dtype=dtype).tobytes()


def _step_order(steps: IntArray) -> IntArray:
    if len(steps) < 2 or bool((steps[1:] >= steps[:-1]).all()):
        return np.arange(len(steps), dtype=np.int64)
    return np.argsort(steps, kind="stable").astype(np.int64)


def _reduce(groups: Groups, starts: IntArray) -> tuple[FloatArray, FloatArray]:
    with np.errstate(invalid="ignore"):
        return np.fmin.reduceat(groups.min, starts), np.fmax.reduceat(groups.max, starts)


def _merge(groups: Groups, starts: IntArray) -> Groups:
    """Merge consecutive groups; *starts* are the indexes where each merged group begins."""
    ends = np.append(starts[1:], len(groups.count)) - 1
    low, high = _reduce(groups, starts)
    return Groups(
        groups.step_start[starts],
        np.maximum.reduceat(groups.step_end, starts),
        np.add.reduceat(groups.count, starts),
        groups.first[starts],
        groups.last[ends],
        low,
        high,
    )


def summarise_groups(steps: IntArray, values: FloatArray, size: int) -> Groups:
    """Cut points (sorted by step) into groups of *size* points and summarise each."""
    order = _step_order(steps)
    points = Groups.of_points(steps[order], values[order])
    starts = np.arange(0, len(steps), max(size, 1), dtype=np.int64)
    return _merge(points, starts) if len(steps) else points


def bucketize(groups: Groups, low: int, high: int, buckets: int, key: str = "") -> Buckets:
    """Aggregate groups whose first step lies in ``[low, high]`` into equal-width buckets."""
    inside = (groups.step_start >= low) & (groups.step_start <= high)
    selected = groups.take(np.flatnonzero(inside).astype(np.int64))
    selected = selected.take(_step_order(selected.step_start))
    width = max(1, -(-(high - low + 1) // max(buckets, 1)))
    index = (selected.step_start - low) // width
    starts = np.flatnonzero(np.diff(index, prepend=-1)).astype(np.int64)
    merged = _merge(selected, starts) if len(index) else selected
    return Buckets(**{f: getattr(merged, f) for f in _FIELDS}, key=key)


def step_times(series: Series, steps: IntArray) -> IntArray:
    """The wall-clock time (ms) of the point logged last at each of *steps* in *series*
    (the nearest earlier step's, for a step with no point; -1 before the first point).

    Example:
        >>> s = Series("loss", np.array([0, 5, 10]), np.zeros(3), np.array([100, 150, 200]))
        >>> step_times(s, np.array([5, 7, 10])).tolist()
        [150, 150, 200]
    """
    if len(series) == 0:
        return np.full(len(steps), -1, dtype=np.int64)
    order = np.lexsort((series.times, series.steps))  # by step, then by time
    sorted_steps, sorted_times = series.steps[order], series.times[order]
    at = np.searchsorted(sorted_steps, steps, side="right") - 1
    return np.where(at >= 0, sorted_times[np.clip(at, 0, None)], -1).astype(np.int64)
