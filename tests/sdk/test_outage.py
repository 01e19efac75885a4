"""A server that is down: the writer backs off instead of hammering it, and flushes still try."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import trackrecord
from trackrecord.outbox import event_batches
from trackrecord.record.events import Event, Points


class Refusing:
    """A TCP port that accepts each connection and closes it at once, counting them."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.uri = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.count = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return  # closed
            self.count += 1
            connection.close()


@pytest.fixture
def refusing() -> Iterator[Refusing]:
    server = Refusing()
    yield server
    server.sock.close()


def test_the_writer_backs_off_while_the_server_fails_and_a_flush_tries_at_once(
    tmp_path: Path, refusing: Refusing, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKRECORD_URI", refusing.uri)
    monkeypatch.delenv("TRACKRECORD_STRICT")  # the failure is the point: no raise at finish
    run = trackrecord.init("outage", dir=tmp_path, capture=False)
    opened = refusing.count  # init's own tries: recovery, and the start of the run
    for step in range(400):
        run.log({"loss": 1.0}, step=step)
        time.sleep(0.005)  # 2 s: 8 ticks of the writer, which would try 8 times without a pause
    tries = refusing.count - opened
    assert 1 <= tries <= 4, tries  # after 0.5 s, 1 s, 2 s ...
    assert not run.flush(timeout=5)
    assert refusing.count > opened + tries  # a flush tries now, whatever the pause
    run.finish()
    assert list((tmp_path / "spool" / run.id).glob("*.log"))  # kept for `trackrecord sync`


def event(seq: int, points: int = 0) -> Event:
    steps = np.arange(points, dtype=np.int64)
    columns = {"x": Points(steps, steps.astype(np.float64), steps)} if points else {}
    return Event("r", seq, "metrics", 0, "", {}, "", columns)


def test_events_are_sent_in_bounded_batches() -> None:
    assert [len(b) for b in event_batches([event(i) for i in range(5)], max_events=2)] == [2, 2, 1]
    big = [event(1, 1000), event(2, 1000), event(3, 10)]  # about 24 kB, 24 kB and 0.5 kB
    assert [len(b) for b in event_batches(big, max_bytes=30_000)] == [1, 2]
    assert list(event_batches([])) == []
    lines = {"lines": [[0, "stdout", "x" * 10_000]] * 2}  # bodies count too: about 20 kB each
    console = [Event("r", i, "console", 0, "", lines, "") for i in range(3)]
    assert [len(b) for b in event_batches(console, max_bytes=30_000)] == [1, 1, 1]
