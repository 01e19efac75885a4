"""Log one item at a time: a failure warns once, naming the item and why, and the rest goes on.

Example:
    >>> items = ItemLogger("demo")
    >>> items.attempt("params", lambda: 1 / 0)  # doctest: +SKIP
    TrackRecordWarning: trackrecord demo: could not log params (ZeroDivisionError: ...)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from trackrecord.errors import ConfigurationError, TrackRecordWarning

if TYPE_CHECKING:
    from trackrecord.sdk.run import Run

__all__ = ["ItemLogger", "active_run", "json_value", "start_run"]

T = TypeVar("T")


class ItemLogger:
    """Runs each logging step in its own ``try``; warns once per failing item."""

    def __init__(self, integration: str) -> None:
        self.integration = integration
        self.failed: set[str] = set()

    def attempt(self, item: str, log: Callable[[], T]) -> T | None:
        """Return ``log()``, or None after warning (once per *item*) about what went wrong."""
        try:
            return log()
        except Exception as exc:  # the tracker must never stop training
            self.warn(item, exc)
            return None

    def warn(self, item: str, exc: BaseException | str) -> None:
        """Warn once that *item* was not logged, with the reason."""
        if item in self.failed:
            return
        self.failed.add(item)
        reason = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
        warnings.warn(
            f"trackrecord {self.integration}: could not log {item} ({reason}); "
            f"the other items are still logged",
            TrackRecordWarning,
            stacklevel=3,
        )


def active_run() -> Run | None:
    """The active run, or None when there is none."""
    from trackrecord.sdk import active

    try:
        return active.current()
    except ConfigurationError:
        return None


def start_run(name: str) -> Run:
    """Start a run named *name* in the default project (``TRACKRECORD_PROJECT``)."""
    import trackrecord

    return trackrecord.init(name=name)


def json_value(value: Any) -> Any:
    """*value* as a JSON param value: scalars and lists kept, anything else as ``str``."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if type(value).__module__ == "numpy" and getattr(value, "ndim", 1) == 0:
        return json_value(value.item())
    if isinstance(value, (list, tuple)) and all(
        v is None or isinstance(v, (bool, int, float, str)) for v in value
    ):
        return [json_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    return str(value)
