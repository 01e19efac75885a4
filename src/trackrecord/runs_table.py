"""Runs as table rows: the columns a runs table, an export or a data frame shows.

A column is any query field (:mod:`trackrecord.query`): an attribute such as
``name`` or ``duration``, ``params.<key>``, ``metrics.<key>[.min|.max|.count|
.step]`` or ``tags.<key>``. Without a choice of columns, a row has every
attribute, param, tag and each metric's last value.

Example:
    >>> table = api.search_runs("metrics.acc.max > 0.9", columns=["name", "metrics.acc.max"])
    ... # doctest: +SKIP
    >>> table.rows[0]  # doctest: +SKIP
    {'id': '01jc...', 'name': 'bold-otter-7', 'metrics.acc.max': 0.93}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trackrecord.errors import missing
from trackrecord.query import Field
from trackrecord.query.syntax import ATTRIBUTES, parse_field
from trackrecord.store.base import RunRecord

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["RunTable", "parse_columns", "run_row"]

_TIME_COLUMNS = ("created", "finished")


def parse_columns(columns: Sequence[str] | None) -> list[Field] | None:
    """Resolve column names (None: every column)."""
    return None if columns is None else [parse_field(c, c) for c in columns]


def _attribute(run: RunRecord, name: str) -> Any:
    values: dict[str, Any] = {
        "id": run.id, "name": run.name, "project": run.project, "group": run.group,
        "status": run.status, "parent": run.parent, "created": run.created_at,
        "finished": run.finished_at, "duration": run.duration_ms, "user": run.user,
        "host": run.host, "git.commit": run.git_commit, "git.branch": run.git_branch,
    }  # fmt: skip
    return values[name]


def _value(run: RunRecord, field: Field) -> Any:
    if field.kind == "attr":
        return _attribute(run, field.name)
    if field.kind == "param":
        return run.params.get(field.name)
    if field.kind == "tag":
        return run.tags.get(field.name)
    summary = run.summaries.get(field.name)
    if summary is None:
        return None
    return {"last": summary.last, "min": summary.min, "max": summary.max,
            "count": summary.count, "step": summary.max_step}[field.aggregate]  # fmt: skip


def run_row(run: RunRecord, fields: list[Field] | None) -> dict[str, Any]:
    """One flat row: ``id`` first, then the chosen columns (or all of them)."""
    if fields is None:
        row = {name: _attribute(run, name) for name in ATTRIBUTES}
        row.update({f"params.{k}": v for k, v in sorted(run.params.items())})
        for key, summary in sorted(run.summaries.items()):
            row[f"metrics.{key}"] = summary.last
            row[f"metrics.{key}.min"] = summary.min
            row[f"metrics.{key}.max"] = summary.max
        row.update({f"tags.{k}": v for k, v in sorted(run.tags.items())})
        return row
    row = {"id": run.id}
    row.update({str(field): _value(run, field) for field in fields})
    return row


@dataclass(frozen=True)
class RunTable:
    """A page of runs as rows; ``next_cursor`` fetches the next page (None: no more)."""

    runs: list[RunRecord]
    rows: list[dict[str, Any]]
    next_cursor: str | None

    def __len__(self) -> int:
        return len(self.rows)

    def to_dataframe(self) -> pd.DataFrame:
        """The rows as a pandas DataFrame (times as UTC datetimes, durations as timedeltas)."""
        return rows_dataframe(self.rows)


def rows_dataframe(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows as a pandas DataFrame, with time columns converted."""
    try:
        import pandas as pd
    except ImportError:
        raise missing("pandas", "tables", "to_dataframe()") from None
    frame: pd.DataFrame = pd.DataFrame(rows)
    for column in _TIME_COLUMNS:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], unit="ms", utc=True)
    if "duration" in frame:
        frame["duration"] = pd.to_timedelta(frame["duration"], unit="ms")
    return frame
