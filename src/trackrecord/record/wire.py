"""The wire protocol's names: headers, media types, and errors by code.

Shared by the server and :class:`~trackrecord.store.remote.RemoteStore`. Records
travel as JSON with non-finite floats tagged (see
:func:`trackrecord.record.events.canonical_json`; the store's records are turned to
and from JSON by :mod:`trackrecord.store.serialise`); events as framed records
(:mod:`trackrecord.record.framing`, media type :data:`EVENTS_TYPE`); metric series
as raw little-endian columns (:data:`SERIES_TYPE`). Errors have one shape,
``{"error": {"code", "message"}}``, and one table (:data:`trackrecord.errors.ERRORS`)
maps error classes to HTTP statuses and back.
"""

from __future__ import annotations

from typing import Final

from trackrecord.errors import ERRORS, TrackRecordError, status_of

__all__ = [
    "CLIENT_HEADER",
    "ERRORS",
    "EVENTS_TYPE",
    "SERIES_TYPE",
    "error_for",
    "status_of",
]

CLIENT_HEADER: Final = "X-TrackRecord-Client"
"""Sent by TrackRecord's clients on every request; a server without auth refuses writes
without it (see :mod:`trackrecord.server.origin`)."""
EVENTS_TYPE: Final = "application/x-trackrecord-events"
SERIES_TYPE: Final = "application/x-trackrecord-series"


def error_for(code: str, message: str) -> TrackRecordError:
    """Rebuild the error a server reported."""
    kind = next((kind for kind, known, _ in ERRORS if known == code), TrackRecordError)
    return kind(message)
