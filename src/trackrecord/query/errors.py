"""Query errors that point at the bad token."""

from __future__ import annotations

from trackrecord.errors import InvalidValueError

__all__ = ["QueryError"]


class QueryError(InvalidValueError):
    """A query that does not parse, or names an unknown field.

    ``position`` is the 0-based offset of the bad token in ``text``; ``str()``
    shows the query with a caret under it.
    """

    def __init__(self, message: str, text: str, position: int) -> None:
        self.reason = message
        self.text = text
        self.position = position
        caret = " " * position + "^"
        super().__init__(f"{message} (at position {position})\n  {text}\n  {caret}")
