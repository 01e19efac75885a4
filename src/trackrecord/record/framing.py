"""Framing: how events are written one after another to a file or an HTTP body.

A stream is a sequence of *frames*, ``magic "TRS1" | size: u32 | crc: u32 | payload``.
The payload is a ``u32`` length, the event's header as JSON (run, seq, type, time,
prev, hash, body, and for each metric key its number of points), then each key's
points as raw little-endian columns: steps (int64), values (float64), times (int64).
The CRC-32 covers the payload, so a torn or damaged frame is detected. The spool,
export archives and the server's ``application/x-trackrecord-events`` bodies all use
it (see docs/record-format.md, "Spool files and export archives").

Example:
    >>> import io
    >>> from trackrecord.record.events import GENESIS, Event
    >>> event = Event.build("01J", 1, "note", 1700000000000, GENESIS, {"text": "hi"})
    >>> list(read_frames(io.BytesIO(encode_event(event)))) == [event]
    True
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO, Final

import numpy as np

from trackrecord.record.events import Event, Points

__all__ = ["FrameError", "decode_event", "encode_event", "read_frames", "read_headers"]

_MAGIC: Final = b"TRS1"
_FRAME: Final = struct.Struct("<4sII")  # a record's frame: magic, payload size, CRC-32
_READ_PIECE: Final = 16 << 20


class FrameError(ValueError):
    """A torn, corrupt or undecodable record at byte ``offset`` of a stream.

    Raised only by :func:`read_frames` with ``strict=True``; its callers say
    which file it is and raise their own error (an archive's ``ArchiveError``).
    """

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(reason)
        self.offset = offset


def encode_event(event: Event) -> bytes:
    """One framed spool record: header JSON plus the points' raw columns."""
    meta = {
        "run": event.run_id,
        "seq": event.seq,
        "type": event.type,
        "time": event.time,
        "prev": event.prev,
        "hash": event.hash,
        "body": event.body,
        "points": [[k, len(p)] for k, p in event.points.items()],
    }
    head = json.dumps(meta, separators=(",", ":"), allow_nan=True).encode()
    parts = [struct.pack("<I", len(head)), head]
    for p in event.points.values():
        parts += [
            p.steps.astype("<i8").tobytes(),
            p.values.astype("<f8").tobytes(),
            p.times.astype("<i8").tobytes(),
        ]
    payload = b"".join(parts)
    return _FRAME.pack(_MAGIC, len(payload), zlib.crc32(payload)) + payload


def decode_event(payload: bytes) -> Event:
    """Inverse of :func:`encode_event` (without the frame)."""
    (size,) = struct.unpack_from("<I", payload)
    meta: dict[str, Any] = json.loads(payload[4 : 4 + size])
    offset, points = 4 + size, {}
    for key, n in meta["points"]:
        cols = []
        for dtype in ("<i8", "<f8", "<i8"):
            cols.append(np.frombuffer(payload, dtype=dtype, count=n, offset=offset).copy())
            offset += 8 * n
        points[key] = Points(*cols)
    return Event(
        meta["run"],
        meta["seq"],
        meta["type"],
        meta["time"],
        meta["prev"],
        meta["body"],
        meta["hash"],
        points,
    )


def read_frames(stream: BinaryIO, strict: bool = False) -> Iterator[Event]:
    """The framed events of *stream*, from where it stands to its end.

    A record that is cut short or whose magic or CRC-32 is wrong ends the
    reading. By default silently: a spool's torn tail is a write cut by a crash,
    and nothing after it was acknowledged. With *strict*, by raising, for
    streams written whole (an archive), where such a record means damage.

    Raises:
        FrameError: with *strict*, a torn or corrupt record, or one that does
            not decode to an event.

    Example:
        >>> list(read_frames(io.BytesIO(encode_event(event)))) == [event]  # doctest: +SKIP
        True
    """
    offset = 0
    while header := stream.read(_FRAME.size):
        payload = _read_payload(stream, header)
        if payload is None:
            if strict:
                raise FrameError("a bad record frame", offset)
            return
        yield _decode_at(payload, offset) if strict else decode_event(payload)
        offset += _FRAME.size + len(payload)


def _read_payload(stream: BinaryIO, header: bytes) -> bytes | None:
    """The payload framed by *header*, or None if the record is torn or corrupt."""
    if len(header) != _FRAME.size:
        return None
    magic, size, crc = _FRAME.unpack(header)
    if magic != _MAGIC:
        return None
    # in pieces: a damaged size field must not allocate gigabytes for a short stream
    pieces, left = [], size
    while left and (piece := stream.read(min(left, _READ_PIECE))):
        pieces.append(piece)
        left -= len(piece)
    payload = b"".join(pieces)
    return payload if not left and zlib.crc32(payload) == crc else None


def _decode_at(payload: bytes, offset: int) -> Event:
    try:
        return decode_event(payload)
    except RecursionError:  # a header nested thousands deep: refused, never a crash
        raise FrameError("an event nested too deeply to read", offset) from None
    except (ValueError, KeyError, TypeError, IndexError, struct.error) as exc:
        raise FrameError(f"an undecodable event: {exc}", offset) from None


def read_headers(stream: BinaryIO) -> Iterator[dict[str, Any]]:
    """The JSON header of each frame of *stream*, skipping the points; stops at damage."""
    while len(header := stream.read(_FRAME.size)) == _FRAME.size:
        magic, size, _ = _FRAME.unpack(header)
        start = stream.tell()
        raw = stream.read(4)
        if magic != _MAGIC or len(raw) != 4 or struct.unpack("<I", raw)[0] > size:
            return
        try:
            meta = json.loads(stream.read(struct.unpack("<I", raw)[0]))
        except ValueError:
            return
        if isinstance(meta, dict):
            yield meta
        stream.seek(start + size)
