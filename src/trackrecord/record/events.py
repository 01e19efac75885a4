"""Events: the append-only, hash-chained record of a run.

A run is a sequence of events numbered ``seq = 1, 2, ...``. Each event carries
the hash of the one before it (``prev``) and its own hash over a canonical,
deterministic encoding of everything it says, so changing any stored value
(one metric point included) breaks the chain at that event.

The canonical encoding is UTF-8 JSON with sorted keys and no white space. Metric
points are not spelled out in JSON: for each key the event names the number of
points and the SHA-256 of the points' bytes (steps as int64, values as float64,
wall times as int64 milliseconds, all little-endian), so hashing a batch of a
million points costs one pass of SHA-256 over 24 MB.

Example:
    >>> e = Event.build("01J...", 1, "note", 1700000000000, GENESIS, {"text": "hi"})
    >>> e.verify()
    True
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from trackrecord.errors import InvalidValueError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "EVENT_TYPES",
    "GENESIS",
    "Event",
    "Points",
    "canonical_json",
    "compact_json",
    "decode_json",
    "event_hash",
    "points_digest",
]

FORMAT_VERSION: Final = 1
GENESIS: Final = "0" * 64
"""The ``prev`` hash of a run's first event."""

EVENT_TYPES: Final = frozenset(
    {
        "run.start",
        "run.resume",
        "run.end",
        "environment",
        "console",
        "params",
        "tags",
        "notes",
        "metrics",
        "artifact",
        "dataset",
        "model",
        "criteria",
        "evaluation",
        "run.rename",
        "run.delete",
        "run.restore",
    }
)


@dataclass(frozen=True)
class Points:
    """The points of one metric key inside a ``metrics`` event, as columnar arrays.

    ``steps`` are int64, ``values`` float64 (NaN and ±inf kept), ``times`` int64
    wall-clock milliseconds since the Unix epoch; all three have the same length.
    """

    steps: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    times: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.steps.shape[0])

    def digest(self) -> str:
        """SHA-256 of the points' canonical bytes (see :func:`points_digest`)."""
        return points_digest(self.steps, self.values, self.times)


def points_digest(
    steps: npt.NDArray[np.int64], values: npt.NDArray[np.float64], times: npt.NDArray[np.int64]
) -> str:
    """Hash columnar points: little-endian int64 steps, float64 values, int64 times."""
    import numpy as np

    h = hashlib.sha256()
    h.update(np.ascontiguousarray(steps, dtype="<i8").tobytes())
    h.update(np.ascontiguousarray(values, dtype="<f8").tobytes())
    h.update(np.ascontiguousarray(times, dtype="<i8").tobytes())
    return h.hexdigest()


def _encode_special(value: Any) -> Any:
    """Replace non-finite floats (which JSON lacks) by tagged objects, recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": repr(value)}  # 'nan', 'inf', '-inf'
    if isinstance(value, dict):
        return {k: _encode_special(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode_special(v) for v in value]
    return value


def canonical_json(value: Any) -> bytes:
    """Deterministic JSON: sorted keys, no spaces, UTF-8, non-finite floats tagged.

    Example:
        >>> canonical_json({"b": 1, "a": [1.5, float("nan")]})
        b'{"a":[1.5,{"$float":"nan"}],"b":1}'
    """
    return _dumps(value, sort_keys=True)


def compact_json(value: Any) -> bytes:
    """:func:`canonical_json` with keys in their given order: the same data, read back
    alike by :func:`decode_json`, in about half the time (for what is sent, not hashed).

    Example:
        >>> compact_json({"b": 1, "a": [float("inf")]})
        b'{"b":1,"a":[{"$float":"inf"}]}'
    """
    return _dumps(value, sort_keys=False)


def _dumps(value: Any, sort_keys: bool) -> bytes:
    options: dict[str, Any] = {"sort_keys": sort_keys, "separators": (",", ":"),
                               "ensure_ascii": False, "allow_nan": False}  # fmt: skip
    try:
        text = json.dumps(value, **options)
    except ValueError:
        text = json.dumps(_encode_special(value), **options)
    return text.encode("utf-8")


def decode_json(data: bytes | str) -> Any:
    """Inverse of :func:`canonical_json` (tagged non-finite floats come back as floats).

    Raises:
        ValueError: not JSON; :class:`~trackrecord.errors.InvalidValueError` (a
            ValueError) when it is nested too deeply for the parser.
    """

    def hook(obj: dict[str, Any]) -> Any:
        if len(obj) == 1 and "$float" in obj:
            return float(obj["$float"])
        return obj

    try:
        return json.loads(data, object_hook=hook)
    except RecursionError:
        raise InvalidValueError(
            "the JSON is nested too deeply to read (hundreds of levels of arrays or "
            "objects); flatten it"
        ) from None


def event_hash(
    run_id: str,
    seq: int,
    type: str,
    time: int,
    prev: str,
    body: Mapping[str, Any],
    points: Mapping[str, Points] | None = None,
) -> str:
    """The SHA-256 that chains an event: over its canonical envelope and points digests."""
    envelope: dict[str, Any] = {
        "v": FORMAT_VERSION,
        "run": run_id,
        "seq": seq,
        "type": type,
        "time": time,
        "prev": prev,
        "body": body,
    }
    if points:
        envelope["points"] = {k: {"n": len(p), "sha256": p.digest()} for k, p in points.items()}
    return hashlib.sha256(canonical_json(envelope)).hexdigest()


@dataclass(frozen=True)
class Event:
    """One entry of a run's log.

    ``body`` is JSON-like data; ``points`` holds the arrays of a ``metrics``
    event (empty for other types). ``hash`` covers both and ``prev``.
    """

    run_id: str
    seq: int
    type: str
    time: int
    prev: str
    body: Mapping[str, Any]
    hash: str
    points: Mapping[str, Points] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        run_id: str,
        seq: int,
        type: str,
        time: int,
        prev: str,
        body: Mapping[str, Any],
        points: Mapping[str, Points] | None = None,
    ) -> Event:
        """Make an event and compute its hash."""
        pts = dict(points or {})
        digest = event_hash(run_id, seq, type, time, prev, body, pts)
        return cls(run_id, seq, type, time, prev, body, digest, pts)

    def expected_hash(self) -> str:
        """Recompute the hash from the event's content."""
        return event_hash(
            self.run_id, self.seq, self.type, self.time, self.prev, self.body, self.points
        )

    def verify(self) -> bool:
        """True when the stored hash matches the content."""
        return self.expected_hash() == self.hash

    @property
    def point_count(self) -> int:
        """Total number of metric points in the event."""
        return sum(len(p) for p in self.points.values())
