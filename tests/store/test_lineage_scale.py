"""Lineage on a store with thousands of runs: both directions give exactly the right graph.

(How fast: ``benchmarks/lineage_bench.py``; tests do not time.)
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from trackrecord.ids import new_run_id
from trackrecord.record.events import GENESIS, Event
from trackrecord.store.sql import SqlStore

RUNS = 2000
PREP = 200  # each reads raw version (i % 20) and produces features version i


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def dataset(name: str, key: str, direction: str) -> dict[str, object]:
    return {"name": name, "digest": sha(key), "role": "train", "direction": direction,
            "kind": "file"}  # fmt: skip


def append(store: SqlStore, run_id: str, bodies: list[tuple[str, dict[str, object]]]) -> None:
    events, prev = [], GENESIS
    for seq, (type_, body) in enumerate(bodies, 1):
        events.append(Event.build(run_id, seq, type_, 1_700_000_000_000 + seq, prev, body))
        prev = events[-1].hash
    store.append_events(events)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[SqlStore, dict[str, object]]:
    store = SqlStore.open(Path(tmp_path_factory.mktemp("lineage")) / "store")
    rng = random.Random(3)
    prep_ids, reads, models = [], {}, {}
    for i in range(PREP):
        run_id = new_run_id()
        prep_ids.append(run_id)
        append(store, run_id, [("run.start", {"project": "p", "name": f"prep{i}"}),
                               ("dataset", dataset("raw", f"raw{i % 20}", "input")),
                               ("dataset", dataset("features", f"f{i}", "output"))])  # fmt: skip
    for i in range(RUNS - PREP):
        run_id, source = new_run_id(), rng.randrange(PREP)
        reads[run_id] = source
        bodies = [("run.start", {"project": "p", "name": f"train{i}"}),
                  ("dataset", dataset("features", f"f{source}", "input"))]  # fmt: skip
        if i % 100 == 0:
            files = [{"path": "w.bin", "sha256": sha(f"w{i}"), "size": 1}]
            bodies.append(("model", {"name": "clf", "digest": sha(f"m{i}"), "flavor": "directory",
                                     "format": "files", "path": "models/clf", "files": files,
                                     "meta": {}}))  # fmt: skip
        append(store, run_id, bodies)
        if i % 100 == 0:
            models[run_id] = store.catalog.create_version("clf", run_id, "clf", "test").version
    store.catalog.set_alias("clf", "champion", 5, "test")
    return store, {"prep": prep_ids, "reads": reads, "models": models}


def test_downstream_of_a_raw_version_is_every_run_and_model_made_from_it(
    big: tuple[SqlStore, dict[str, object]],
) -> None:
    store, plan = big
    prep_ids: list[str] = plan["prep"]  # type: ignore[assignment]
    reads: dict[str, int] = plan["reads"]  # type: ignore[assignment]
    models: dict[str, int] = plan["models"]  # type: ignore[assignment]
    preps = {i for i in range(PREP) if i % 20 == 7}
    trains = {run for run, source in reads.items() if source in preps}
    expected = (
        {f"dataset:p/raw@{sha('raw7')}"}
        | {f"run:{prep_ids[i]}" for i in preps}
        | {f"dataset:p/features@{sha(f'f{i}')}" for i in preps}
        | {f"run:{run}" for run in trains}
        | {f"model:clf/{models[run]}" for run in trains if run in models}
    )
    if any(models.get(run) == 5 for run in trains):
        expected.add("alias:clf@champion")
    graph = store.catalog.lineage("dataset:p/raw@" + sha("raw7")[:12], "downstream", depth=10)
    assert set(graph.nodes) == expected
    assert len(graph.edges) == len(expected) - 1  # a tree: one edge into each node but the root


def test_upstream_of_the_champion_reaches_the_raw_data_and_nothing_else(
    big: tuple[SqlStore, dict[str, object]],
) -> None:
    store, plan = big
    prep_ids: list[str] = plan["prep"]  # type: ignore[assignment]
    reads: dict[str, int] = plan["reads"]  # type: ignore[assignment]
    models: dict[str, int] = plan["models"]  # type: ignore[assignment]
    (trained,) = [run for run, version in models.items() if version == 5]
    source = reads[trained]
    graph = store.catalog.lineage("alias:clf@champion", "upstream")
    assert set(graph.nodes) == {
        "alias:clf@champion",
        "model:clf/5",
        f"run:{trained}",
        f"dataset:p/features@{sha(f'f{source}')}",
        f"run:{prep_ids[source]}",
        f"dataset:p/raw@{sha(f'raw{source % 20}')}",
    }
    assert [e.kind for e in sorted(graph.edges, key=lambda e: e.kind)] == [
        "alias", "input", "input", "output", "registered"
    ]  # fmt: skip
