"""What verification reports: one :class:`Problem` per difference it found.

A problem names where (the ``chain`` it was found in, the ``table``, the row's ``key``
and the ``column``), what is stored and what the chain says should be (``stored``,
``expected``), and says it in a sentence (``str(problem)``). ``kind`` sorts it:

- ``chain``: a chain's own link or hash is broken (an event altered, removed, reordered);
- ``head``: a chain's recorded head does not match its last event;
- ``differs``: a view's value differs from what its events derive;
- ``missing``: the events derive a row the view lacks;
- ``forged``: the view holds a row no event derives;
- ``orphan``: rows belong to a chain that does not exist;
- ``replay``: the events could not be replayed (a damaged chain, a newer format);
- ``content``: stored bytes do not hash to their recorded digest;
- ``unreadable``: the record could not be read at all.

Others extend the report by adding kinds; the fields stay.

Example:
    >>> p = Problem("run:01j", "params", (("run_id", "01j"), ("key", "lr")), "value",
    ...             "0.5", "0.1", "differs")
    >>> str(p)
    "params (run_id=01j, key=lr): value is '0.5', the events say '0.1'"
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

__all__ = ["Problem", "shown"]

Key = tuple[tuple[str, Any], ...]


def shown(value: Any) -> Any:
    """*value* as a report shows it: bytes as their size and SHA-256, long text cut."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        return f"<{len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]}>"
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, str) and len(value) > 200:
        return value[:200] + f"... ({len(value)} characters)"
    return value


@dataclass(frozen=True)
class Problem:
    """One difference between the stored record and what its chains say.

    Args:
        chain: the chain it concerns: ``run:ID``, ``registry:NAME``, ``ledger``,
            ``audit``, or ``store`` for store-wide views.
        table: the table (a view, or a chain's own table such as ``events``).
        key: the row's key columns and values (empty for a whole table or chain).
        column: the column that differs, or None for a whole row.
        stored: what the database holds (None: nothing).
        expected: what the chain derives (None: nothing).
        kind: see the module docstring.
        detail: a sentence for problems that are not a value's difference.
    """

    chain: str
    table: str
    key: Key
    column: str | None
    stored: Any
    expected: Any
    kind: str
    detail: str = ""

    @property
    def where(self) -> str:
        """The table and the row's key, as ``table (col=value, ...)``."""
        if not self.key:
            return self.table
        return f"{self.table} ({', '.join(f'{k}={v}' for k, v in self.key)})"

    def __str__(self) -> str:
        if self.kind == "differs":
            return (
                f"{self.where}: {self.column} is {shown(self.stored)!r}, the events say "
                f"{shown(self.expected)!r}"
            )
        if self.kind == "missing":
            return f"{self.where}: the events make this row, the table lacks it"
        if self.kind == "forged":
            return f"{self.where}: no event makes this row (it was added by hand)"
        return f"{self.where}: {self.detail}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (bytes shown as their size and digest)."""
        return {
            "chain": self.chain,
            "table": self.table,
            "key": {k: shown(v) for k, v in self.key},
            "column": self.column,
            "stored": shown(self.stored),
            "expected": shown(self.expected),
            "kind": self.kind,
            "message": str(self),
        }
