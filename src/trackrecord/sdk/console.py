"""Console capture: what the training process prints, recorded with timestamps.

``sys.stdout`` and ``sys.stderr`` are wrapped in a tee that forwards every write
unchanged to the original stream (the user sees the same output, in the same
order) and also cuts the text into lines. A partial line waits for its newline
or a ``flush()``. A background thread submits the lines as ``console`` events::

    {"lines": [[time_ms, "stdout" | "stderr", text], ...]}

every :data:`BATCH_SECONDS` or :data:`BATCH_LINES` lines, whichever comes first;
the writer spools them within its own interval, so a crash loses about the last
second. Caps: a line over :data:`MAX_LINE` characters is cut with a marker; after
:data:`MAX_LINES` lines the rest is counted, not recorded, and one note line says
how many were left out. Bytes written to ``sys.stdout.buffer`` pass through
unrecorded. Recording never raises into the user's ``print``.

Only the capture that installed a tee takes it out: when another run (or the user)
wrapped the stream after us, our tee stays in place as a plain pass-through.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from trackrecord.errors import TrackRecordWarning

__all__ = [
    "BATCH_LINES",
    "BATCH_SECONDS",
    "MAX_LINE",
    "MAX_LINES",
    "ConsoleCapture",
    "ConsoleLine",
]

BATCH_SECONDS = 0.75
"""Seconds between submissions; with the writer's 0.25 s this spools a line within ~1 s."""
BATCH_LINES = 1000
MAX_LINE = 10_000
MAX_LINES = 100_000
STREAMS = ("stdout", "stderr")

Submit = Callable[[str, Mapping[str, Any]], None]


