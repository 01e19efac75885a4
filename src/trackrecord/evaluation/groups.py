"""Group cells: each group column, and each intersection of 2..3 of them.

The *finest* partition is the intersection of all group columns; every cell of
every level is a union of finest cells, which lets the binned bootstrap draw once
(see :mod:`trackrecord.evaluation.binned`). Level 0 is the whole set.

A cell is *small* when it has fewer than ``min_group_size`` rows or when its main
metric's interval is wider than :data:`WIDE_BOUNDED` (metrics in [0, 1]) or
:data:`WIDE_RELATIVE` times the value (error metrics): too wide to mean much.

Example:
    >>> from trackrecord.evaluation.inputs import GroupColumn
    >>> col = GroupColumn(np.array([0, 1, 1]), ("a", "b"))
    >>> [lv.name for lv in partition({"g": col}, 3).levels]
    ['(all)', 'g']
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from trackrecord.evaluation.criteria import HIGHER_IS_BETTER
from trackrecord.evaluation.inputs import GroupColumn

__all__ = [
    "MAX_ORDER",
    "WIDE_BOUNDED",
    "WIDE_RELATIVE",
    "WORST_COUNT",
    "Level",
    "Partition",
    "cell_name",
    "is_wide",
    "partition",
    "worst_cells",
]

MAX_ORDER: Final = 3
WIDE_BOUNDED: Final = 0.2
WIDE_RELATIVE: Final = 0.5
WORST_COUNT: Final = 5
UNBOUNDED: Final = frozenset({"log_loss", "mae", "rmse", "ae_p50", "ae_p90", "ae_p95", "ae_p99"})


@dataclass(frozen=True)
class Level:
    """One group column or intersection: the cell of each row and each cell's values."""

    columns: tuple[str, ...]
    cell_of_item: NDArray[np.int64]
    values: list[tuple[str, ...]]
    finest: list[NDArray[np.int64]]

    @property
    def name(self) -> str:
        return " & ".join(self.columns) if self.columns else "(all)"

    def cell_names(self) -> list[str]:
        return [cell_name(self.columns, v) for v in self.values]


@dataclass(frozen=True)
class Partition:
    """The finest cell of each row and the levels built from it (level 0: all rows)."""

    finest_of_item: NDArray[np.int64]
    n_finest: int
    levels: list[Level]


def cell_name(columns: tuple[str, ...], values: tuple[str, ...]) -> str:
    """``"sex=F & age=30-40"``; ``"(all)"`` for the whole set."""
    return " & ".join(f"{c}={v}" for c, v in zip(columns, values, strict=True)) or "(all)"


def partition(groups: Mapping[str, GroupColumn], n: int, max_order: int = MAX_ORDER) -> Partition:
    """Build the finest partition and every level of up to *max_order* columns."""
    names = list(groups)
    finest = np.zeros(n, dtype=np.int64)
    for name in names:
        finest = _compress(finest * len(groups[name].names) + groups[name].codes)
    n_finest = int(finest.max()) + 1
    first = np.empty(n_finest, dtype=np.int64)
    first[finest[::-1]] = np.arange(n - 1, -1, -1)
    all_level = Level((), np.zeros(n, dtype=np.int64), [()], [np.arange(n_finest)])
    levels = [all_level]
    for order in range(1, min(max_order, len(names)) + 1):
        for cols in itertools.combinations(names, order):
            levels.append(_level(cols, groups, finest, first))
    return Partition(finest, n_finest, levels)


def _compress(key: NDArray[np.int64]) -> NDArray[np.int64]:
    if key.size and int(key.max()) < 8 * key.size + 1024:
        present = np.bincount(key) > 0
        return (np.cumsum(present) - 1)[key]
    return np.unique(key, return_inverse=True)[1].reshape(-1).astype(np.int64)


def _level(
    cols: tuple[str, ...],
    groups: Mapping[str, GroupColumn],
    finest: NDArray[np.int64],
    first: NDArray[np.int64],
) -> Level:
    key = np.zeros(first.size, dtype=np.int64)
    for c in cols:
        key = key * len(groups[c].names) + groups[c].codes[first]
    uniq, cell_of_finest = np.unique(key, return_inverse=True)
    cell_of_finest = cell_of_finest.reshape(-1)
    values = []
    for k in uniq.tolist():
        vals = []
        for c in reversed(cols):
            k, code = divmod(k, len(groups[c].names))
            vals.append(groups[c].names[code])
        values.append(tuple(reversed(vals)))
    members = [np.flatnonzero(cell_of_finest == i) for i in range(uniq.size)]
    return Level(cols, cell_of_finest[finest], values, members)


def is_wide(metric: str, value: float | None, low: float | None, high: float | None) -> bool:
    """Whether an interval is too wide to mean much (see the module docstring)."""
    if value is None or low is None or high is None:
        return True
    if metric in UNBOUNDED:
        return high - low > WIDE_RELATIVE * max(abs(value), 1e-12)
    return high - low > WIDE_BOUNDED


def worst_cells(cells: list[dict[str, Any]], metric: str) -> list[dict[str, Any]]:
    """The :data:`WORST_COUNT` worst group cells for *metric*, worst first.

    Cells that are not small come first; higher-is-better metrics rank lowest
    value first, error metrics highest value first. Cells without a value are left out.
    """
    sign = 1.0 if metric in HIGHER_IS_BETTER else -1.0
    rows = [c for c in cells if c["metrics"].get(metric, {}).get("value") is not None]
    rows.sort(key=lambda c: (c["small"], sign * c["metrics"][metric]["value"], c["group"]))
    return [
        {"group": c["group"], "level": c["level"], "n": c["n"], "small": c["small"]}
        | c["metrics"][metric]
        for c in rows[:WORST_COUNT]
    ]
