"""Group commit: what concurrent callers submit is written together, in one transaction.

A caller that finds no write in progress becomes the *leader*: it takes every item
queued so far (at most ``limit``) and writes them in one call, while the callers that
arrive meanwhile queue up for the next write. Each caller returns only once its own
item is written (or raises what the write raised), so a caller may rely on its item
being durable when :meth:`GroupCommit.submit` returns. When a batch is done, the
leader hands the lead to the oldest caller still waiting, so no caller serves others
for long and nobody waits for a timer: under light load every batch is one item.

Example:
    >>> writes = []
    >>> batcher = GroupCommit(lambda items: writes.append(items) or [i * 2 for i in items])
    >>> batcher.submit(21), writes
    (42, [[21]])
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Sequence
from typing import Final, Generic, TypeVar

__all__ = ["DEFAULT_BATCH_LIMIT", "GroupCommit"]

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_BATCH_LIMIT: Final = 256
"""Most items written in one call."""


class _Waiting(Generic[T, R]):
    """One caller's item, and how its write ended."""

    __slots__ = ("done", "error", "item", "result", "wake")

    def __init__(self, item: T) -> None:
        self.item = item
        self.done = False
        self.result: R | None = None
        self.error: BaseException | None = None
        self.wake = threading.Event()  # set when done, or when handed the lead


class GroupCommit(Generic[T, R]):
    """Writes the items of concurrent :meth:`submit` calls in batches with *write*.

    *write* gets the items in the order they were submitted and returns one result per
    item, in the same order; it is called by one thread at a time. If it raises, every
    caller of that batch raises it (the first caller the original, the others a copy
    chained to it).
    """

    def __init__(
        self, write: Callable[[list[T]], Sequence[R]], limit: int = DEFAULT_BATCH_LIMIT
    ) -> None:
        if limit < 1:
            raise ValueError(f"a batch limit must be at least 1, not {limit}")
        self._write = write
        self._limit = limit
        self._lock = threading.Lock()
        self._queue: list[_Waiting[T, R]] = []
        self._writing = False

    @property
    def waiting(self) -> int:
        """Items submitted and not yet taken into a write."""
        with self._lock:
            return len(self._queue)

    def submit(self, item: T) -> R:
        """Write *item* (with whatever else is waiting); its result once it is written."""
        me: _Waiting[T, R] = _Waiting(item)
        with self._lock:
            self._queue.append(me)
            lead = not self._writing
            self._writing = True
        if not lead:
            me.wake.wait()  # until a leader wrote it, or handed this caller the lead
            if me.done:
                return self._outcome(me, leader=False)
        self._lead()  # a leader heads the queue: the batch holds its own item
        return self._outcome(me, leader=True)

    def _lead(self) -> None:
        """Write one batch from the head of the queue; then hand the lead on (or drop it)."""
        with self._lock:
            batch = self._queue[: self._limit]
            del self._queue[: self._limit]
        try:
            results = self._write([w.item for w in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"a batch of {len(batch)} items gave {len(results)} results")
            for waiting, result in zip(batch, results, strict=True):
                waiting.result = result
        except BaseException as exc:  # every caller of the batch learns why
            for waiting in batch:
                waiting.error = exc
        finally:
            for waiting in batch:
                waiting.done = True
            with self._lock:
                following = self._queue[0] if self._queue else None
                self._writing = following is not None
            for waiting in batch:
                waiting.wake.set()
            if following is not None:
                following.wake.set()  # not done: it leads the next batch

    @staticmethod
    def _outcome(me: _Waiting[T, R], leader: bool) -> R:
        error = me.error
        if error is None:
            return me.result  # type: ignore[return-value]  # set whenever error is not
        if leader:
            raise error
        try:  # the others raise a copy: one exception object raised in many threads at
            # once would collect a mixture of their tracebacks
            duplicate = copy.copy(error).with_traceback(None)
        except Exception:  # pragma: no cover - an exception class that cannot be copied
            raise error from None
        raise duplicate from error
