"""The Store contract: every implementation in conftest.STORES must pass all of it."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from tests.store.conftest import Chain, pts
from trackrecord.compliance.verify import verify_run
from trackrecord.errors import ChainConflictError, InvalidValueError, NotFoundError
from trackrecord.record.events import Event
from trackrecord.store.base import Store


def test_run_start_materialises_the_run(store: Store) -> None:
    chain = Chain(
        "vision",
        config={"opt": {"lr": 0.1}, "layers": [1, 2]},
        tags={"a": "b"},
        group="cv",
        notes="first",
        user="ann",
        host="box",
    )
    assert store.append_events(chain.events) == 1
    run = store.get_run(chain.run_id)
    assert (run.project, run.status, run.group, run.notes, run.user) == (
        "vision",
        "running",
        "cv",
        "first",
        "ann",
    )
    assert run.params == {"opt.lr": 0.1, "layers": [1, 2]}
    assert run.tags == {"a": "b"}
    assert (run.head_seq, run.head_hash) == (1, chain.events[0].hash)
    assert [p.name for p in store.list_projects()] == ["vision"]


def test_append_is_idempotent_by_seq(store: Store) -> None:
    chain = Chain()
    chain.metrics(loss=([0, 1], [1.0, 0.5]))
    store.append_events(chain.events)
    assert store.append_events(chain.events) == 2  # a retry stores nothing twice
    chain.metrics(loss=([2], [0.25]))
    assert store.append_events(chain.events) == 3  # old and new together
    assert store.metric_series(chain.run_id, "loss").values.tolist() == [1.0, 0.5, 0.25]
    assert store.get_run(chain.run_id).summaries["loss"].count == 3


def test_conflicting_or_broken_chains_are_refused(store: Store) -> None:
    chain = Chain()
    store.append_events(chain.events)
    other = Chain(run_id=chain.run_id, project="elsewhere")
    with pytest.raises(ChainConflictError, match="other content"):
        store.append_events(other.events)  # same seq, other hash
    chain.add("tags", {"tags": {"x": "1"}})
    chain.add("tags", {"tags": {"y": "2"}})
    with pytest.raises(ChainConflictError, match="missing events"):
        store.append_events(chain.events[2:])  # a gap
    forged = Event(
        chain.run_id, 2, "tags", 5, chain.events[0].hash, {"tags": {"x": "9"}}, chain.events[1].hash
    )
    with pytest.raises(ChainConflictError, match="does not match"):
        store.append_events([forged])
    assert store.get_run(chain.run_id).tags == {}  # nothing of the refused batches stored


def test_a_run_must_start_with_run_start(store: Store) -> None:
    chain = Chain()
    with pytest.raises(InvalidValueError, match=r"run\.start"):
        store.append_events([Event.build(chain.run_id, 1, "tags", 1, "0" * 64, {"tags": {}})])


def test_run_lifecycle_params_tags_notes_end(store: Store) -> None:
    chain = Chain(config={"a": 1})
    chain.add("params", {"params": {"a": 2, "b": None, "c": True}})
    chain.add("tags", {"tags": {"k": "v"}})
    chain.add("notes", {"text": "hello"})
    chain.add("run.end", {"status": "failed", "error": {"type": "E", "message": "m"}})
    store.append_events(chain.events)
    run = store.get_run(chain.run_id)
    assert run.params == {"a": 2, "b": None, "c": True}
    assert (run.notes, run.status, run.error) == ("hello", "failed", {"type": "E", "message": "m"})
    assert run.finished_at == chain.events[-1].time
    chain.add("run.resume", {})
    store.append_events(chain.events)
    assert store.get_run(chain.run_id).status == "running"


def test_metric_series_and_summaries(store: Store) -> None:
    chain = Chain()
    chain.metrics(loss=([0, 1, 2], [3.0, np.nan, 1.0]), acc=([0], [0.5]))
    chain.metrics(loss=([5, 4], [np.inf, -2.0]))
    store.append_events(chain.events)
    series = store.metric_series(chain.run_id, "loss")
    assert series.steps.tolist() == [0, 1, 2, 5, 4]  # logged order, not sorted
    assert np.isnan(series.values[1]) and series.values[3] == np.inf
    assert store.metric_series(chain.run_id, "loss", start=2, end=4).steps.tolist() == [2, 4]
    summary = store.get_run(chain.run_id).summaries["loss"]
    assert (summary.count, summary.last, summary.last_step) == (5, -2.0, 4)
    assert (summary.min, summary.max) == (-2.0, np.inf)
    with pytest.raises(NotFoundError, match="acc, loss"):
        store.metric_series(chain.run_id, "nope")


def test_summary_of_all_nan_has_no_min_max_and_nan_last(store: Store) -> None:
    chain = Chain()
    chain.metrics(x=([0, 1], [np.nan, np.nan]))
    store.append_events(chain.events)
    summary = store.get_run(chain.run_id).summaries["x"]
    assert summary.min is None and summary.max is None and np.isnan(summary.last)


def test_many_small_batches_are_merged_without_losing_order(store: Store) -> None:
    chain = Chain()
    rng = np.random.default_rng(0)
    expected_steps, expected_values = [], []
    for i in range(700):
        n = int(rng.integers(1, 5))
        steps = list(range(len(expected_steps), len(expected_steps) + n))
        values = rng.normal(size=n).tolist()
        expected_steps += steps
        expected_values += values
        chain.metrics(m=(steps, values))
        if i % 50 == 0:
            store.append_events(chain.events)
    store.append_events(chain.events)
    series = store.metric_series(chain.run_id, "m")
    assert series.steps.tolist() == expected_steps
    assert series.values.tolist() == expected_values
    events = list(store.read_events(chain.run_id))
    assert all(e.verify() for e in events) and len(events) == 701


def test_large_batches_are_split_into_chunks(store: Store) -> None:
    n = 100_000
    chain = Chain()
    chain.add("metrics", {}, {"big": pts(np.arange(n), np.sin(np.arange(n)))})
    store.append_events(chain.events)
    series = store.metric_series(chain.run_id, "big", start=40_000, end=40_009)
    np.testing.assert_array_equal(series.values, np.sin(np.arange(40_000, 40_010)))


def test_read_events_roundtrips_every_event(store: Store) -> None:
    chain = Chain(config={"nan": float("nan")})
    chain.metrics(a=([0, 1], [1.0, 2.0]), b=([0], [5.0]))
    chain.add("params", {"params": {"x": [1, "two", None]}})
    chain.metrics(a=([2], [3.0]))
    store.append_events(chain.events)
    back = list(store.read_events(chain.run_id))
    assert [e.hash for e in back] == [e.hash for e in chain.events]
    assert all(e.verify() for e in back)
    assert back[3].points["a"].values.tolist() == [3.0]
    assert [e.seq for e in store.read_events(chain.run_id, since_seq=2)] == [3, 4]


def test_metric_buckets_keep_spikes_and_counts(store: Store) -> None:
    n = 200_000
    values = np.random.default_rng(1).normal(size=n)
    values[123_456] = 1e6
    values[7] = -1e6
    chain = Chain()
    for start in range(0, n, 50_000):
        chain.add(
            "metrics",
            {},
            {"m": pts(np.arange(start, start + 50_000), values[start : start + 50_000])},
        )
    store.append_events(chain.events)
    buckets = store.metric_buckets(chain.run_id, "m", 1000)
    assert len(buckets) <= 1000 and int(buckets.count.sum()) == n
    assert buckets.max.max() == 1e6 and buckets.min.min() == -1e6
    zoom = store.metric_buckets(chain.run_id, "m", 100, start=123_400, end=123_499)
    assert int(zoom.count.sum()) == 100 and zoom.max.max() == 1e6
    assert zoom.step_start.tolist() == list(range(123_400, 123_500))  # raw points when zoomed


def test_search_runs_newest_first_by_project(store: Store) -> None:
    chains = [Chain("a"), Chain("b"), Chain("a")]
    for chain in chains:
        store.append_events(chain.events)
    assert [r.id for r in store.search_runs(project="a").runs] == [
        chains[2].run_id,
        chains[0].run_id,
    ]
    assert len(store.search_runs().runs) == 3 and len(store.search_runs(limit=1).runs) == 1
    assert {p.name: p.run_count for p in store.list_projects()} == {"a": 2, "b": 1}
    with pytest.raises(NotFoundError):
        store.get_run("0" * 26)


def test_search_runs_stays_inside_the_projects_given(store: Store) -> None:
    chains = [Chain("a", config={"x": 1.0}), Chain("b", config={"x": 2.0}), Chain("c")]
    for chain in chains:
        store.append_events(chain.events)
    in_a_or_c = store.search_runs(projects=["a", "c", "nowhere"], order_by=["created"]).runs
    assert [r.id for r in in_a_or_c] == [chains[0].run_id, chains[2].run_id]
    wider = store.search_runs('params.x > 0 or project = "b"', projects={"a"}).runs
    assert [r.id for r in wider] == [chains[0].run_id]  # the query cannot widen the scope
    assert store.search_runs(project="b", projects={"a"}).runs == []
    assert store.search_runs(projects=()).runs == []


def test_artifacts_are_content_addressed_and_listed(store: Store) -> None:
    digest, size = store.put_artifact(io.BytesIO(b"weights"))
    assert store.put_artifact(io.BytesIO(b"weights")) == (digest, size)
    chain = Chain()
    files = [
        {
            "path": "model/w.bin",
            "sha256": digest,
            "size": size,
            "media_type": "application/octet-stream",
        }
    ]
    chain.add("artifact", {"files": files})
    chain.add("artifact", {"files": [dict(files[0], path="copy.bin")]})
    store.append_events(chain.events)
    listed = store.list_artifacts(chain.run_id)
    assert [a.path for a in listed] == ["copy.bin", "model/w.bin"]
    with store.open_artifact(listed[0].sha256) as handle:
        assert handle.read() == b"weights"
    with pytest.raises(NotFoundError):
        store.open_artifact("f" * 64)


def test_concurrent_appends_to_many_runs_and_to_one(store: Store) -> None:
    chains = [Chain() for _ in range(6)]
    for chain in chains:
        for step in range(20):
            chain.metrics(loss=([step], [1.0 / (step + 1)]))
    shared = chains[0]

    def ship(chain: Chain) -> None:
        for end in range(1, len(chain.events) + 1, 3):
            store.append_events(chain.events[:end])  # retries of earlier events included
        store.append_events(chain.events)

    with ThreadPoolExecutor(8) as pool:  # every run at once, and the first run twice
        list(pool.map(ship, [*chains, shared]))
    for chain in chains:
        assert store.get_run(chain.run_id).head_seq == len(chain.events)
        assert store.metric_series(chain.run_id, "loss").steps.tolist() == list(range(20))


def test_verify_recomputes_the_chain_from_the_store(store: Store) -> None:
    chain = Chain(config={"lr": 0.1})
    chain.metrics(loss=(list(range(50)), [1.0 / (s + 1) for s in range(50)]))
    chain.add("run.end", {"status": "finished", "error": None})
    store.append_events(chain.events)
    result = verify_run(store, chain.run_id)
    assert result.ok and result.events == 3 and result.head_hash == chain.events[-1].hash
