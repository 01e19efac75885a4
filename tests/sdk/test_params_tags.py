"""Params, tags, notes, groups, child runs, names and ids."""

from __future__ import annotations

import math
import re

import pytest

import trackrecord

from .conftest import OpenApi, StartRun, Verified


def test_nested_params_are_flattened_and_keep_their_json_types(
    start: StartRun, open_api: OpenApi, verified: Verified
) -> None:
    with start() as run:
        run.log_params(
            {
                "optimizer": {"name": "adam", "lr": 3e-4, "betas": (0.9, 0.999)},
                "model": {"layers": {"hidden": 128}, "dropout": None, "residual": True},
                "epochs": 10,
                "milestones": [10, 20],
                "scale": 1.0,
            }
        )
    params = open_api().params(run.id)
    assert params == {
        "optimizer.name": "adam",
        "optimizer.lr": 3e-4,
        "optimizer.betas": [0.9, 0.999],
        "model.layers.hidden": 128,
        "model.dropout": None,
        "model.residual": True,
        "epochs": 10,
        "milestones": [10, 20],
        "scale": 1.0,
    }
    assert type(params["epochs"]) is int
    assert type(params["model.layers.hidden"]) is int
    assert type(params["model.residual"]) is bool
    assert type(params["scale"]) is float
    assert type(params["milestones"]) is list
    verified(run.id)


def test_later_params_update_earlier_ones(start: StartRun, open_api: OpenApi) -> None:
    with start(config={"lr": 0.1, "epochs": 3}) as run:
        run.log_params({"lr": 0.01})
    assert open_api().params(run.id) == {"lr": 0.01, "epochs": 3}


def test_config_at_init_becomes_params(
    start: StartRun, open_api: OpenApi, verified: Verified
) -> None:
    with start(config={"optimizer": {"lr": 0.1}, "seed": 7, "augment": False}) as run:
        pass
    assert open_api().params(run.id) == {"optimizer.lr": 0.1, "seed": 7, "augment": False}
    verified(run.id)


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"ok": 1, "bad": object()}, "'bad'"),
        ({"ok": 1, "nested": {"deeper": object()}}, "'nested.deeper'"),
        ({"ok": 1, "items": [1, object()]}, r"'items\[1\]'"),
        ({"ok": 1, 3: "x"}, "3"),
    ],
    ids=["object", "nested-object", "object-in-list", "int-key"],
)
def test_a_param_that_is_not_json_raises_naming_it_and_records_nothing(
    start: StartRun, open_api: OpenApi, verified: Verified, params: dict[object, object], named: str
) -> None:
    with start() as run:
        with pytest.raises(trackrecord.InvalidValueError, match=named):
            run.log_params(params)  # type: ignore[arg-type]
        run.log_params({"later": "fine"})
    assert open_api().params(run.id) == {"later": "fine"}
    verified(run.id)


def test_a_bad_config_at_init_starts_no_run(start: StartRun) -> None:
    with pytest.raises(trackrecord.InvalidValueError, match="'model'"):
        start(config={"model": object()})
    assert trackrecord.sdk.active._runs == []


def test_nan_and_inf_params_round_trip_and_verify(
    start: StartRun, open_api: OpenApi, verified: Verified
) -> None:
    """A float param is stored as given, including the non-finite ones JSON lacks."""
    with start() as run:
        run.log_params({"clip": float("inf"), "momentum": float("nan"), "lr": 0.1})
    params = open_api().params(run.id)
    assert params["clip"] == math.inf
    assert math.isnan(params["momentum"])
    verified(run.id)


def test_tags_from_a_dict_and_from_a_list_of_labels(
    start: StartRun, open_api: OpenApi, verified: Verified
) -> None:
    with start(tags={"team": "vision", "seed": 3, "debug": False}) as run:
        run.set_tags(["baseline", "fast"])
        run.set_tags({"team": "nlp"})
    assert open_api().tags(run.id) == {
        "team": "nlp",
        "seed": "3",
        "debug": "False",
        "baseline": "",
        "fast": "",
    }
    verified(run.id)


