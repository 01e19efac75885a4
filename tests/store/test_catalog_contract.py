"""The catalog contract: datasets, logged models, the registry and lineage, on every store."""

from __future__ import annotations

import hashlib

import pytest

from tests.store.conftest import Chain
from trackrecord.errors import InvalidValueError, NotFoundError
from trackrecord.record.chains import check_chain
from trackrecord.store.base import Store


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def dataset(name: str, content: str, role: str = "train", direction: str = "input") -> dict:
    return {"name": name, "digest": digest(content), "role": role, "direction": direction,
            "kind": "dataframe", "rows": 3, "schema": [{"name": "x", "type": "int64"}],
            "sources": [{"kind": "dvc", "md5": "abc"}]}  # fmt: skip


def model(name: str, content: str) -> dict:
    files = [
        {"path": "model.skops", "sha256": digest(content), "size": len(content)},
        {"path": "trackrecord-model.json", "sha256": digest("m" + content), "size": 10},
    ]
    return {"name": name, "digest": digest("manifest" + content), "flavor": "sklearn",
            "format": "skops", "path": f"models/{name}", "files": files,
            "meta": {"frameworks": {"scikit-learn": "1.5"}}}  # fmt: skip


def logged_run(store: Store, *events: tuple[str, dict], project: str = "p", **start: object) -> str:
    chain = Chain(project, **start)
    for type_, body in events:
        chain.add(type_, body)
    chain.add("run.end", {"status": "finished", "error": None})
    store.append_events(chain.events)
    return chain.run_id


def test_same_content_is_one_version_and_new_content_the_next(store: Store) -> None:
    first = logged_run(store, ("dataset", dataset("churn", "v1")))
    second = logged_run(store, ("dataset", dataset("churn", "v1")))
    third = logged_run(store, ("dataset", dataset("churn", "v2", role="test")))
    catalog = store.catalog
    versions = catalog.dataset_versions("churn")
    assert [(v.number, v.digest, v.runs) for v in versions] == [
        (2, digest("v2"), 1),
        (1, digest("v1"), 2),
    ]
    assert versions[1].first_run == first and versions[1].sources == [{"kind": "dvc", "md5": "abc"}]
    assert catalog.dataset_version("churn", "1").digest == digest("v1")
    assert catalog.dataset_version("churn", digest("v2")[:10]).number == 2
    uses = catalog.dataset_uses(name="churn", digest=digest("v1"))
    assert sorted(u.run_id for u in uses) == sorted([first, second])
    assert [(u.role, u.number) for u in catalog.dataset_uses(run_id=third)] == [("test", 2)]
    (names,) = catalog.dataset_names()
    assert (names.name, names.versions, names.runs) == ("churn", 2, 3)
    with pytest.raises(NotFoundError):
        catalog.dataset_version("churn", "7")
    with pytest.raises(NotFoundError):
        catalog.dataset_versions("nope")


def test_a_later_use_can_add_a_datasheet_but_not_change_the_content(store: Store) -> None:
    logged_run(store, ("dataset", dataset("d", "x")))
    logged_run(store, ("dataset", {**dataset("d", "x"), "datasheet": {"origin": "survey"}}))
    (version,) = store.catalog.dataset_versions("d")
    assert version.datasheet == {"origin": "survey"} and version.number == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("digest", "not-a-digest"), ("name", "../x"), ("direction", "sideways"), ("role", ""),
     ("schema", "text")],
)  # fmt: skip
def test_malformed_dataset_events_are_refused(store: Store, field: str, value: object) -> None:
    chain = Chain()
    chain.add("dataset", {**dataset("d", "x"), field: value})
    with pytest.raises(InvalidValueError):
        store.append_events(chain.events)
    with pytest.raises(NotFoundError):
        store.get_run(chain.run_id)  # nothing of the batch was stored


def test_model_files_with_escaping_paths_are_refused(store: Store) -> None:
    bad = model("m", "x")
    bad["files"][0]["path"] = "../../etc/passwd"
    chain = Chain()
    chain.add("model", bad)
    with pytest.raises(InvalidValueError):
        store.append_events(chain.events)


