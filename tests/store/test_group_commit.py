"""Group commit: concurrent callers share one write, and each returns once its item is written."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from trackrecord.errors import StoreError
from trackrecord.store.sql.group_commit import GroupCommit, WriterThread


def _wait_until(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_callers_arriving_during_a_write_share_the_next_one() -> None:
    release = threading.Event()
    batches: list[list[int]] = []

    def write(items: list[int]) -> list[int]:
        if not batches:
            release.wait(10)  # the first write is slow: the others queue behind it
        batches.append(items)
        return [i * 10 for i in items]

    batcher = GroupCommit(write)
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(batcher.submit, 0)
        _wait_until(lambda: batcher.waiting == 0 and not first.done())  # 0 is being written
        rest = [pool.submit(batcher.submit, i) for i in range(1, 8)]
        _wait_until(lambda: batcher.waiting == 7)
        assert not any(f.done() for f in [first, *rest])  # nobody answered before its write
        release.set()
        assert [f.result(10) for f in [first, *rest]] == [i * 10 for i in range(8)]
    assert batches[0] == [0]
    assert sorted(batches[1]) == list(range(1, 8))  # one write for all seven
    assert len(batches) == 2


def test_a_batch_holds_at_most_the_limit() -> None:
    release = threading.Event()
    batches: list[list[int]] = []

    def write(items: list[int]) -> list[int]:
        if not batches:
            release.wait(10)
        batches.append(items)
        return items

    batcher = GroupCommit(write, limit=3)
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(batcher.submit, 0)
        _wait_until(lambda: batcher.waiting == 0 and not first.done())
        rest = [pool.submit(batcher.submit, i) for i in range(1, 8)]
        _wait_until(lambda: batcher.waiting == 7)
        release.set()
        assert sorted(f.result(10) for f in [first, *rest]) == list(range(8))
    assert [len(b) for b in batches] == [1, 3, 3, 1]
    assert sorted(i for b in batches for i in b) == list(range(8))


def test_every_caller_of_a_failed_write_raises_and_later_writes_go_on() -> None:
    release = threading.Event()
    calls: list[list[int]] = []

    def write(items: list[int]) -> list[int]:
        calls.append(items)
        if len(calls) == 1:
            release.wait(10)
            return items
        if len(calls) == 2:
            raise StoreError("the database went away")
        return items

    batcher = GroupCommit(write)
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(batcher.submit, 0)
        _wait_until(lambda: batcher.waiting == 0 and not first.done())
        failing = [pool.submit(batcher.submit, i) for i in range(1, 5)]
        _wait_until(lambda: batcher.waiting == 4)
        release.set()
        assert first.result(10) == 0
        for future in failing:
            with pytest.raises(StoreError, match="went away"):
                future.result(10)
        assert batcher.submit(9) == 9  # not stuck: the next caller leads a new write
    assert calls[1] == [1, 2, 3, 4] and calls[2] == [9]


def test_a_write_that_loses_results_fails_its_callers() -> None:
    batcher: GroupCommit[int, int] = GroupCommit(lambda items: [])
    with pytest.raises(RuntimeError, match="1 items gave 0 results"):
        batcher.submit(1)


def test_many_threads_each_get_their_own_result() -> None:
    batches: list[int] = []

    def write(items: list[int]) -> list[int]:
        batches.append(len(items))
        time.sleep(0.001)
        return [-i for i in items]

    batcher = GroupCommit(write)
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(batcher.submit, range(2000)))
    assert results == [-i for i in range(2000)]
    assert sum(batches) == 2000


# -- WriterThread: the same, by a thread of its own, with futures ---------------------------


def test_the_writer_thread_batches_what_queues_during_a_write_in_order() -> None:
    began, release = threading.Event(), threading.Event()
    batches: list[list[int]] = []

    def write(items: list[int]) -> list[int]:
        if not batches:
            began.set()
            release.wait(10)
        batches.append(items)
        return [i * 10 for i in items]

    writer: WriterThread[int, int] = WriterThread(write, limit=3)
    first = writer.submit(0)
    assert began.wait(10)  # the first write has begun, and waits
    assert writer.flush(0) is False
    rest = [writer.submit(i) for i in range(1, 6)]
    release.set()
    assert [f.result(10) for f in [first, *rest]] == [0, 10, 20, 30, 40, 50]
    assert batches == [[0], [1, 2, 3], [4, 5]]
    writer.close()


def test_every_item_of_a_failed_write_fails_and_later_writes_go_on() -> None:
    def write(items: list[int]) -> list[int]:
        if 13 in items:
            raise StoreError("the database is down")
        return items

    writer: WriterThread[int, int] = WriterThread(write, limit=1)
    failed = writer.submit(13)
    with pytest.raises(StoreError, match="down"):
        failed.result(10)
    assert writer.submit(14).result(10) == 14
    writer.close()


def test_flush_waits_for_every_item_and_close_writes_what_is_queued() -> None:
    written: list[int] = []

    def write(items: list[int]) -> list[int]:
        time.sleep(0.01)
        written.extend(items)
        return items

    writer: WriterThread[int, int] = WriterThread(write, limit=4)
    futures = [writer.submit(i) for i in range(20)]
    assert writer.flush(10) is True
    assert written == list(range(20)) and all(f.done() for f in futures)
    more = [writer.submit(i) for i in range(20, 30)]
    writer.close(10)  # shutdown: what was queued is written first
    assert written == list(range(30)) and all(f.done() for f in more)
    with pytest.raises(RuntimeError, match="closed"):
        writer.submit(31)