def test_tags_at_init_as_a_list(start: StartRun, open_api: OpenApi) -> None:
    with start(tags=["smoke"]) as run:
        pass
    assert open_api().tags(run.id) == {"smoke": ""}


def test_a_tag_with_a_structured_value_raises(start: StartRun, open_api: OpenApi) -> None:
    with start() as run, pytest.raises(trackrecord.InvalidValueError, match="'shape'"):
        run.set_tags({"ok": "yes", "shape": [1, 2]})
    assert open_api().tags(run.id) == {}


def test_notes_at_init_and_through_the_property(
    start: StartRun, open_api: OpenApi, verified: Verified
) -> None:
    run = start(notes="first try")
    run.flush()
    api = open_api()
    assert api.run(run.id).notes == "first try"
    run.notes = "second try, with warmup"
    assert run.notes == "second try, with warmup"
    run.finish()
    assert api.run(run.id).notes == "second try, with warmup"
    verified(run.id)


def test_notes_given_at_init_are_readable_on_the_run(start: StartRun) -> None:
    with start(notes="first try") as run:
        assert run.notes == "first try"


def test_notes_must_be_text(start: StartRun) -> None:
    with start() as run, pytest.raises(trackrecord.InvalidValueError, match="notes"):
        run.notes = 42  # type: ignore[assignment]


def test_group(start: StartRun, open_api: OpenApi) -> None:
    with start(group="cv-5fold") as first, start(group="cv-5fold") as second:
        pass
    api = open_api()
    assert api.run(first.id).group == api.run(second.id).group == "cv-5fold"


def test_child_run_with_a_run_object_as_parent(
    start: StartRun, open_api: OpenApi, verified: Verified
) -> None:
    with start() as parent:
        with start(parent=parent) as child:
            child.log({"fold_acc": 0.9})
        assert child.parent == parent.id
    api = open_api()
    assert api.run(child.id).parent == parent.id
    assert api.run(parent.id).parent is None
    verified(child.id)
    verified(parent.id)


def test_child_run_with_the_id_of_a_stored_parent(start: StartRun, open_api: OpenApi) -> None:
    with start() as parent:
        pass
    with start(parent=parent.id) as child:
        pass
    assert open_api().run(child.id).parent == parent.id


def test_child_run_with_the_id_of_a_live_parent_started_just_now(
    start: StartRun, open_api: OpenApi
) -> None:
    """A sweep passes the parent's id around; the parent exists as soon as init returns."""
    with start() as parent, start(parent=parent.id) as child:
        pass
    assert open_api().run(child.id).parent == parent.id


def test_an_unknown_parent_id_raises(start: StartRun) -> None:
    with pytest.raises(trackrecord.ConfigurationError, match="parent"):
        start(parent="01m8cvyv2qdqdwy2pq0380m6jf")
    assert trackrecord.sdk.active._runs == []


def test_default_names_are_readable_and_a_given_name_is_kept(
    start: StartRun, open_api: OpenApi
) -> None:
    with start() as auto, start(name="resnet50-baseline") as named:
        pass
    assert re.fullmatch(r"[a-z]+-[a-z]+-\d{1,3}", auto.name), auto.name
    assert named.name == "resnet50-baseline"
    api = open_api()
    assert api.run(auto.id).name == auto.name
    assert api.run(named.id).name == "resnet50-baseline"


def test_run_ids_sort_by_creation_time(start: StartRun, open_api: OpenApi) -> None:
    ids = []
    for _ in range(5):
        with start() as run:
            ids.append(run.id)
    assert ids == sorted(ids)
    assert len(set(ids)) == 5
    assert all(re.fullmatch(r"[0-9a-z]{26}", i) for i in ids)
    assert [r.id for r in open_api().runs()] == ids[::-1]


def test_project_name_is_recorded(start: StartRun, open_api: OpenApi) -> None:
    with start("mnist") as run:
        pass
    assert run.project == "mnist"
    assert open_api().run(run.id).project == "mnist"
