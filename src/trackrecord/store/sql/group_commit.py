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

import collections
import copy
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Final, Generic, TypeVar

__all__ = ["DEFAULT_BATCH_LIMIT", "GroupCommit", "WriterThread"]

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
        # the others raise a copy: one exception object raised in many threads at once
        # would collect a mixture of their tracebacks
        raise _duplicate(error)


def _duplicate(error: BaseException) -> BaseException:
    """A copy of *error* without its traceback, caused by it (*error* itself if it cannot
    be copied)."""
    try:
        duplicate = copy.copy(error).with_traceback(None)
    except Exception:  # pragma: no cover - an exception class that cannot be copied
        return error
    duplicate.__cause__ = error
    return duplicate


class WriterThread(Generic[T, R]):
    """Group commit by one thread of its own: :meth:`submit` queues an item and returns a
    future at once; the thread writes whatever is queued (at most *limit* items) in one call
    of *write*, then the next batch, in order, and settles each item's future with its
    result or with what the write raised.

    Unlike :class:`GroupCommit`, no caller's thread waits or writes, so an asyncio caller
    awaits the future (``asyncio.wrap_future``) without a trip to a worker thread. The
    thread starts with the first item; :meth:`close` writes what is queued, then ends it.

    Example:
        >>> writer = WriterThread(lambda items: [i * 2 for i in items])
        >>> writer.submit(21).result()
        42
        >>> writer.close()
    """

    def __init__(
        self, write: Callable[[list[T]], Sequence[R]], limit: int = DEFAULT_BATCH_LIMIT,
        name: str = "trackrecord-writer",
    ) -> None:  # fmt: skip
        if limit < 1:
            raise ValueError(f"a batch limit must be at least 1, not {limit}")
        self._write = write
        self._limit = limit
        self._name = name
        self._lock = threading.Lock()
        self._queued: collections.deque[tuple[T, Future[R]]] = collections.deque()
        self._wake = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self._closed = False
        self._busy = 0  # items taken from the queue and not yet settled

    def submit(self, item: T) -> Future[R]:
        """Queue *item*; the future of its result (RuntimeError once closed)."""
        future: Future[R] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the writer is closed: nothing more can be written")
            self._queued.append((item, future))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._wake.notify()
        return future

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything submitted so far is written (or its write failed);
        False if *timeout* seconds passed first."""
        with self._lock:
            return self._wake.wait_for(lambda: not self._queued and not self._busy, timeout)

    def close(self, timeout: float | None = None) -> None:
        """Write what is queued, then stop the thread; later submits raise."""
        with self._lock:
            self._closed = True
            self._wake.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                self._wake.wait_for(lambda: self._queued or self._closed)
                if not self._queued:  # closed, and all written
                    return
                batch = [self._queued.popleft()
                         for _ in range(min(self._limit, len(self._queued)))]  # fmt: skip
                self._busy = len(batch)
            self._settle(batch)
            with self._lock:
                self._busy = 0
                self._wake.notify_all()  # flush() waiters

    def _settle(self, batch: list[tuple[T, Future[R]]]) -> None:
        try:
            results = self._write([item for item, _ in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"a batch of {len(batch)} items gave {len(results)} results")
        except BaseException as exc:  # every caller of the batch learns why (each its own
            # copy: one exception object raised in many places collects their tracebacks)
            for n, (_, future) in enumerate(batch):
                future.set_exception(exc if n == 0 else _duplicate(exc))
            return
        for (_, future), result in zip(batch, results, strict=True):
            future.set_result(result)
