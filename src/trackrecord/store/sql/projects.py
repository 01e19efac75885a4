"""The ``projects`` view: one row per project name, as the chains name them.

A project exists once a run starts in it (``run.start``) or once the ledger records
that a run of it was purged (``run.purge``), so a project whose runs were all purged is
still listed. Its ``created_at`` is the earliest start among those: the same whatever
order runs arrive in (an offline run synced late with an earlier start moves it back),
so :mod:`~trackrecord.store.sql.rebuild` derives the same row from the events.
``id`` is a surrogate key: runs name their project through it, and verification
compares runs by the project's name.
"""

from __future__ import annotations

from trackrecord.store.sql.connection import Cursor

__all__ = ["ensure_project"]


def ensure_project(cur: Cursor, name: str, time: int) -> int:
    """The id of project *name*, created if need be; its ``created_at`` becomes *time*
    when that is earlier than the one it has."""
    cur.execute(
        "INSERT INTO projects (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING", (name, time)
    )
    # an UPDATE that matches nothing locks nothing: runs starting at once in one project do
    # not wait for each other (an upsert would lock the project's row until commit)
    cur.execute(
        "UPDATE projects SET created_at = ? WHERE name = ? AND created_at > ?", (time, name, time)
    )
    (project_id,) = cur.execute("SELECT id FROM projects WHERE name = ?", (name,)).fetchone()
    return int(project_id)
