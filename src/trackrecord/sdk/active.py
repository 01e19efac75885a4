"""The active run, module-level logging functions, and ending runs at exit.

Runs started by :func:`trackrecord.init` stack up (a child run started inside
a parent becomes active until it finishes). Module-level ``trackrecord.log``
and friends act on the newest unfinished run, notebook style.

At interpreter exit every unfinished run is finished and flushed. An uncaught
exception ends them as ``failed`` (``killed`` for Ctrl-C), with the traceback;
SIGTERM ends them as ``killed`` when the program installed no handler of its own.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
from collections.abc import Iterable, Mapping
from types import FrameType, TracebackType
from typing import Any

from trackrecord.errors import ConfigurationError
from trackrecord.sdk.ending import EndStatus, Terminated, end_status
from trackrecord.sdk.run import Run

__all__ = ["current", "finish", "forget", "log", "log_params", "register", "set_tags"]

_runs: list[Run] = []
_lock = threading.Lock()
_installed = False


def register(run: Run) -> None:
    """Make *run* the active run, installing the exit hooks on first use."""
    with _lock:
        _runs.append(run)
        _install_hooks()
    run._when_finished(forget)


def forget(run: Run) -> None:
    """Remove a finished run from the active stack."""
    with _lock:
        if run in _runs:
            _runs.remove(run)


def is_active(run_id: str) -> bool:
    """Whether a run with this id is live in this process."""
    with _lock:
        return any(run.id == run_id for run in _runs)


def current() -> Run:
    """The active run (the newest unfinished one)."""
    with _lock:
        if not _runs:
            raise ConfigurationError("no active run: call trackrecord.init(...) first")
        return _runs[-1]


def log(metrics: Mapping[str, Any], step: int | None = None) -> None:
    """``run.log`` on the active run. Example: ``trackrecord.log({"loss": 0.1})``."""
    current().log(metrics, step)


def log_params(params: Mapping[str, Any]) -> None:
    """``run.log_params`` on the active run."""
    current().log_params(params)


def set_tags(tags: Mapping[str, Any] | Iterable[str]) -> None:
    """``run.set_tags`` on the active run."""
    current().set_tags(tags)


def finish(status: str = "finished") -> None:
    """Finish the active run (status ``finished``, ``failed`` or ``killed``)."""
    if status not in ("finished", "failed", "killed"):
        raise ConfigurationError(
            f"finish status {status!r} is not one of: finished, failed, killed"
        )
    current().finish(status)  # type: ignore[arg-type]


def _finish_all(status: EndStatus, error: BaseException | None = None) -> None:
    with _lock:
        runs = list(reversed(_runs))
    for run in runs:
        try:
            run.finish(status, error)
        except Exception as exc:  # at exit nothing is left to raise to
            print(f"trackrecord: could not finish run {run.id}: {exc}", file=sys.stderr)


def _excepthook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    _finish_all(end_status(error), error)
    _previous_excepthook(kind, error, tb)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    global _exit_error
    _exit_error = Terminated(signum)
    raise _exit_error


_exit_error: Terminated | None = None


def _finish_at_exit() -> None:
    _finish_all(end_status(_exit_error), _exit_error)


_previous_excepthook = sys.excepthook
if hasattr(os, "register_at_fork"):  # a forked child (e.g. a data loader) owns none of the runs
    os.register_at_fork(after_in_child=_runs.clear)


def _install_hooks() -> None:
    global _installed, _previous_excepthook
    if _installed:
        return
    _installed = True
    atexit.register(_finish_at_exit)
    _previous_excepthook = sys.excepthook
    sys.excepthook = _excepthook
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    ):
        signal.signal(signal.SIGTERM, _on_sigterm)
