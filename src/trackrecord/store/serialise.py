"""The store's records in portable form: JSON-ready data, and series as raw columns.

What the server sends and :class:`~trackrecord.store.remote.RemoteStore` reads back
(the media types are named in :mod:`trackrecord.record.wire`).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Final

import numpy as np

from trackrecord.store.base import ArtifactRecord, MetricSummary, ProjectRecord, RunRecord
from trackrecord.store.series import Buckets, Series

__all__ = [
    "artifact_from_json",
    "buckets_from_json",
    "buckets_to_json",
    "project_from_json",
    "run_from_json",
    "run_to_json",
    "series_bytes",
    "series_from_bytes",
]

_RUN_FIELDS: Final = tuple(f.name for f in dataclasses.fields(RunRecord))
_SUMMARY_FIELDS: Final = tuple(f.name for f in dataclasses.fields(MetricSummary))


def run_to_json(run: RunRecord) -> dict[str, Any]:
    """A run record as JSON-ready data (its params and tags shared, not copied: this is
    on the path of every page of runs, where ``dataclasses.asdict``'s deep copy was most
    of the time)."""
    data = {name: getattr(run, name) for name in _RUN_FIELDS}
    data["summaries"] = {key: {name: getattr(summary, name) for name in _SUMMARY_FIELDS}
                         for key, summary in run.summaries.items()}  # fmt: skip
    return data


def run_from_json(data: dict[str, Any]) -> RunRecord:
    """Inverse of :func:`run_to_json`."""
    summaries = {k: MetricSummary(**s) for k, s in data.pop("summaries").items()}
    return RunRecord(**data, summaries=summaries)


def project_from_json(data: dict[str, Any]) -> ProjectRecord:
    """A project record from JSON."""
    return ProjectRecord(**data)


def artifact_from_json(data: dict[str, Any]) -> ArtifactRecord:
    """An artifact record from JSON."""
    return ArtifactRecord(**data)


def series_bytes(series: Series) -> bytes:
    """Raw little-endian columns: steps (int64), values (float64), times (int64)."""
    return b"".join(
        (series.steps.astype("<i8").tobytes(), series.values.astype("<f8").tobytes(),
         series.times.astype("<i8").tobytes())
    )  # fmt: skip


def series_from_bytes(key: str, data: bytes) -> Series:
    """Inverse of :func:`series_bytes`."""
    n = len(data) // 24
    columns = [np.frombuffer(data, dtype=t, count=n, offset=i * 8 * n).copy()
               for i, t in enumerate(("<i8", "<f8", "<i8"))]  # fmt: skip
    return Series(key, columns[0], columns[1], columns[2])


def buckets_to_json(buckets: Buckets) -> dict[str, Any]:
    """Buckets as columns of plain lists."""
    return {f.name: (getattr(buckets, f.name).tolist() if f.name != "key" else buckets.key)
            for f in dataclasses.fields(buckets)}  # fmt: skip


def buckets_from_json(data: dict[str, Any]) -> Buckets:
    """Inverse of :func:`buckets_to_json`."""
    ints = {"step_start", "step_end", "count"}
    columns: dict[str, Any] = {k: np.asarray(v, dtype=np.int64 if k in ints else np.float64)
                               for k, v in data.items() if k != "key"}  # fmt: skip
    return Buckets(**columns, key=data["key"])