def test_versions_are_bound_to_the_logged_digest_and_aliases_keep_history(store: Store) -> None:
    run_a = logged_run(store, ("model", model("clf", "one")))
    run_b = logged_run(store, ("model", model("clf", "two")))
    catalog = store.catalog
    v1 = catalog.create_version("churn", run_a, "clf", "alice", description="first")
    v2 = catalog.create_version("churn", run_b, "clf", "bob")
    assert (v1.version, v2.version) == (1, 2)
    assert v1.digest == digest("manifestone") and v2.digest == digest("manifesttwo")
    assert catalog.registered_model("churn").project == "p"

    catalog.set_alias("churn", "champion", 1, "alice", reason="baseline")
    catalog.set_alias("churn", "champion", 2, "bob", reason="better AUC")
    assert catalog.model_version("churn", "champion").version == 2
    assert catalog.registered_model("churn").aliases == {"champion": 2}
    catalog.update_version("churn", 1, "carol", status="deprecated", reason="leaky labels")
    with pytest.raises(InvalidValueError, match="deprecated"):
        catalog.set_alias("churn", "staging", 1, "carol")
    catalog.delete_alias("churn", "champion", "dave", reason="rollback drill")
    with pytest.raises(NotFoundError):
        catalog.model_version("churn", "champion")

    history = catalog.registry_history("churn")
    moves = [
        (e.type, e.body.get("alias"), e.body.get("version"), e.body.get("previous"),
         e.body["actor"], e.body["reason"])
        for e in history
        if e.type.startswith("alias")
    ]  # fmt: skip
    assert moves == [
        ("alias.set", "champion", 1, None, "alice", "baseline"),
        ("alias.set", "champion", 2, 1, "bob", "better AUC"),
        ("alias.delete", "champion", None, 2, "dave", "rollback drill"),
    ]
    assert check_chain(history) == (None, None)
    assert history[-1].hash == catalog.registered_model("churn").head_hash
    deprecated = catalog.model_version("churn", 1)
    assert (deprecated.status, deprecated.status_reason) == ("deprecated", "leaky labels")


def test_relogging_a_model_does_not_move_a_registered_version(store: Store) -> None:
    chain = Chain()
    chain.add("model", model("clf", "one"))
    store.append_events(chain.events)
    version = store.catalog.create_version("m", chain.run_id, "clf", "alice")
    chain.add("model", model("clf", "other bytes"))
    store.append_events(chain.events[-1:])
    assert store.catalog.logged_model(chain.run_id, "clf").digest == digest("manifestother bytes")
    again = store.catalog.model_version("m", 1)
    assert again.digest == version.digest == digest("manifestone")
    assert again.files == version.files


def test_registry_refuses_bad_names_and_unknown_models(store: Store) -> None:
    run = logged_run(store, ("model", model("clf", "one")))
    with pytest.raises(InvalidValueError):
        store.catalog.create_version("bad name!", run, "clf", "alice")
    with pytest.raises(NotFoundError):
        store.catalog.create_version("m", run, "missing", "alice")
    store.catalog.create_version("m", run, "clf", "alice")
    with pytest.raises(InvalidValueError):
        store.catalog.set_alias("m", "3", 1, "alice")  # would read as a version number
    with pytest.raises(NotFoundError):
        store.catalog.set_alias("m", "champion", 9, "alice")


