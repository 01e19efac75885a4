"""Garbage collection of artifact contents: removes exactly what no run refers to."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

import trackrecord
from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.gc import collect, plan_gc, referenced_digests
from trackrecord.record.events import GENESIS, Event
from trackrecord.spool import Spool


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass(frozen=True)
class Store:
    root: Path
    referenced: set[str]  # every digest a run's record names
    orphan: str  # stored, named by no run
    run_ids: tuple[str, ...]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Two runs: one re-logs a path (its older content stays referenced), one is deleted."""
    root = tmp_path_factory.mktemp("gc") / "store"
    with trackrecord.init("p", dir=root, capture=False) as kept:
        kept.log_text("model.txt", "version 1")
        kept.log_text("model.txt", "version 2")  # the record still names version 1
        kept.log_text("shared.txt", "same bytes")
    with trackrecord.init("p", dir=root, capture=False) as deleted:
        deleted.log_text("only-here.txt", "restorable")
        deleted.log_text("shared.txt", "same bytes")
    with trackrecord.Api(dir=root) as api:
        api.delete(deleted.id)
        orphan, _ = api.store.put_artifact(io.BytesIO(b"no run names me"))
        assert [a.path for a in api.artifacts(kept.id)] == ["model.txt", "shared.txt"]
    referenced = {sha(b) for b in (b"version 1", b"version 2", b"same bytes", b"restorable")}
    return Store(root, referenced, orphan, (kept.id, deleted.id))


@pytest.fixture
def store(template: Store, tmp_path: Path) -> Store:
    """A copy of the template store for one test to change."""
    root = tmp_path / "store"
    shutil.copytree(template.root, root)
    return dataclasses.replace(template, root=root)


def stored(root: Path) -> set[str]:
    return set(LocalArtifactStore(root / "artifacts").digests())


def test_the_plan_names_only_the_unreferenced_content(store: Store) -> None:
    with trackrecord.Api(dir=store.root) as api:
        plan = plan_gc(api, min_age=0)
    assert plan.unreferenced == {store.orphan: len(b"no run names me")}
    assert plan.runs == 2 and plan.referenced == len(store.referenced) == 4
    assert plan.bytes == len(b"no run names me")
    assert stored(store.root) == store.referenced | {store.orphan}  # planning removes nothing


def test_collect_removes_it_and_keeps_every_referenced_content(store: Store) -> None:
    with trackrecord.Api(dir=store.root) as api:
        freed = collect(api, plan_gc(api, min_age=0))
        assert freed == len(b"no run names me")
        assert stored(store.root) == store.referenced
        api.restore(store.run_ids[1])  # the deleted run comes back whole
        for run_id in store.run_ids:
            result = api.verify(run_id)  # re-hashes every content the record names
            assert result.ok, result.problem
        with api.open_artifact(store.run_ids[1], "only-here.txt") as handle:
            assert handle.read() == b"restorable"


def test_recent_content_is_spared_by_default(store: Store) -> None:
    with trackrecord.Api(dir=store.root) as api:
        plan = plan_gc(api)  # the orphan was stored a moment ago: a run may record it soon
        assert plan.count == 0 and plan.spared == 1
        assert collect(api, plan) == 0
    assert store.orphan in stored(store.root)


def test_content_stored_again_after_the_plan_is_kept(store: Store) -> None:
    with trackrecord.Api(dir=store.root) as api:
        plan = plan_gc(api, min_age=0)
        assert store.orphan in plan.unreferenced
        time.sleep(0.05)  # file times are coarser than the clock
        api.store.put_artifact(io.BytesIO(b"no run names me"))  # a new run's log_artifact
        assert collect(api, plan) == 0
    assert store.orphan in stored(store.root)


def test_contents_named_only_in_a_live_runs_spool_are_referenced(store: Store) -> None:
    digest = sha(b"on its way")
    with trackrecord.Api(dir=store.root) as api:
        api.store.put_artifact(io.BytesIO(b"on its way"))
        spool = Spool(store.root / "spool", "01m8cvyv2qdqdwy2pq0380m6jf")  # a live writer's
        try:
            body = {"files": [{"path": "x", "sha256": digest, "size": 10, "media_type": "a/b"}]}
            spool.append([Event.build(spool.directory.name, 1, "artifact", 0, GENESIS, body)])
            found, _ = referenced_digests(api)
            plan = plan_gc(api, min_age=0)
        finally:
            spool.close(delete=True)
    assert digest in found and digest not in plan.unreferenced


def test_stale_staging_files_go_fresh_ones_stay(store: Store) -> None:
    staging = store.root / "artifacts" / "tmp"
    staging.mkdir(exist_ok=True)
    (staging / "put-dead").write_bytes(b"x" * 100)
    hour_ago = time.time() - 3700
    os.utime(staging / "put-dead", (hour_ago, hour_ago))
    (staging / "put-writing").write_bytes(b"y")
    with trackrecord.Api(dir=store.root) as api:
        plan = plan_gc(api)
        assert plan.stale_staging == [("put-dead", 100)]
        assert collect(api, plan) == 100
    assert sorted(p.name for p in staging.iterdir()) == ["put-writing"]
