"""Where one run's events wait for the store: its spool, moved elsewhere when the disk refuses.

Events go to the spool beside the store (``<dir>/spool/<run id>``). When a write
there fails, it is tried once more in a new segment (a full disk may have had
room again); when that fails too, or the spool cannot even be made at the start,
the spool moves to the store's fallback directory (see :mod:`trackrecord.fallback`),
carrying along what was spooled so far, so that it alone holds everything the
store lacks. If no place takes the events, :meth:`Safekeeping.append` raises and
the writer keeps them in memory, and says so when the run ends.

The first spool stays locked until :meth:`Safekeeping.close`, so that no other
process ends the run as crashed from what it left there.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from trackrecord.errors import RunLockedError
from trackrecord.fallback import make_fallback
from trackrecord.outbox import event_batches
from trackrecord.record.events import Event
from trackrecord.spool import Spool, read_spool

__all__ = ["Safekeeping"]

Notify = Callable[[str, BaseException], None]
Before = Callable[[], Sequence[Event] | None]


class Safekeeping:
    """The spool of a live run, moved to the store's fallback directory if need be.

    Args:
        store_root: the store directory; its fallback is found from it.
        spool_root: where the run's spool goes first (``<store_root>/spool``).

    Raises:
        RunLockedError: another live process holds the run's spool.
    """

    def __init__(
        self,
        store_root: Path,
        spool_root: Path,
        run_id: str,
        offline: bool,
    ) -> None:
        self.run_id, self.offline = run_id, offline
        self._store_root = store_root
        self._listener: Notify | None = None
        self._notices: list[tuple[str, BaseException]] = []  # until someone listens
        self._spools: list[Spool] = []  # the last one is written to; the others stay locked
        self.failure: OSError | None = None
        """Why no spool can be written (then events wait in memory only), or None."""
        try:
            self._spools.append(Spool(spool_root, run_id, offline=offline))
        except OSError as exc:
            self._move([], [], exc)

    def listen(self, notify: Notify) -> None:
        """Tell *notify* (what happened, its cause) each time the spool moves or a write fails;
        first what happened before."""
        self._listener = notify
        for what, cause in self._notices:
            notify(what, cause)
        self._notices.clear()

    def _notify(self, what: str, cause: BaseException) -> None:
        if self._listener is None:
            self._notices.append((what, cause))
        else:
            self._listener(what, cause)

    @property
    def current(self) -> Spool | None:
        """The spool written to now (None: none could be made)."""
        return self._spools[-1] if self._spools else None

    @property
    def directory(self) -> Path | None:
        """The spool directory written to now (None: none can be written)."""
        return self._spools[-1].directory if self._spools and self.failure is None else None

    @property
    def moved(self) -> bool:
        """Whether the spool is in the fallback directory rather than beside the store."""
        return bool(self._spools) and not self._spools[-1].directory.is_relative_to(
            self._store_root
        )

    def append(self, events: Sequence[Event], before: Before | None = None) -> None:
        """Keep *events* on disk, moving the spool if its disk refuses.

        *before* gives the events before them that the store lacks (or None, offline,
        where it lacks them all): a moved spool starts with them, so that it alone
        holds everything the store lacks. Where it gives None, a moved spool starts
        with what the old one holds before *events*.

        Raises:
            OSError: no place takes them (:attr:`failure` says why); a later call tries again.
        """
        if not events:
            return
        if self._spools:
            spool = self._spools[-1]
            try:
                spool.append(events)
                self.failure = None
                return
            except OSError as exc:
                if self.failure is not None:
                    raise self.failure from None  # still failing: said already
                first = exc
            try:
                spool.append(events)  # in a new segment: a full disk may have room again
                self._notify(f"could not write to {spool.directory} (a new file took)", first)
                return
            except OSError as exc:
                cause = exc
        else:
            cause = self.failure or OSError("no spool")
        if self.moved:
            self._fail(cause)
        else:
            self._move(events, before() if before is not None else None, cause)
        if self.failure is not None:
            raise self.failure

    def _move(
        self, events: Sequence[Event], before: Sequence[Event] | None, cause: OSError
    ) -> None:
        """Go on in a spool in the fallback directory that holds what the old one held."""
        try:
            spool = Spool(make_fallback(self._store_root) / "spool", self.run_id, self.offline)
        except (OSError, RunLockedError) as exc:
            self._fail(OSError(f"{cause}; and {exc}"))
            return
        try:
            carried: Iterable[Event] = before or ()
            if before is None and self._spools and events:  # what the old spool holds before
                spooled = read_spool(self._spools[-1].directory)
                carried = (e for e in spooled if e.seq < events[0].seq)
            for batch in event_batches(carried):
                spool.append(batch)
            spool.append(events)
        except OSError as exc:
            spool.close(delete=False)
            self._fail(OSError(f"{cause}; and in {spool.directory}: {exc}"))
            return
        self._spools.append(spool)
        self.failure = None
        moved_from = f" from {self._spools[-2].directory}" if len(self._spools) > 1 else ""
        self._notify(f"moved the spool{moved_from} to {spool.directory}", cause)

    def _fail(self, failure: OSError) -> None:
        if self.failure is None:
            self._notify("could not keep events on any disk", failure)
        self.failure = failure

    def acknowledge(self, seq: int) -> None:
        """The store holds every event up to *seq*."""
        if self.failure is None and self._spools:
            with contextlib.suppress(OSError):
                self._spools[-1].acknowledge(seq)

    def restart(self, seq: int) -> None:
        """Start a new segment at *seq*: it supersedes what the spool holds from *seq* on."""
        if self.failure is None and self._spools:
            with contextlib.suppress(OSError):  # then the next append tries a new one anyway
                self._spools[-1].restart(seq)

    def close(self, delete: bool) -> None:
        """Stop writing; with *delete* (everything is stored), remove what the spools hold."""
        for spool in self._spools:
            with contextlib.suppress(OSError):  # a read-only disk keeps it: later opens remove it
                spool.close(delete=delete)