def test_dataset_names_are_namespaced_per_project(store: Store) -> None:
    alpha = logged_run(store, ("dataset", dataset("mnist", "alpha's")), project="alpha")
    logged_run(store, ("dataset", dataset("mnist", "beta's")), project="beta")
    logged_run(store, ("dataset", dataset("mnist", "beta's 2")), project="beta")
    logged_run(store, ("dataset", dataset("mnist", "alpha's")), project="beta")  # same bytes
    catalog = store.catalog
    assert catalog.dataset_projects("mnist") == ["alpha", "beta"]
    with pytest.raises(InvalidValueError, match="'alpha', 'beta' each have a dataset"):
        catalog.dataset_versions("mnist")
    mine = catalog.dataset_versions("mnist", "alpha")
    assert [(v.project, v.number, v.digest, v.runs, v.first_run) for v in mine] == [
        ("alpha", 1, digest("alpha's"), 1, alpha)
    ]
    theirs = catalog.dataset_versions("mnist", project="beta")
    assert [(v.number, v.digest) for v in theirs] == [
        (3, digest("alpha's")), (2, digest("beta's 2")), (1, digest("beta's")),
    ]  # fmt: skip
    assert catalog.dataset_version("mnist", "1", "beta").digest == digest("beta's")
    assert {u.project for u in catalog.dataset_uses(name="mnist", project="alpha")} == {"alpha"}
    assert [(d.project, d.name, d.versions) for d in catalog.dataset_names()] == [
        ("alpha", "mnist", 1), ("beta", "mnist", 3),
    ]  # fmt: skip
    own = digest("alpha's")
    graph = catalog.lineage(f"dataset:alpha/mnist@{own[:12]}")
    assert graph.root == f"dataset:alpha/mnist@{own}"
    assert {n.attrs["project"] for n in graph.nodes.values()} == {"alpha"}  # not beta's use


def test_a_registered_model_name_is_one_projects(store: Store) -> None:
    alpha = logged_run(store, ("model", model("clf", "alpha's")), project="alpha")
    beta = logged_run(store, ("model", model("clf", "beta's")), project="beta")
    catalog = store.catalog
    catalog.create_model("shared-name", "alpha", "alice")
    for attempt in (
        lambda: catalog.create_model("shared-name", "beta", "bob"),
        lambda: catalog.create_version("shared-name", beta, "clf", "bob", project="beta"),
    ):
        with pytest.raises(InvalidValueError, match=r"'shared-name' is taken.*another name"):
            attempt()
    assert catalog.model_versions("shared-name") == []
    assert catalog.registered_model("shared-name").project == "alpha"
    made = catalog.create_version("shared-name", alpha, "clf", "alice", project="alpha")
    assert (made.version, made.run_id) == (1, alpha)
    fresh = catalog.create_version("beta-model", beta, "clf", "bob", project="beta")
    assert catalog.registered_model(fresh.model).project == "beta"


def test_lineage_walks_both_ways_through_produced_data(store: Store) -> None:
    raw = dataset("raw", "raw bytes", role="source")
    clean_out = dataset("clean", "clean bytes", direction="output")
    prep = logged_run(store, ("dataset", raw), ("dataset", clean_out))
    train = logged_run(store, ("dataset", dataset("clean", "clean bytes")),
                       ("model", model("clf", "weights")))  # fmt: skip
    child = logged_run(store, parent=train)
    store.catalog.create_version("churn", train, "clf", "alice")
    store.catalog.set_alias("churn", "champion", 1, "alice")

    up = store.catalog.lineage("alias:churn@champion", "upstream")
    assert {n.kind for n in up.nodes.values()} == {"alias", "model", "run", "dataset"}
    assert {e.kind for e in up.edges} == {"alias", "registered", "input", "output"}
    assert f"run:{prep}" in up.nodes and f"run:{child}" not in up.nodes
    raw_id = f"dataset:p/raw@{digest('raw bytes')}"
    assert raw_id in up.nodes and up.nodes[raw_id].label == "raw v1"

    down = store.catalog.lineage("dataset:raw@1", "downstream")
    assert down.root == raw_id
    assert {f"run:{prep}", f"run:{train}", f"run:{child}", "model:churn/1",
            "alias:churn@champion"} <= set(down.nodes)  # fmt: skip
    assert any(e.source == f"run:{train}" and e.target == f"run:{child}" for e in down.edges)
    shallow = store.catalog.lineage("dataset:raw@1", "downstream", depth=1)
    assert set(shallow.nodes) == {raw_id, f"run:{prep}"}
    both = store.catalog.lineage(f"run:{train}", "both", depth=1)
    assert {f"run:{child}", "model:churn/1", f"dataset:p/clean@{digest('clean bytes')}"} <= set(
        both.nodes
    )
    with pytest.raises(NotFoundError):
        store.catalog.lineage("model:churn/7")
    with pytest.raises(InvalidValueError):
        store.catalog.lineage("nonsense")
