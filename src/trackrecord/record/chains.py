"""Checking a hash chain: every event present, linked to the one before, and unaltered.

A chain (a run's events, a registered model's history, the ledger) is intact when its
events are numbered ``1, 2, ...`` without a gap, each one's ``prev`` is the hash of the
one before (:data:`~trackrecord.record.events.GENESIS` for the first), and each one's
hash is what its content hashes to.

Example:
    >>> from trackrecord.record.events import GENESIS, Event
    >>> first = Event.build("01J", 1, "note", 1700000000000, GENESIS, {"text": "hi"})
    >>> check_chain([first])
    (None, None)
"""

from __future__ import annotations

from trackrecord.record.events import GENESIS, Event

__all__ = ["check_chain"]


def check_chain(events: list[Event]) -> tuple[int | None, str | None]:
    """The first broken link of a hash chain of events: (seq, problem), or (None, None)."""
    prev, expected = GENESIS, 1
    for event in events:
        if event.seq != expected:
            return expected, f"event {expected} is missing (found {event.seq} next)"
        if event.prev != prev:
            return (
                event.seq,
                "its link to the previous event is broken (an event was removed, "
                "reordered or altered before it)",
            )
        if event.expected_hash() != event.hash:
            return (
                event.seq,
                f"its content does not match its hash (a stored {event.type} value was altered)",
            )
        prev, expected = event.hash, expected + 1
    return None, None
