"""Compressed columnar encoding of metric points (one blob per chunk).

A chunk's blob holds three columns. Integer columns (steps, times in ms) are
delta-encoded: an exact arithmetic run (``0, 1, 2, ...``) is stored as its
start and stride only; otherwise the deltas are narrowed to the smallest
integer type that holds them and deflated. Values (float64) are byte-shuffled
(the high bytes of neighbouring floats are alike) and deflated. Every bit is
kept: NaN, ±inf and -0.0 come back exactly as logged.

Layout: ``b"TRC1" | n:u32 | column*3``, a column being
``kind:u8 | width:u8 | size:u32 | payload``.

Example:
    >>> import numpy as np
    >>> steps = np.arange(5, dtype=np.int64)
    >>> blob = encode_points(steps, steps * 0.5, steps + 1_700_000_000_000)
    >>> decode_points(blob)[1].tolist()
    [0.0, 0.5, 1.0, 1.5, 2.0]
"""

from __future__ import annotations

import struct
import zlib
from typing import Final

import numpy as np
import numpy.typing as npt

from trackrecord.errors import StoreError

__all__ = ["decode_points", "encode_points"]

_MAGIC: Final = b"TRC1"
_HEAD = struct.Struct("<4sI")
_COLUMN = struct.Struct("<BBI")
_ARITHMETIC, _DELTA, _SHUFFLED = 1, 2, 3
_LEVEL: Final = 6
_WIDTHS: Final = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}
_BOUNDS: Final = [(w, int(np.iinfo(t).min), int(np.iinfo(t).max)) for w, t in _WIDTHS.items()]

Int64Array = npt.NDArray[np.int64]
Float64Array = npt.NDArray[np.float64]


def _encode_ints(column: Int64Array) -> bytes:
    if len(column) == 0:
        return _COLUMN.pack(_ARITHMETIC, 8, 16) + struct.pack("<qq", 0, 0)
    deltas = np.diff(column)
    # the range of the steps between values decides both the encoding and the width (one
    # pass each; this is on the path of every metric batch a server stores)
    low, high = (int(deltas.min()), int(deltas.max())) if len(deltas) else (0, 0)
    if low == high:
        return _COLUMN.pack(_ARITHMETIC, 8, 16) + struct.pack("<qq", int(column[0]), low)
    width = next(w for w, least, most in _BOUNDS if least <= low and high <= most)
    payload = struct.pack("<q", int(column[0])) + zlib.compress(
        deltas.astype(f"<i{width}").tobytes(), _LEVEL
    )
    return _COLUMN.pack(_DELTA, width, len(payload)) + payload


def _decode_ints(kind: int, width: int, payload: bytes, n: int) -> Int64Array:
    if kind == _ARITHMETIC:
        start, stride = struct.unpack("<qq", payload)
        result: Int64Array = start + stride * np.arange(n, dtype=np.int64)
        return result
    if kind != _DELTA:
        raise StoreError(f"unknown integer column encoding {kind} in a metric chunk")
    (start,) = struct.unpack_from("<q", payload)
    deltas = np.frombuffer(zlib.decompress(payload[8:]), dtype=f"<i{width}")
    out = np.empty(n, dtype=np.int64)
    out[0] = start
    np.cumsum(deltas, out=out[1:], dtype=np.int64)
    out[1:] += start
    return out


def _encode_floats(column: Float64Array) -> bytes:
    shuffled = np.ascontiguousarray(column, dtype="<f8").view(np.uint8).reshape(-1, 8).T
    payload = zlib.compress(shuffled.tobytes(), _LEVEL)
    return _COLUMN.pack(_SHUFFLED, 8, len(payload)) + payload


def _decode_floats(kind: int, payload: bytes, n: int) -> Float64Array:
    if kind != _SHUFFLED:
        raise StoreError(f"unknown float column encoding {kind} in a metric chunk")
    planes = np.frombuffer(zlib.decompress(payload), dtype=np.uint8).reshape(8, n)
    return np.ascontiguousarray(planes.T).view("<f8").reshape(n).astype(np.float64, copy=False)


def encode_points(steps: Int64Array, values: Float64Array, times: Int64Array) -> bytes:
    """Encode three equal-length columns into one compressed blob."""
    n = len(steps)
    return b"".join(
        (_HEAD.pack(_MAGIC, n), _encode_ints(steps), _encode_floats(values), _encode_ints(times))
    )


def decode_points(blob: bytes) -> tuple[Int64Array, Float64Array, Int64Array]:
    """Decode a blob made by :func:`encode_points` into (steps, values, times)."""
    magic, n = _HEAD.unpack_from(blob)
    if magic != _MAGIC:
        raise StoreError("a metric chunk is not in TrackRecord's format (bad magic bytes)")
    offset = _HEAD.size
    columns: list[tuple[int, int, bytes]] = []
    for _ in range(3):
        kind, width, size = _COLUMN.unpack_from(blob, offset)
        offset += _COLUMN.size
        columns.append((kind, width, bytes(blob[offset : offset + size])))
        offset += size
    (sk, sw, sp), (vk, _, vp), (tk, tw, tp) = columns
    return _decode_ints(sk, sw, sp, n), _decode_floats(vk, vp, n), _decode_ints(tk, tw, tp, n)
