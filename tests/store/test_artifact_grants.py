"""The ledger of which projects hold which artifact bytes (what a server checks writes against)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from tests.store.conftest import Chain
from trackrecord.store.sql import SqlStore


def test_bytes_are_held_by_the_projects_they_were_uploaded_for_or_recorded_in(
    tmp_path: Path,
) -> None:
    store = SqlStore.open(tmp_path / "store")
    uploaded, _ = store.put_artifact(io.BytesIO(b"weights"), "vision")
    anonymous, _ = store.put_artifact(io.BytesIO(b"no project said"))
    again, _ = store.put_artifact(io.BytesIO(b"weights"), "vision")  # idempotent
    chain = Chain("nlp")
    recorded = hashlib.sha256(b"recorded by a run").hexdigest()
    chain.add("artifact", {"files": [{"path": "r.bin", "sha256": recorded, "size": 17,
                                      "media_type": "application/octet-stream"}]})  # fmt: skip
    store.append_events(chain.events)
    assert again == uploaded
    assert store.grants.holders(uploaded) == store.projects_with_artifact(uploaded) == {"vision"}
    assert store.grants.holders(anonymous) == set()
    assert store.grants.holders(recorded) == {"nlp"}
    assert store.grants.held("nlp", [uploaded, anonymous, recorded]) == {recorded}
    assert store.grants.held("vision", [uploaded, recorded]) == {uploaded}
    store.close()
