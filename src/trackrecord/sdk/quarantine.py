"""Values the store cannot hold, set aside so that the rest of the run goes on.

The SDK checks every value at the call site, so a value that reaches the writer
should always be storable. Should one not be — the writer cannot encode it, or
the store refuses it (a server with stricter limits) — it must not block the
events behind it: the writer sets it aside here, warns naming it and the file it
is kept in, and chains the next events as if it had never been logged.

Each set-aside value is one JSON line in ``<dir>/quarantine/<run id>.jsonl`` (or
in the store's fallback directory, when the store's own cannot be written):
when, what (its event type, keys and seq), why, and the value itself (as JSON
where it can be, else as its ``repr``).
"""

from __future__ import annotations

import contextlib
import json
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trackrecord.errors import TrackRecordWarning
from trackrecord.fallback import make_fallback
from trackrecord.record.events import Points
from trackrecord.values import json_ready

__all__ = ["Quarantine", "describe"]


def describe(type: str, body: Mapping[str, Any], points: Mapping[str, Any]) -> str:
    """A short name for what an event logs: its type and the keys it names."""
    named = (body.get("params") or body.get("tags")) if isinstance(body, Mapping) else None
    keys = list(points) or (list(named) if isinstance(named, Mapping) else [])
    shown = [repr(k) if len(repr(k)) <= 60 else f"{repr(k)[:56]}...'" for k in keys[:5]]
    return f"{type} {', '.join(shown)}{', ...' if len(keys) > 5 else ''}" if keys else type


class Quarantine:
    """The set-aside values of one run (see the module docs)."""

    def __init__(self, store_root: Path, run_id: str) -> None:
        self.run_id = run_id
        self._store_root = store_root
        self.path: Path | None = None
        """The file the last set-aside value went to (None: none yet, or none could be written)."""
        self.count = 0
        """How many values were set aside."""
        self.lost = 0
        """How many of them no file could hold (then only the warning names them)."""

    def keep(
        self,
        what: str,
        reason: BaseException,
        body: Mapping[str, Any],
        points: Mapping[str, Any] | None = None,
    ) -> None:
        """Set aside *what* (``body`` and ``points``), refused for *reason*, and warn."""
        self.count += 1
        line = _record(self.run_id, what, reason, body, points or {})
        written = self._write(line)
        where = f"kept in {written}" if written else "lost: no file could hold it"
        self.lost += written is None
        with contextlib.suppress(Warning):  # warnings made errors must not stop the writer
            warnings.warn(
                f"TrackRecord set aside {what} of run {self.run_id}, which cannot be stored "
                f"({reason}); it is {where}. The rest of the run is stored as usual",
                TrackRecordWarning,
                stacklevel=2,
            )

    def _write(self, line: str) -> Path | None:
        name = f"{self.run_id}.jsonl"
        for fallback in (False, True):
            try:
                root = make_fallback(self._store_root) if fallback else self._store_root
                path = root / "quarantine" / name
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("a", encoding="utf-8") as out:
                    out.write(line)
            except OSError:
                continue
            self.path = path
            return path
        return None


def _record(
    run_id: str,
    what: str,
    reason: BaseException,
    body: Mapping[str, Any],
    points: Mapping[str, Any],
) -> str:
    record = {
        "run": run_id,
        "time": time.time_ns() // 1_000_000,
        "what": what,
        "reason": f"{type(reason).__name__}: {reason}",
        "body": body,
        "points": {key: _columns(value) for key, value in points.items()},
    }
    try:
        text = json.dumps(json_ready(record), allow_nan=False)
    except Exception:  # not JSON (an object, a cycle, too deep): keep what repr says
        text = json.dumps({**record, "body": _repr(body), "points": _repr(points)})
    return text + "\n"


def _repr(value: Any) -> str:
    try:
        return repr(value)[:100_000]
    except Exception as exc:  # e.g. nested past the stack
        return f"<a {type(value).__name__} that cannot be shown: {type(exc).__name__}>"


def _columns(value: Any) -> Any:
    if isinstance(value, Points):
        return {k: getattr(value, k).tolist() for k in ("steps", "values", "times")}
    return value
