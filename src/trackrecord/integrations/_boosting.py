"""What the XGBoost and LightGBM callbacks share: which run, and the items at the end."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trackrecord.integrations._safe import ItemLogger, active_run, start_run

if TYPE_CHECKING:
    from trackrecord.sdk.run import Run

__all__ = ["RunHolder", "importance_rows"]


class RunHolder:
    """The run a callback logs to: the one given, the active one, or one it starts
    (and then finishes itself)."""

    def __init__(self, run: Run | None, items: ItemLogger, name: str) -> None:
        self._given = run
        self._items = items
        self._name = name
        self.run: Run | None = None
        self.owned = False

    def open(self) -> Run | None:
        """Pick the run at the start of training."""
        if self.run is None:
            self.run = self._given or active_run()
            if self.run is None:
                self.run = self._items.attempt("the run (trackrecord.init)",
                                               lambda: start_run(self._name))  # fmt: skip
                self.owned = self.run is not None
        return self.run

    def close(self) -> None:
        """Finish the run when this callback started it."""
        run, self.run = self.run, None
        if run is not None and self.owned:
            self._items.attempt("the run's end", run.finish)
        self.owned = False


def importance_rows(scores: Mapping[str, float]) -> list[dict[str, Any]]:
    """Feature importances as table rows, the most important first."""
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    return [{"feature": str(name), "importance": float(value)} for name, value in ranked]
