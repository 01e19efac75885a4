"""In-memory metric buffers: the only work ``run.log()`` does in the training loop.

``add`` checks the values and appends them to per-key Python lists under a
lock (a few hundred nanoseconds); the background writer swaps the lists out and
turns them into numpy columns (``drain``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from trackrecord.errors import InvalidValueError
from trackrecord.record.events import Points
from trackrecord.values import INT64_MAX, INT64_MIN, check_key, check_step, to_metric_value

__all__ = ["MetricBuffers", "Refused"]

_Columns = tuple[list[int], list[float], list[float]]
Refused = Callable[[str, dict[str, list[Any]], Exception], None]
"""Told about a key whose buffered columns cannot be stored: its key, columns and the error."""


class MetricBuffers:
    """Per-key columns of (step, value, wall time) waiting for the writer.

    When a call leaves out ``step``, it gets one more than the largest step
    logged so far in the run (0 for the first).
    """

    def __init__(self, next_step: int = 0) -> None:
        self.next_step = next_step
        self._lock = threading.Lock()
        self._columns: dict[str, _Columns] = {}
        self._known: set[str] = set()

    def add(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        """Buffer one value per key at *step* (raises InvalidValueError, buffering nothing)."""
        now = time.time()
        if step is None:
            step = self.next_step
            if step > INT64_MAX:
                raise InvalidValueError(
                    f"the automatic step would be {step}, past the largest step {INT64_MAX}; "
                    f"pass step= explicitly"
                )
        elif type(step) is not int or not INT64_MIN <= step <= INT64_MAX:
            step = check_step(step)  # a numpy or other integer, or one that raises
        try:
            items = metrics.items()
        except AttributeError:
            raise InvalidValueError(
                f"log() takes a dict of metric names to numbers, such as {{'loss': 0.25}}, "
                f"not a {type(metrics).__name__}"
            ) from None
        with self._lock:
            columns = self._columns
            added: list[_Columns] = []
            try:
                for key, value in items:
                    col = columns.get(key)
                    if col is None:
                        col = columns[key] = self._new_key(key)
                    if type(value) is not float:
                        value = to_metric_value(key, value)
                    col[0].append(step)
                    col[1].append(value)
                    col[2].append(now)
                    added.append(col)
            except Exception:  # a bad value, or a tensor whose __float__ raised: undo the call
                for col in added:
                    for column in col:
                        column.pop()
                raise
        if step >= self.next_step:
            self.next_step = step + 1

    def _new_key(self, key: str) -> _Columns:
        if key not in self._known:
            self._known.add(check_key(key))
        return [], [], []

    def drain(self, refused: Refused | None = None) -> dict[str, Points]:
        """Take everything buffered so far as numpy columns, keyed by metric.

        A key whose columns do not convert (which the checks in :meth:`add` should make
        impossible) is handed to *refused* with the error, and the other keys go on.
        """
        with self._lock:
            columns, self._columns = self._columns, {}
        drained = {}
        for key, (steps, values, times) in columns.items():
            # an interrupt (Ctrl-C, SIGTERM) may have cut an add() short
            del steps[len(times) :], values[len(times) :]
            if not steps:
                continue
            try:
                drained[key] = Points(
                    np.array(steps, dtype=np.int64),
                    np.array(values, dtype=np.float64),
                    (np.array(times, dtype=np.float64) * 1000).astype(np.int64),
                )
            except (OverflowError, ValueError, TypeError) as exc:
                if refused is None:
                    raise
                refused(key, {"steps": steps, "values": values, "times": times}, exc)
        return drained
