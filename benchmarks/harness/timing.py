"""Wall-clock timing and the statistics the report uses."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Stopwatch:
    """Elapsed seconds of one timed block, read after the block ends."""

    def __init__(self) -> None:
        self.seconds = 0.0


@contextmanager
def timed() -> Iterator[Stopwatch]:
    """Time a block with `time.perf_counter`: `with timed() as t: ...; t.seconds`."""
    watch = Stopwatch()
    start = time.perf_counter()
    try:
        yield watch
    finally:
        watch.seconds = time.perf_counter() - start


def median(samples: list[float]) -> float:
    """Median of the repetitions; the report shows medians only."""
    return statistics.median(samples)
