"""Metric series in SQL: chunk rows of compressed columnar points.

A row per (run, key, chunk) holds the chunk's points (see
:mod:`trackrecord.store.codec`), its step range, and its level of detail for
downsampling. ``first_index`` numbers the chunk's first point within the
series, so chunks read in ``first_index`` order give the points in the order
they were logged.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from trackrecord.errors import NotFoundError
from trackrecord.events import Points
from trackrecord.store.chunking import FANOUT, chunks_to_merge, lod_group_size, split
from trackrecord.store.codec import decode_points, encode_points
from trackrecord.store.series import Buckets, Groups, Series, bucketize, summarise_groups
from trackrecord.store.sql.connection import Connection, Cursor

__all__ = ["append_points", "read_buckets", "read_series"]

_TRAILING: Final = FANOUT * 6
_INSERT: Final = (
    "INSERT INTO metric_chunks (run_id, key, first_index, count, step_min, step_max, points, lod)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _insert(cur: Cursor, run_id: str, key: str, first_index: int, points: Points) -> None:
    for start, stop in split(len(points)):
        steps, values = points.steps[start:stop], points.values[start:stop]
        size = lod_group_size(stop - start)
        # a level of detail of single points would only repeat them: small chunks keep none
        lod = summarise_groups(steps, values, size).to_bytes() if size > 1 else b""
        blob = encode_points(steps, values, points.times[start:stop])
        cur.execute(
            _INSERT,
            (
                run_id,
                key,
                first_index + start,
                stop - start,
                int(steps.min()),
                int(steps.max()),
                blob,
                lod,
            ),
        )


def _concat(parts: list[Points]) -> Points:
    return Points(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in ("steps", "values", "times"))
    )


def _compact(cur: Cursor, run_id: str, key: str) -> None:
    while True:
        rows = cur.execute(
            "SELECT first_index, count FROM metric_chunks WHERE run_id = ? AND key = ? "
            "ORDER BY first_index DESC LIMIT ?",
            (run_id, key, _TRAILING),
        ).fetchall()
        merge = chunks_to_merge([count for _, count in reversed(rows)])
        if not merge:
            return
        first = rows[merge - 1][0]
        blobs = cur.execute(
            "SELECT points FROM metric_chunks WHERE run_id = ? AND key = ? AND first_index >= ? "
            "ORDER BY first_index",
            (run_id, key, first),
        ).fetchall()
        cur.execute(
            "DELETE FROM metric_chunks WHERE run_id = ? AND key = ? AND first_index >= ?",
            (run_id, key, first),
        )
        _insert(cur, run_id, key, first, _concat([Points(*decode_points(b)) for (b,) in blobs]))


def append_points(cur: Cursor, run_id: str, key: str, first_index: int, points: Points) -> None:
    """Add points at the end of a series (its first point gets *first_index*)."""
    if len(points):
        _insert(cur, run_id, key, first_index, points)
        _compact(cur, run_id, key)


def _range(start: int | None, end: int | None) -> tuple[int, int]:
    return (-(2**63) if start is None else start, 2**63 - 1 if end is None else end)


def read_series(
    conn: Connection,
    run_id: str,
    key: str,
    start: int | None = None,
    end: int | None = None,
) -> Series:
    """Points with ``start <= step <= end`` in logged order (NotFoundError if no such key)."""
    low, high = _range(start, end)
    rows = conn.execute(
        "SELECT points FROM metric_chunks WHERE run_id = ? AND key = ? AND step_max >= ? "
        "AND step_min <= ? ORDER BY first_index",
        (run_id, key, low, high),
    ).fetchall()
    if not rows:
        _check_exists(conn, run_id, key)
        empty = np.empty(0, np.int64)
        return Series(key, empty, np.empty(0, np.float64), empty)
    merged = _concat([Points(*decode_points(blob)) for (blob,) in rows])
    if start is not None or end is not None:
        keep = (merged.steps >= low) & (merged.steps <= high)
        merged = Points(merged.steps[keep], merged.values[keep], merged.times[keep])
    return Series(key, merged.steps, merged.values, merged.times)


def _check_exists(conn: Connection, run_id: str, key: str) -> None:
    found = conn.execute(
        "SELECT 1 FROM metric_summaries WHERE run_id = ? AND key = ?", (run_id, key)
    ).fetchone()
    if found is None:
        keys = [
            k
            for (k,) in conn.execute(
                "SELECT key FROM metric_summaries WHERE run_id = ? ORDER BY key", (run_id,)
            )
        ]
        raise NotFoundError(
            f"run {run_id} has no metric {key!r}; its metrics are: {', '.join(keys) or 'none'}"
        )


def read_buckets(
    conn: Connection,
    run_id: str,
    key: str,
    buckets: int,
    start: int | None = None,
    end: int | None = None,
) -> Buckets:
    """Downsample to *buckets* equal step-width buckets over ``[start, end]``."""
    low, high = _range(start, end)
    rows = conn.execute(
        "SELECT first_index, step_min, step_max, lod FROM metric_chunks WHERE run_id = ? AND "
        "key = ? AND step_max >= ? AND step_min <= ? ORDER BY first_index",
        (run_id, key, low, high),
    ).fetchall()
    if not rows:
        _check_exists(conn, run_id, key)
        return bucketize(Groups.concat([]), 0, 0, 1, key)
    low = max(low, min(r[1] for r in rows))
    high = min(high, max(r[2] for r in rows))
    width = max(1, -(-(high - low + 1) // max(buckets, 1)))
    parts: list[Groups] = []
    for first_index, step_min, step_max, lod in rows:
        if lod:
            groups = Groups.from_bytes(lod)
            coarse = bool(((groups.step_end - groups.step_start) < width).all())
            if coarse and step_min >= low and step_max <= high:
                parts.append(groups)
                continue
        (blob,) = conn.execute(
            "SELECT points FROM metric_chunks WHERE run_id = ? AND key = ? AND first_index = ?",
            (run_id, key, first_index),
        ).fetchone()
        steps, values, _ = decode_points(blob)
        parts.append(Groups.of_points(steps, values))
    return bucketize(Groups.concat(parts), low, high, buckets, key)
