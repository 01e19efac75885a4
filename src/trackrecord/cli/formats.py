"""How values look on the command line: times, durations, sizes, numbers, JSON."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from trackrecord.values import json_ready

__all__ = [
    "format_bytes",
    "format_duration",
    "format_time",
    "format_value",
    "json_ready",
    "short_ids",
    "to_json",
]

MISSING = "-"
SHORT_ID = 8


def format_time(ms: int | None, seconds: bool = False) -> str:
    """Unix milliseconds as local time: ``2026-05-09 14:03`` (with *seconds*: ``:27``)."""
    if ms is None:
        return MISSING
    moment = dt.datetime.fromtimestamp(ms / 1000).astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def format_duration(ms: int | None) -> str:
    """Milliseconds as ``850ms``, ``12.3s``, ``4m05s``, ``2h03m`` or ``3d04h``."""
    if ms is None:
        return MISSING
    if ms < 1000:
        return f"{ms}ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f}s"
    seconds = ms // 1000
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    if seconds < 86_400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86_400}d{seconds % 86_400 // 3600:02d}h"


def format_bytes(size: int) -> str:
    """A size in bytes, in binary units: ``512 B``, ``1.5 KiB``, ``3.2 GiB``."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def format_value(value: Any) -> str:
    """A param, tag or metric value as table text (numbers to 6 significant digits)."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list)):
        return json.dumps(json_ready(value), ensure_ascii=False, separators=(",", ":"))
    return str(value)


def to_json(value: Any, lines: bool = False) -> str:
    """Strict JSON text (indented unless *lines*: one compact line)."""
    return json.dumps(
        json_ready(value),
        ensure_ascii=False,
        allow_nan=False,
        default=str,
        indent=None if lines else 2,
        separators=(",", ":") if lines else None,
    )


def short_ids(ids: Sequence[str]) -> dict[str, str]:
    """The shortest prefixes (at least 8 characters) that tell these ids apart."""
    length = SHORT_ID
    while length < 26 and len({i[:length] for i in ids}) < len(set(ids)):
        length += 1
    return {i: i[:length] for i in ids}
