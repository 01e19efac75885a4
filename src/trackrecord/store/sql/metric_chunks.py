"""Metric series in SQL: chunk rows of compressed columnar points.

A row per (run, key, chunk) holds the chunk's points (see
:mod:`trackrecord.store.codec`), its step range, and its level of detail for
downsampling. ``first_index`` numbers the chunk's first point within the
series, so chunks read in ``first_index`` order give the points in the order
they were logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import numpy as np

from trackrecord.errors import NotFoundError, StoreError
from trackrecord.record.events import Points
from trackrecord.store.chunking import FANOUT, chunks_to_merge, lod_group_size, split
from trackrecord.store.codec import decode_points, encode_points
from trackrecord.store.series import Buckets, Groups, Series, bucketize, summarise_groups
from trackrecord.store.sql.connection import Connection, Cursor, insert_rows

__all__ = ["append_series", "read_buckets", "read_series"]

_TRAILING: Final = FANOUT * 6
_READ_ATTEMPTS: Final = 5
_KEYS_PER_STATEMENT: Final = 50  # keys looked up in one statement (bounds its parameters)
_INSERT: Final = (
    "INSERT INTO metric_chunks (run_id, key, first_index, count, step_min, step_max, points, lod)"
)
_TAIL: Final = (
    "SELECT * FROM (SELECT key, first_index, count FROM metric_chunks WHERE run_id = ? AND "
    "key = ? ORDER BY first_index DESC LIMIT ?) AS t{n}"
)


class _Layout:
    """The last chunks of one series as (first_index, count), oldest first; the chunks
    from ``stored`` on are in the database, the ones before ``stored`` in the layout are
    not there yet."""

    def __init__(self, tail: list[tuple[int, int]]) -> None:
        self.chunks = tail
        self.kept = len(tail)  # chunks at the front that stay as they are in the database

    def add(self, first_index: int, count: int) -> None:
        """New points at the end: cut into chunks, then merged as the LSM policy says."""
        self.chunks += [(first_index + a, b - a) for a, b in split(count)]
        while merge := chunks_to_merge([c for _, c in self.chunks[-_TRAILING:]]):
            first, total = self.chunks[-merge][0], sum(c for _, c in self.chunks[-merge:])
            del self.chunks[-merge:]
            self.kept = min(self.kept, len(self.chunks))
            self.chunks += [(first + a, b - a) for a, b in split(total)]

    @property
    def end(self) -> int:
        """How many points the series holds (the index after its last chunk's)."""
        return self.chunks[-1][0] + self.chunks[-1][1] if self.chunks else 0

    @property
    def rewritten_from(self) -> int | None:
        """The first point whose chunk must be (re)written, or None if nothing changed."""
        return self.chunks[self.kept][0] if self.kept < len(self.chunks) else None


def _chunk_row(run_id: str, key: str, first_index: int, points: Points) -> tuple[object, ...]:
    steps, values = points.steps, points.values
    size = lod_group_size(len(points))
    # a level of detail of single points would only repeat them: small chunks keep none
    lod = summarise_groups(steps, values, size).to_bytes() if size > 1 else b""
    blob = encode_points(steps, values, points.times)
    return (run_id, key, first_index, len(points), int(steps.min()), int(steps.max()), blob, lod)


def _concat(parts: list[Points]) -> Points:
    return Points(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in ("steps", "values", "times"))
    )


def _groups(keys: list[str]) -> list[list[str]]:
    return [keys[i : i + _KEYS_PER_STATEMENT] for i in range(0, len(keys), _KEYS_PER_STATEMENT)]


def _tails(cur: Cursor, run_id: str, keys: list[str]) -> dict[str, list[tuple[int, int]]]:
    """The last chunks of each key's series, (first_index, count) oldest first."""
    tails: dict[str, list[tuple[int, int]]] = {key: [] for key in keys}
    for group in _groups(keys):
        sql = " UNION ALL ".join(_TAIL.format(n=n) for n in range(len(group)))
        args = [a for key in group for a in (run_id, key, _TRAILING)]
        for key, first_index, count in cur.execute(sql, args).fetchall():
            tails[key].append((int(first_index), int(count)))
    for tail in tails.values():
        tail.sort()
    return tails