@dataclass(frozen=True)
class ConsoleLine:
    """One recorded line: *time* in milliseconds since the Unix epoch, *stream*
    ``"stdout"`` or ``"stderr"``, *text* without its newline."""

    time: int
    stream: str
    text: str


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class ConsoleCapture:
    """Tees ``sys.stdout``/``sys.stderr`` into ``console`` events until :meth:`stop`.

    Example:
        >>> capture = ConsoleCapture(writer.submit, run.id)  # doctest: +SKIP
        >>> capture.start(); print("hello"); capture.stop()  # doctest: +SKIP
    """

    def __init__(self, submit: Submit, run_id: str) -> None:
        self.submit, self.run_id = submit, run_id
        self.lines_seen = 0  # every complete line, recorded or not
        self.failure: BaseException | None = None
        self._lock = threading.RLock()  # re-entered by a signal handler that prints
        self._pending: list[list[Any]] = []
        self._recorded = 0
        self._tees: dict[str, _Tee] = {}
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(
            target=self._loop, name=f"trackrecord-console-{run_id}", daemon=True
        )

    def start(self) -> None:
        """Wrap the streams and start submitting lines."""
        for name in STREAMS:
            original = getattr(sys, name)
            if original is None:  # pythonw and some services have no console
                continue
            tee = _Tee(_unwrap(original), name, self)
            self._tees[name] = tee
            setattr(sys, name, tee)
        self._thread.start()

    def stop(self) -> None:
        """Record the partial lines, restore the streams, submit the rest; safe to call twice."""
        if self._stopping:
            return
        with self._lock:
            self._stopping = True
            for name, tee in self._tees.items():
                tee.end_partial_line()
                tee.recording = False  # passes through from now on
                if getattr(sys, name) is tee:
                    setattr(sys, name, _unwrap(tee.original))
        self._wake.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(5.0)
        self._submit_pending()  # whatever came after the thread's last round
        left_out = self.lines_seen - self._recorded
        if left_out > 0:
            note = (
                f"[trackrecord: console recording stopped after {MAX_LINES:,} lines; "
                f"{left_out:,} more lines were printed but not recorded]"
            )
            self.submit("console", {"lines": [[_now_ms(), "stderr", note]]})

    def record(self, stream: str, lines: Iterable[str]) -> None:
        """Keep complete *lines* of *stream* (called by the tees under the lock)."""
        now = _now_ms()
        for text in lines:
            self.lines_seen += 1
            if self._recorded >= MAX_LINES:
                continue
            self._recorded += 1
            if text.endswith("\r"):
                text = text[:-1]
            if len(text) > MAX_LINE:
                text = f"{text[:MAX_LINE]}… [cut: {len(text) - MAX_LINE:,} more characters]"
            self._pending.append([now, stream, text])
        if len(self._pending) >= BATCH_LINES:
            self._wake.set()

    def report(self, exc: BaseException) -> None:
        """Stop recording after an internal failure, warning once; output still passes."""
        if self.failure is not None:
            return
        self.failure = exc
        for tee in self._tees.values():
            tee.recording = False
        with contextlib.suppress(Warning):
            warnings.warn(
                f"TrackRecord stopped recording the console of run {self.run_id}: "
                f"{type(exc).__name__}: {exc}. Output is still printed; turn recording off "
                f"with trackrecord.init(..., capture_console=False) or TRACKRECORD_CONSOLE=0",
                TrackRecordWarning,
                stacklevel=2,
            )

    def _loop(self) -> None:
        while not self._stopping:
            self._wake.wait(BATCH_SECONDS)
            self._wake.clear()
            try:
                self._submit_pending()
            except Exception as exc:  # e.g. a bug; the user's output still flows
                self.report(exc)
                return

    def _submit_pending(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        for start in range(0, len(pending), BATCH_LINES):
            batch = pending[start : start + BATCH_LINES]
            for line in batch:
                line[2] = _encodable(line[2])
            self.submit("console", {"lines": batch})


def _encodable(text: str) -> str:
    """*text* with lone surrogates and NUL replaced, so the event encodes as UTF-8 and
    every store holds it (PostgreSQL text cannot hold NUL)."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def _unwrap(stream: Any) -> Any:
    """The stream beneath tees that no longer record (left behind by finished runs)."""
    while isinstance(stream, _Tee) and not stream.recording:
        stream = stream.original
    return stream


class _Tee:
    """A text stream that forwards to *original* and records complete lines."""

    def __init__(self, original: TextIO, stream: str, capture: ConsoleCapture) -> None:
        self.original, self.stream, self.capture = original, stream, capture
        self.recording = True
        self._partial: list[str] = []
        self._partial_size = 0
        _live_tees.add(self)

    def write(self, text: str) -> int:
        written = self.original.write(text)
        if self.recording and isinstance(text, str):
            try:
                self._cut_lines(text)
            except Exception as exc:  # never into the user's print
                self.capture.report(exc)  # stops recording first: its warning cannot recurse
        return written

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self.original.flush()
        if self.recording and self._partial:
            try:
                self.end_partial_line()
            except Exception as exc:
                self.capture.report(exc)

    def isatty(self) -> bool:
        return self.original.isatty()

    def fileno(self) -> int:
        return self.original.fileno()

    @property
    def encoding(self) -> str:
        return self.original.encoding

    @property
    def buffer(self) -> Any:
        return self.original.buffer  # bytes written here are shown, not recorded

    def __getattr__(self, name: str) -> Any:
        if name == "original":  # not set yet (copy, pickle): no recursion
            raise AttributeError(name)
        return getattr(self.original, name)

    def end_partial_line(self) -> None:
        """Record the text waiting for its newline as a line of its own."""
        with self.capture._lock:
            if self._partial:
                line = "".join(self._partial)
                self._partial, self._partial_size = [], 0
                self.capture.record(self.stream, [line])

    def _cut_lines(self, text: str) -> None:
        with self.capture._lock:
            if "\n" not in text:
                if self._partial_size <= MAX_LINE:  # beyond that the line is cut anyway
                    self._partial.append(text)
                self._partial_size += len(text)
                return
            parts = text.split("\n")
            if self._partial:
                parts[0] = "".join([*self._partial, parts[0]])
                self._partial, self._partial_size = [], 0
            self.capture.record(self.stream, parts[:-1])
            if parts[-1]:
                self._partial.append(parts[-1])
                self._partial_size = len(parts[-1])


_live_tees: weakref.WeakSet[_Tee] = weakref.WeakSet()


def _stop_recording_in_child() -> None:
    """A forked child does not own its parent's run: its output only passes through."""
    for tee in list(_live_tees):
        tee.recording = False


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_stop_recording_in_child)
