"""How a run ends: the end statuses, and the status an escaping exception gives.

An uncaught exception ends a run as ``failed``; Ctrl-C and SIGTERM (raised in the
main thread as :class:`Terminated`) as ``killed``; ``sys.exit(0)`` as ``finished``.

Example:
    >>> end_status(None), end_status(ValueError()), end_status(KeyboardInterrupt())
    ('finished', 'failed', 'killed')
"""

from __future__ import annotations

import signal
from typing import Literal

__all__ = ["EndStatus", "Terminated", "end_status"]

EndStatus = Literal["finished", "failed", "killed"]


class Terminated(SystemExit):
    """Raised in the main thread on SIGTERM, so that ``with`` blocks unwind and runs end
    as ``killed``. (Finishing inside the signal handler could deadlock: the handler may
    interrupt ``log()`` while it holds the buffers' lock.)"""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)  # the exit status a shell reports for a signal
        self.signum = signum

    def __str__(self) -> str:
        return f"terminated by signal {self.signum} ({signal.Signals(self.signum).name})"


def end_status(error: BaseException | None) -> EndStatus:
    """How a run ends when *error* escapes it (None: it ended normally)."""
    if error is None:
        return "finished"
    if isinstance(error, (KeyboardInterrupt, Terminated)):
        return "killed"
    if isinstance(error, SystemExit) and error.code in (0, None):
        return "finished"
    return "failed"
