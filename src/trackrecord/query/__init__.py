"""The run query language, shared by the SDK, the CLI, the server and the UI.

Example::

    metrics.val_acc.max > 0.9 and (params.optimizer = "adam" or tags.stage = "prod")
    and created > -7d and not name ~ "debug-*"

See ``docs/query-language.md`` for the whole language. :func:`parse` turns text
into a syntax tree (:mod:`trackrecord.query.syntax`); stores compile the tree to
their own query language (SQL for :class:`~trackrecord.store.sql.SqlStore`).
"""

from trackrecord.query.errors import QueryError
from trackrecord.query.parser import parse
from trackrecord.query.syntax import Field, Order, parse_order

__all__ = ["Field", "Order", "QueryError", "parse", "parse_order"]
