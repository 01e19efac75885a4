"""The projects a request may read, carried to the database for row-level security.

The server runs each request inside :func:`project_scope` with the projects its
identity may read. On PostgreSQL, every connection the database hands out for a
read then carries that set as the setting ``trackrecord.projects``, and the
row-level security policies of the schema hide the runs of other projects, and
every row keyed by such a run (events, params, metrics, artifacts, datasets
used, logged models, evaluations), whatever SQL a route runs. SQLite has no
row-level security; there the search's own scope (``Store.search_runs(...,
projects=...)``) and the server's checks are what keep projects apart.

No scope (the default: embedded use, the CLI, a server admin, background work)
means every project. Write transactions are never scoped: the write path looks
up what it must check (whether a run id is taken, which project owns a name)
across every project, and its authorisation happens before it.

Example:
    >>> with project_scope({"alpha"}):
    ...     current_scope()
    frozenset({'alpha'})
    >>> current_scope() is None
    True
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Final

__all__ = ["SETTING", "current_scope", "project_scope", "scope_setting", "unrestricted"]

SETTING: Final = "trackrecord.projects"
"""The PostgreSQL setting the row-level security policies read: a JSON array of project
names, or empty for every project."""

_SCOPE: ContextVar[frozenset[str] | None] = ContextVar("trackrecord_project_scope", default=None)


def current_scope() -> frozenset[str] | None:
    """The projects reads are limited to here (None: every project)."""
    return _SCOPE.get()


@contextmanager
def project_scope(projects: Collection[str] | None) -> Iterator[None]:
    """Limit the database reads of this context to *projects* (None: every project).

    The scope follows the context into threads started with ``contextvars`` copied
    (Starlette's ``run_in_threadpool`` and ``asyncio.to_thread`` do).
    """
    token = _SCOPE.set(None if projects is None else frozenset(projects))
    try:
        yield
    finally:
        _SCOPE.reset(token)


def unrestricted() -> AbstractContextManager[None]:
    """Reads of every project for the block: for authorisation's own lookups (which must
    tell "taken by another project" from "free") and nothing else."""
    return project_scope(None)


def scope_setting(projects: Collection[str] | None) -> str:
    """The value of :data:`SETTING` for *projects*.

    Example:
        >>> scope_setting({"b", "a"}), scope_setting(None)
        ('["a","b"]', '')
    """
    if projects is None:
        return ""
    return json.dumps(sorted(projects), separators=(",", ":"), ensure_ascii=False)
