"""trackrecord.Api: reading projects, runs, metrics, events and tables back from a store."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import trackrecord
from trackrecord.record.events import GENESIS
from trackrecord.sdk import active


@pytest.fixture(autouse=True)
def no_leftover_runs() -> Iterator[None]:
    yield
    for run in list(active._runs):
        run.finish()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def api(store: Path) -> Iterator[trackrecord.Api]:
    """An Api on a store that already holds one finished run (so that it exists)."""
    with trackrecord.init("setup", dir=store, capture=False):
        pass
    with trackrecord.Api(dir=store) as opened:
        yield opened


def make_run(store: Path, project: str = "p", **kwargs: object) -> trackrecord.Run:
    run = trackrecord.init(project, dir=store, capture=False, **kwargs)  # type: ignore[arg-type]
    run.finish()
    return run


def test_projects_with_run_counts(store: Path, api: trackrecord.Api) -> None:
    for project in ("vision", "vision", "vision", "nlp"):
        make_run(store, project)
    counts = {p.name: p.run_count for p in api.projects()}
    assert counts == {"nlp": 1, "setup": 1, "vision": 3}
    assert [p.name for p in api.projects()] == ["nlp", "setup", "vision"]


def test_runs_newest_first_and_by_project(store: Path, api: trackrecord.Api) -> None:
    made = [make_run(store, project) for project in ("a", "b", "a", "b", "a")]
    everything = [r.id for r in api.runs()]
    assert everything[:5] == [r.id for r in reversed(made)]
    assert [r.id for r in api.runs("a")] == [made[4].id, made[2].id, made[0].id]
    assert [r.id for r in api.runs("b", limit=1)] == [made[3].id]
    assert api.runs("nobody") == []


def test_run_by_unique_prefix(store: Path, api: trackrecord.Api) -> None:
    ids = [make_run(store).id for _ in range(3)] + [r.id for r in api.runs("setup")]
    for run_id in ids:
        length = next(n for n in range(1, 27) if sum(i.startswith(run_id[:n]) for i in ids) == 1)
        assert api.run(run_id[:length]).id == run_id
        assert api.run(run_id).id == run_id


def test_an_ambiguous_prefix_says_how_many_runs_match(store: Path, api: trackrecord.Api) -> None:
    first, second = make_run(store), make_run(store)
    differ = next(i for i, (a, b) in enumerate(zip(first.id, second.id, strict=True)) if a != b)
    common = first.id[:differ]
    with pytest.raises(trackrecord.NotFoundError, match=r"runs with an id starting with") as caught:
        api.run(common)
    assert repr(common) in str(caught.value)
    assert "more characters" in str(caught.value)


def test_a_missing_prefix_or_id_is_not_found(api: trackrecord.Api) -> None:
    with pytest.raises(trackrecord.NotFoundError, match="no run"):
        api.run("zzzz")
    with pytest.raises(trackrecord.NotFoundError, match="zzzzzzzzzzzzzzzzzzzzzzzzzz"):
        api.run("z" * 26)


def test_metric_history_with_start_and_end(store: Path, api: trackrecord.Api) -> None:
    with trackrecord.init("p", dir=store, capture=False) as run:
        for step in range(100):
            run.log({"loss": step * 0.5}, step=step * 2)
    full = api.metric_history(run.id, "loss")
    assert len(full) == 100
    window = api.metric_history(run.id, "loss", start=10, end=20)
    assert window.steps.tolist() == [10, 12, 14, 16, 18, 20]
    assert window.values.tolist() == [2.5, 3.0, 3.5, 4.0, 4.5, 5.0]
    assert len(window.times) == 6
    assert api.metric_history(run.id, "loss", start=190).steps.tolist() == [190, 192, 194, 196, 198]
    assert api.metric_history(run.id, "loss", end=3).steps.tolist() == [0, 2]
    assert len(api.metric_history(run.id, "loss", start=1000)) == 0


def test_metric_buckets_keep_a_spike_and_count_every_point(
    store: Path, api: trackrecord.Api
) -> None:
    rng = np.random.default_rng()
    seed = int(rng.integers(2**31))
    rng = np.random.default_rng(seed)
    n = 100_000
    values = rng.normal(0.0, 1.0, n).clip(-4, 4)
    spike_at, dip_at = (int(s) for s in rng.choice(n, size=2, replace=False))
    values[spike_at], values[dip_at] = 1000.0, -1000.0
    with trackrecord.init("p", dir=store, capture=False) as run:
        for step, value in enumerate(values.tolist()):
            run.log({"loss": value})
            if step == n // 2:
                run.flush()  # two batches, so the series is several chunks
    buckets = api.metric_buckets(run.id, "loss", buckets=1000)
    where = f"seed {seed}, spike at {spike_at}, dip at {dip_at}"
    assert 0 < len(buckets) <= 1000, where
    assert int(buckets.count.sum()) == n, where
    top = int(np.argmax(buckets.max))
    assert buckets.max[top] == 1000.0, where
    assert buckets.step_start[top] <= spike_at <= buckets.step_end[top], where
    bottom = int(np.argmin(buckets.min))
    assert buckets.min[bottom] == -1000.0, where
    assert buckets.step_start[bottom] <= dip_at <= buckets.step_end[bottom], where
    assert bool((np.diff(buckets.step_start) > 0).all()), where
    assert buckets.step_start[0] == 0 and buckets.step_end[-1] == n - 1, where


def test_metric_buckets_within_a_window(store: Path, api: trackrecord.Api) -> None:
    with trackrecord.init("p", dir=store, capture=False) as run:
        for step in range(1000):
            run.log({"x": float(step)})
    buckets = api.metric_buckets(run.id, "x", buckets=10, start=100, end=199)
    assert int(buckets.count.sum()) == 100
    assert buckets.min.min() == 100.0 and buckets.max.max() == 199.0


def test_a_missing_metric_error_lists_the_existing_ones(store: Path, api: trackrecord.Api) -> None:
    with trackrecord.init("p", dir=store, capture=False) as run:
        run.log({"train/loss": 1.0, "val/acc": 0.5})
    with pytest.raises(trackrecord.NotFoundError, match="'accuracy'") as caught:
        api.metric_history(run.id, "accuracy")
    assert "train/loss" in str(caught.value) and "val/acc" in str(caught.value)
    with pytest.raises(trackrecord.NotFoundError, match="val/acc"):
        api.metric_buckets(run.id, "accuracy")


def test_runs_dataframe_columns(store: Path, api: trackrecord.Api) -> None:
    with trackrecord.init(
        "table", dir=store, capture=False, config={"opt": {"lr": 0.1}}, tags={"team": "cv"}
    ) as run:
        run.log({"loss": 2.0})
        run.log({"loss": 0.5})
    frame = api.runs_dataframe("table")
    assert len(frame) == 1
    row = frame.iloc[0]
    for column in ("id", "project", "name", "status", "created", "params.opt.lr", "tags.team"):
        assert column in frame.columns, column
    assert (row["id"], row["status"], row["project"]) == (run.id, "finished", "table")
    assert row["params.opt.lr"] == 0.1
    assert row["tags.team"] == "cv"
    assert (row["metrics.loss"], row["metrics.loss.min"], row["metrics.loss.max"]) == (
        0.5,
        0.5,
        2.0,
    )
    assert len(api.runs_dataframe()) == 2  # with the fixture's run in project "setup"


def test_events_form_the_chain_in_order(store: Path, api: trackrecord.Api) -> None:
    with trackrecord.init("p", dir=store, capture=False, config={"lr": 1}) as run:
        run.log({"loss": 1.0})
        run.flush()
        run.set_tags(["x"])
        run.log({"loss": 0.5})
    events = list(api.events(run.id))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].type == "run.start" and events[0].prev == GENESIS
    assert events[-1].type == "run.end" and events[-1].body["status"] == "finished"
    for before, after in itertools.pairwise(events):
        assert after.prev == before.hash
    assert all(e.verify() for e in events)
    assert events[-1].hash == api.run(run.id).head_hash
    points = [
        float(v) for e in events for v in (e.points["loss"].values if "loss" in e.points else [])
    ]
    assert points == [1.0, 0.5]
    assert [e.seq for e in api.events(run.id, since_seq=2)] == [e.seq for e in events[2:]]


def test_verify_reports_ok(store: Path, api: trackrecord.Api) -> None:
    with trackrecord.init("p", dir=store, capture=False) as run:
        run.log({"loss": 1.0})
        run.log_text("a.txt", "a")
    result = api.verify(run.id)
    assert result.ok and bool(result)
    assert result.events == len(list(api.events(run.id)))
    assert result.head_hash == api.run(run.id).head_hash
    assert str(result).startswith("OK")


def test_api_on_a_directory_without_a_store_raises(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(trackrecord.ConfigurationError, match=r"trackrecord\.db"):
        trackrecord.Api(dir=tmp_path / "empty")
    with pytest.raises(trackrecord.ConfigurationError):
        trackrecord.Api(dir=tmp_path / "does-not-exist")
    assert not (tmp_path / "does-not-exist").exists()  # reading never creates a store


def test_api_finds_the_store_through_the_environment(
    store: Path, api: trackrecord.Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKRECORD_DIR", str(store))
    with trackrecord.Api() as found:
        assert found.root == store
        assert [p.name for p in found.projects()] == ["setup"]
