"""Plain-text tables: aligned columns, long cells cut with ``…``, colour only on a terminal.

Lines come back styled with ANSI codes (bold header, highlighted rows);
``click.echo`` drops the codes when stdout is not a terminal, so pipes and
CI logs get plain text.

Example:
    >>> lines = render_table([Column("key"), Column("value", align="right")],
    ...                      [["lr", "0.1"], ["batch", "32"]])
    >>> print("\\n".join(click.unstyle(line) for line in lines))
    key    value
    lr       0.1
    batch     32
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import click

__all__ = ["Column", "render_table", "truncate"]

ELLIPSIS: Final = "…"
MIN_WIDTH: Final = 4
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Column:
    """A table column: its header, alignment and the widest its cells may be."""

    header: str
    align: Literal["left", "right"] = "left"
    max_width: int = 40


def truncate(text: str, width: int) -> str:
    """*text* on one line, cut to *width* characters with a trailing ``…`` if longer."""
    text = _CONTROL.sub(" ", text)
    if len(text) <= width:
        return text
    return text[: max(width - 1, 0)] + ELLIPSIS if width > 0 else ""


def _widths(
    columns: Sequence[Column], rows: Sequence[Sequence[str]], gap: int, total: int | None
) -> list[int]:
    widths = [
        min(max([len(c.header), *(len(_CONTROL.sub(" ", row[i])) for row in rows)]), c.max_width)
        for i, c in enumerate(columns)
    ]
    if total is None:
        return widths
    excess = sum(widths) + gap * (len(widths) - 1) - total
    while excess > 0:  # narrow the widest column, one character at a time
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= MIN_WIDTH:
            break
        widths[widest] -= 1
        excess -= 1
    return widths


def _line(cells: Sequence[str], columns: Sequence[Column], widths: list[int], gap: int) -> str:
    parts = []
    for cell, column, width in zip(cells, columns, widths, strict=True):
        text = truncate(cell, width)
        parts.append(text.rjust(width) if column.align == "right" else text.ljust(width))
    return (" " * gap).join(parts).rstrip()


def render_table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    width: int | None = None,
    marked: Collection[int] = (),
    gap: int = 2,
) -> list[str]:
    """The table's lines: a bold header, then one line per row.

    Args:
        columns: the columns, in order.
        rows: cells as text, one list per row, as many as there are columns.
        width: the most characters a line may take; the widest columns are cut
            to fit (None: no limit beyond each column's ``max_width``).
        marked: indexes of rows to highlight (shown in yellow on a terminal).
        gap: spaces between columns.
    """
    widths = _widths(columns, rows, gap, width)
    lines = [click.style(_line([c.header for c in columns], columns, widths, gap), bold=True)]
    for index, row in enumerate(rows):
        line = _line(row, columns, widths, gap)
        lines.append(click.style(line, fg="yellow") if index in marked else line)
    return lines
