"""Artifact bytes logged while a server may be away, shipped before their events.

A run logging to a server stores artifact contents in a local, content-addressed
outbox (``<dir>/outbox``) instead of uploading them in the training loop. Before
the writer (or a later recovery, or ``trackrecord sync``) sends an ``artifact``
event, it uploads the contents the event names, so the server never holds an
event whose bytes it lacks.
"""

from __future__ import annotations

from collections.abc import Iterable

from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.events import Event
from trackrecord.store.base import Store

__all__ = ["ship_artifacts"]


def ship_artifacts(
    events: Iterable[Event],
    outbox: LocalArtifactStore,
    store: Store,
    shipped: set[str] | None = None,
) -> None:
    """Upload the outbox contents that *events* name (those in *shipped* are skipped)."""
    for event in events:
        if event.type != "artifact":
            continue
        for record in event.body["files"]:
            digest = str(record["sha256"])
            if shipped is not None and digest in shipped:
                continue
            if outbox.exists(digest):
                with outbox.open(digest) as handle:
                    store.put_artifact(handle)
            if shipped is not None:
                shipped.add(digest)
