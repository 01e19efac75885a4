"""init(resume=run_id): continuing a run in the same record."""

from __future__ import annotations

import pytest

import trackrecord

from .conftest import OpenApi, StartRun, Verified


def test_resume_continues_the_same_run(
    start: StartRun, open_api: OpenApi, verified: Verified
) -> None:
    with start("resumable", config={"lr": 0.1}) as first:
        for _ in range(3):
            first.log({"loss": 1.0})
    with start(resume=first.id) as again:
        assert (again.id, again.project, again.name) == (first.id, "resumable", first.name)
        again.flush()
        assert open_api().run(first.id).status == "running"  # back to running while live
        again.log({"loss": 0.5})
        again.log({"loss": 0.25})
    api = open_api()
    record = api.run(first.id)
    assert record.status == "finished"
    assert record.finished_at is not None
    assert record.params == {"lr": 0.1}
    assert api.metric_history(first.id, "loss").steps.tolist() == [0, 1, 2, 3, 4]
    types = [e.type for e in api.events(first.id) if e.type != "metrics"]
    assert types == ["run.start", "run.end", "run.resume", "run.end"]
    assert len(api.runs()) == 1
    verified(first.id)


def test_resume_continues_after_the_largest_step(start: StartRun, open_api: OpenApi) -> None:
    with start() as first:
        first.log({"loss": 1.0}, step=10)
        first.log({"loss": 2.0}, step=5)  # a late point for an earlier step
    with start(resume=first.id) as again:
        again.log({"loss": 3.0})
    assert open_api().metric_history(first.id, "loss").steps.tolist() == [10, 5, 11]


def test_resume_continues_after_the_largest_step_of_any_key(
    start: StartRun, open_api: OpenApi
) -> None:
    with start() as first:
        first.log({"train/loss": 1.0}, step=100)
        first.log({"val/acc": 0.5}, step=40)
    with start(resume=first.id) as again:
        again.log({"val/acc": 0.6})
    assert open_api().metric_history(first.id, "val/acc").steps.tolist() == [40, 101]


def test_resume_updates_config_tags_and_notes(
    start: StartRun, open_api: OpenApi, verified: Verified
) -> None:
    with start(config={"lr": 0.1}, tags=["a"]) as first:
        pass
    with start(resume=first.id, config={"lr": 0.05, "epochs": 9}, tags=["b"], notes="more"):
        pass
    record = open_api().run(first.id)
    assert record.params == {"lr": 0.05, "epochs": 9}
    assert record.tags == {"a": "", "b": ""}
    assert record.notes == "more"
    verified(first.id)


def test_resuming_a_failed_run_clears_its_error(
    start: StartRun, open_api: OpenApi, verified: Verified
) -> None:
    with pytest.raises(RuntimeError), start() as first:
        raise RuntimeError("out of memory")
    assert open_api().run(first.id).status == "failed"
    with start(resume=first.id) as again:
        again.log({"loss": 0.1})
    record = open_api().run(first.id)
    assert (record.status, record.error) == ("finished", None)
    verified(first.id)


def test_resuming_an_unknown_run_raises(start: StartRun) -> None:
    with start() as existing:
        pass
    with pytest.raises(trackrecord.ConfigurationError, match="no such run") as caught:
        start(resume="01m8cvyv2qdqdwy2pq0380m6jf")
    assert existing.id in str(caught.value)  # the message lists recent runs to choose from
    assert trackrecord.sdk.active._runs == []


def test_resuming_a_run_live_in_this_process_raises_run_locked(
    start: StartRun, open_api: OpenApi, verified: Verified
) -> None:
    live = start()
    live.log({"loss": 1.0})
    live.flush()
    with pytest.raises(trackrecord.RunLockedError, match=live.id):
        start(resume=live.id)
    live.log({"loss": 0.5})  # the live run is unharmed
    live.finish()
    assert open_api().metric_history(live.id, "loss").values.tolist() == [1.0, 0.5]
    verified(live.id)


def test_resuming_a_run_started_just_now_raises_run_locked(start: StartRun) -> None:
    """The run is live (its writer has not shipped run.start yet): locked, not unknown."""
    live = start()
    try:
        with pytest.raises(trackrecord.RunLockedError):
            start(resume=live.id)
    finally:
        live.finish()
