"""How runs end (context manager, finish), module-level functions, where the store is."""

from __future__ import annotations

from pathlib import Path

import pytest

import trackrecord
from trackrecord.sdk import active

from .conftest import OpenApi, StartRun, Verified


def test_context_manager_normal_exit_finishes(
    start: StartRun, store: Path, open_api: OpenApi, verified: Verified
) -> None:
    with start() as run:
        assert run.status == "running"
        run.log({"loss": 0.5})
    assert run.status == "finished"
    record = open_api().run(run.id)
    assert record.status == "finished"
    assert record.error is None
    assert record.finished_at is not None and record.finished_at >= record.created_at
    verified(run.id)


def test_exception_fails_the_run_records_it_and_propagates(
    start: StartRun, open_api: OpenApi, verified: Verified
) -> None:
    holder: list[trackrecord.Run] = []

    def body() -> None:
        with start() as run:
            holder.append(run)
            run.log({"loss": 0.5})
            raise ValueError("loss exploded at step 7")

    with pytest.raises(ValueError, match="loss exploded"):
        body()
    (run,) = holder
    assert run.status == "failed"
    record = open_api().run(run.id)
    assert record.status == "failed"
    assert record.error is not None
    assert record.error["type"] == "ValueError"
    assert record.error["message"] == "loss exploded at step 7"
    assert "Traceback" in record.error["traceback"]
    assert "in body" in record.error["traceback"]  # the frame that raised
    assert "ValueError: loss exploded at step 7" in record.error["traceback"]
    assert len(open_api().metric_history(run.id, "loss")) == 1  # logged data is kept
    verified(run.id)


def test_keyboard_interrupt_kills_the_run(
    start: StartRun, open_api: OpenApi, verified: Verified
) -> None:
    holder: list[trackrecord.Run] = []
    with pytest.raises(KeyboardInterrupt), start() as run:
        holder.append(run)
        raise KeyboardInterrupt
    record = open_api().run(holder[0].id)
    assert record.status == "killed"
    assert record.error is not None and record.error["type"] == "KeyboardInterrupt"
    verified(holder[0].id)


def test_finish_twice_is_harmless_and_removes_the_spool(
    start: StartRun, store: Path, open_api: OpenApi, verified: Verified
) -> None:
    run = start()
    run.log({"loss": 1.0})
    run.flush()
    assert (store / "spool" / run.id).is_dir()  # live runs spool to disk
    run.finish()
    run.finish()
    run.finish("failed")  # ignored: the run has ended
    assert not (store / "spool" / run.id).exists()
    record = open_api().run(run.id)
    assert record.status == "finished"
    assert [e.type for e in open_api().events(run.id)].count("run.end") == 1
    verified(run.id)


def test_finish_with_a_status(start: StartRun, open_api: OpenApi, verified: Verified) -> None:
    run = start()
    run.finish("killed")
    assert open_api().run(run.id).status == "killed"
    verified(run.id)


def test_module_level_functions_act_on_the_active_run(
    start: StartRun, open_api: OpenApi, verified: Verified
) -> None:
    run = start()
    trackrecord.log({"loss": 1.0})
    trackrecord.log({"loss": 0.5}, step=5)
    trackrecord.log_params({"optimizer": {"lr": 0.1}})
    trackrecord.set_tags(["notebook"])
    trackrecord.finish()
    assert run.status == "finished"
    api = open_api()
    assert api.metric_history(run.id, "loss").steps.tolist() == [0, 5]
    assert api.params(run.id) == {"optimizer.lr": 0.1}
    assert api.tags(run.id) == {"notebook": ""}
    assert api.run(run.id).status == "finished"
    verified(run.id)


def test_the_newest_unfinished_run_is_the_active_one(start: StartRun, open_api: OpenApi) -> None:
    parent = start()
    child = start(parent=parent)
    trackrecord.log({"who": 2.0})
    trackrecord.finish()  # the child
    assert (child.status, parent.status) == ("finished", "running")
    trackrecord.log({"who": 1.0})
    trackrecord.finish("failed")
    assert parent.status == "failed"
    api = open_api()
    assert api.metric_history(child.id, "who").values.tolist() == [2.0]
    assert api.metric_history(parent.id, "who").values.tolist() == [1.0]


def test_a_run_finished_directly_is_no_longer_active(start: StartRun) -> None:
    older = start()
    newer = start()
    newer.finish()
    assert active.current() is older
    older.finish()
    with pytest.raises(trackrecord.ConfigurationError):
        active.current()


@pytest.mark.parametrize(
    "call",
    [
        lambda: trackrecord.log({"loss": 1.0}),
        lambda: trackrecord.log_params({"lr": 0.1}),
        lambda: trackrecord.set_tags(["x"]),
        lambda: trackrecord.finish(),
    ],
    ids=["log", "log_params", "set_tags", "finish"],
)
def test_module_level_functions_without_an_active_run_raise(call: object) -> None:
    assert active._runs == []
    with pytest.raises(trackrecord.ConfigurationError, match=r"trackrecord\.init"):
        call()  # type: ignore[operator]


def test_module_level_finish_rejects_an_unknown_status(start: StartRun) -> None:
    run = start()
    with pytest.raises(trackrecord.ConfigurationError, match="finished"):
        trackrecord.finish("done")
    assert run.status == "running"
    run.finish()


def test_repr_names_the_run(start: StartRun) -> None:
    with start("mnist") as run:
        assert run.id in repr(run) and "mnist" in repr(run)


# Where the store is: dir= beats TRACKRECORD_DIR beats the nearest .trackrecord/.


def test_nearest_trackrecord_directory_in_cwd_or_a_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRACKRECORD_DIR", raising=False)
    outer = tmp_path / "project" / ".trackrecord"
    inner = tmp_path / "project" / "experiments" / ".trackrecord"
    outer.mkdir(parents=True)
    inner.mkdir(parents=True)
    deep = tmp_path / "project" / "experiments" / "vision" / "resnet"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    with trackrecord.init("p", capture=False) as run:
        pass
    assert run.workspace.root == inner
    assert (inner / "trackrecord.db").is_file()
    assert not (outer / "trackrecord.db").exists()
    with trackrecord.Api() as api:
        assert api.root == inner
        assert api.run(run.id).status == "finished"
    monkeypatch.chdir(tmp_path / "project")
    with trackrecord.init("p", capture=False) as top:
        pass
    assert top.workspace.root == outer


def test_trackrecord_dir_overrides_the_nearest_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "here" / ".trackrecord").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "here")
    monkeypatch.setenv("TRACKRECORD_DIR", str(tmp_path / "from-env"))
    with trackrecord.init("p", capture=False) as run:
        pass
    assert run.workspace.root == tmp_path / "from-env"
    assert (tmp_path / "from-env" / "trackrecord.db").is_file()
    assert not (tmp_path / "here" / ".trackrecord" / "trackrecord.db").exists()
    with trackrecord.Api() as api:
        assert api.run(run.id).id == run.id
    with trackrecord.init("p", capture=False, dir=tmp_path / "explicit") as other:
        pass
    assert other.workspace.root == tmp_path / "explicit"


def test_project_from_the_environment(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKRECORD_PROJECT", "from-env")
    with trackrecord.init(dir=store, capture=False) as run:
        pass
    assert run.project == "from-env"