def append_series(cur: Cursor, run_id: str, series: Mapping[str, Points]) -> dict[str, int]:
    """Add *series* (key → new points) at the end of the run's series of those keys;
    return how many points each key had before (the index of its first new point).

    The chunks are written as one batch at a time would have left them (see
    :mod:`~trackrecord.store.chunking`), in a few statements for all keys at once: the
    series' last chunks are read, the merges decided here, the chunks they absorb read,
    deleted and written again with the new points.
    """
    series = {key: points for key, points in series.items() if len(points)}
    if not series:
        return {}
    layouts = {key: _Layout(tail) for key, tail in _tails(cur, run_id, list(series)).items()}
    before = {key: layout.end for key, layout in layouts.items()}
    for key, points in series.items():
        layouts[key].add(before[key], len(points))
    rewrites = {key: start for key, layout in layouts.items()
                if (start := layout.rewritten_from) is not None}  # fmt: skip
    absorbed = _absorbed_points(cur, run_id, rewrites, before)
    cur.executemany(
        "DELETE FROM metric_chunks WHERE run_id = ? AND key = ? AND first_index >= ?",
        [(run_id, key, start) for key, start in rewrites.items() if absorbed.get(key)],
    )
    rows = []
    for key, start in rewrites.items():
        points = _concat([*absorbed.get(key, []), series[key]])
        for first_index, count in layouts[key].chunks[layouts[key].kept :]:
            at = first_index - start
            rows.append(_chunk_row(run_id, key, first_index, Points(
                points.steps[at : at + count], points.values[at : at + count],
                points.times[at : at + count])))  # fmt: skip
    insert_rows(cur, _INSERT, rows)
    return before


def _absorbed_points(
    cur: Cursor, run_id: str, rewrites: Mapping[str, int], new_from: Mapping[str, int]
) -> dict[str, list[Points]]:
    """The stored points of the chunks that merges absorb, per key, in order."""
    merging = [key for key, start in rewrites.items() if start < new_from[key]]
    found: dict[str, list[tuple[int, Points]]] = {key: [] for key in merging}
    for group in _groups(merging):
        where = " OR ".join("(key = ? AND first_index >= ?)" for _ in group)
        rows = cur.execute(
            f"SELECT key, first_index, points FROM metric_chunks WHERE run_id = ? AND ({where})",
            [run_id, *(a for key in group for a in (key, rewrites[key]))],
        ).fetchall()
        for key, first_index, blob in rows:
            found[key].append((int(first_index), Points(*decode_points(blob))))
    return {key: [p for _, p in sorted(parts, key=lambda part: part[0])]
            for key, parts in found.items()}  # fmt: skip


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
    """Downsample to *buckets* equal step-width buckets over ``[start, end]``.

    The chunks are listed first, then the points of those whose level of detail is too
    coarse are read; a writer merging chunks in between (each statement may see a newer
    commit) makes the listing stale, and the read starts over.
    """
    for _ in range(_READ_ATTEMPTS):
        view = _read_buckets(conn, run_id, key, buckets, *_range(start, end))
        if view is not None:
            return view
    raise StoreError(
        f"the series {key!r} of run {run_id} changed under every one of {_READ_ATTEMPTS} "
        f"reads; try again"
    )


def _read_buckets(
    conn: Connection, run_id: str, key: str, buckets: int, low: int, high: int
) -> Buckets | None:
    """The buckets, or None if a listed chunk was merged away before its points were read."""
    rows = conn.execute(
        "SELECT first_index, count, step_min, step_max, lod, CASE WHEN length(lod) = 0 THEN "
        "points END FROM metric_chunks WHERE run_id = ? AND key = ? AND step_max >= ? AND "
        "step_min <= ? ORDER BY first_index",
        (run_id, key, low, high),
    ).fetchall()
    if not rows:
        _check_exists(conn, run_id, key)
        return bucketize(Groups.concat([]), 0, 0, 1, key)
    low = max(low, min(r[2] for r in rows))
    high = min(high, max(r[3] for r in rows))
    width = max(1, -(-(high - low + 1) // max(buckets, 1)))
    parts: list[Groups] = []
    for first_index, count, step_min, step_max, lod, blob in rows:
        if lod:
            groups = Groups.from_bytes(lod)
            coarse = bool(((groups.step_end - groups.step_start) < width).all())
            if coarse and step_min >= low and step_max <= high:
                parts.append(groups)
                continue
        if blob is None:  # a chunk with a level of detail, too coarse here: its points
            found = conn.execute(
                "SELECT points FROM metric_chunks WHERE run_id = ? AND key = ? AND "
                "first_index = ? AND count = ?",
                (run_id, key, first_index, count),
            ).fetchone()
            if found is None:
                return None
            (blob,) = found
        steps, values, _ = decode_points(blob)
        parts.append(Groups.of_points(steps, values))
    return bucketize(Groups.concat(parts), low, high, buckets, key)
