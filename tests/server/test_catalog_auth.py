"""Datasets, the registry and lineage on a server with auth: who sees and changes what."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.test_auth import Team
from tests.server_thread import serving
from tests.store.conftest import Chain
from trackrecord.errors import NotFoundError, PermissionDeniedError
from trackrecord.server.settings import ServerSettings
from trackrecord.store.catalog import Catalog
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.accounts import SqlAccounts
from trackrecord.store.sql.audit import SqlAuditLog


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _run(project: str, dataset: str) -> Chain:
    chain = Chain(project)
    chain.add("dataset", {"name": dataset, "digest": _sha(dataset), "role": "train",
                          "direction": "input", "kind": "file"})  # fmt: skip
    files = [{"path": "model.bin", "sha256": _sha(project), "size": 3}]
    body = {"name": "clf", "digest": _sha("m" + project), "flavor": "directory",
            "format": "files", "path": "models/clf", "files": files, "meta": {}}  # fmt: skip
    chain.add("model", body)
    chain.add("run.end", {"status": "finished", "error": None})
    return chain


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    """alice edits vision, bob views vision, carol edits nlp; each project has a run with a
    dataset and a logged model, and vision's model is registered as 'detector'."""
    store = SqlStore.open(tmp_path / "server")
    accounts = SqlAccounts(store.database)
    accounts.create_user("root", admin=True)
    for name, project, role in (("alice", "vision", "editor"), ("bob", "vision", "viewer"),
                                ("carol", "nlp", "editor")):  # fmt: skip
        accounts.create_user(name)
        accounts.grant(name, project, role)
    tokens = {name: accounts.create_token(name)[1] for name in ("root", "alice", "bob", "carol")}
    runs = {"vision": _run("vision", "images"), "nlp": _run("nlp", "texts")}
    for chain in runs.values():
        store.append_events(chain.events)
    store.catalog.create_version("detector", runs["vision"].run_id, "clf", "root")
    with serving(ServerSettings.for_store(store)) as url:
        yield Team(url, store, accounts, tokens, runs)
    store.close()


@pytest.fixture
def catalogs(team: Team) -> Iterator[dict[str, Catalog]]:
    """Each user's view of the server's catalog, through a RemoteStore with their token."""
    stores = {who: team.remote(who) for who in ("alice", "bob", "carol")}
    yield {who: store.catalog for who, store in stores.items()}
    for store in stores.values():
        store.close()


def test_each_user_sees_the_datasets_and_models_of_their_projects(
    team: Team, catalogs: dict[str, Catalog]
) -> None:
    bob, carol = catalogs["bob"], catalogs["carol"]
    assert [d.name for d in bob.dataset_names()] == ["images"]
    assert [d.name for d in carol.dataset_names()] == ["texts"]
    assert [m.name for m in bob.registered_models()] == ["detector"]
    assert carol.registered_models() == []
    with pytest.raises(NotFoundError):
        carol.dataset_versions("images")
    with pytest.raises(NotFoundError):
        carol.model_versions("detector")
    with pytest.raises(NotFoundError):
        carol.logged_models(team.runs["vision"].run_id)
    assert bob.model_version("detector", 1).run_id == team.runs["vision"].run_id


def test_viewers_may_not_change_the_registry_and_editors_are_recorded_as_actors(
    team: Team, catalogs: dict[str, Catalog]
) -> None:
    bob, alice = catalogs["bob"], catalogs["alice"]
    with pytest.raises(PermissionDeniedError, match="editor"):
        bob.set_alias("detector", "champion", 1, "bob")
    moved = alice.set_alias("detector", "champion", 1, actor="someone-else", reason="ship it")
    assert moved.aliases == ["champion"]
    last = alice.registry_history("detector")[-1]
    assert (last.type, last.body["actor"], last.body["reason"]) == ("alias.set", "alice", "ship it")
    with pytest.raises(NotFoundError):  # carol cannot see vision's run, so cannot register it
        catalogs["carol"].create_version("x", team.runs["vision"].run_id, "clf", "c")
    made = catalogs["carol"].create_version("parser", team.runs["nlp"].run_id, "clf",
                                                       "carol")  # fmt: skip
    assert (made.created_by, team.store.catalog.registered_model("parser").project) == (
        "carol",
        "nlp",
    )


def test_lineage_leaves_out_other_projects(team: Team, catalogs: dict[str, Catalog]) -> None:
    vision = team.runs["vision"].run_id
    graph = catalogs["bob"].lineage(f"run:{vision}")
    assert {n.kind for n in graph.nodes.values()} == {"run", "dataset", "model"}
    with pytest.raises(NotFoundError):
        catalogs["carol"].lineage(f"run:{vision}")
    with team.client("bob") as client:
        answer = client.get("/api/v1/lineage", params={"node": f"run:{vision}", "depth": "999"})
    assert answer.status_code == 400 and "depth" in answer.json()["error"]["message"]


def test_registry_changes_land_in_the_audit_log(team: Team) -> None:
    with team.client("alice") as client:
        answer = client.put("/api/v1/models/detector/aliases/prod", json={"version": 1})
        assert answer.status_code == 200
        refused = client.put("/api/v1/models/detector/aliases/prod", json={"version": "one"})
        assert refused.status_code == 400
    entries = [(e.actor, e.action, e.status) for e in SqlAuditLog(team.store.database).entries()]
    assert ("alice", "models.set_alias", 200) in entries
    assert ("alice", "models.set_alias", 400) in entries


def test_criteria_and_evaluations_follow_the_projects(
    team: Team, catalogs: dict[str, Catalog]
) -> None:
    criteria = [{"metric": "accuracy", "op": ">=", "threshold": 0.9}]
    with pytest.raises(PermissionDeniedError):
        catalogs["bob"].set_criteria("detector", 1, criteria, "bob")
    made = catalogs["alice"].set_criteria("detector", 1, criteria, "not-alice", reason="policy")
    assert (made.actor, made.target) == ("alice", "model:detector/1")
    with pytest.raises(NotFoundError):
        catalogs["carol"].criteria_sets("model:detector/1")
    chain = Chain("vision")
    chain.time = made.time + 10  # the evaluation began after the criteria were fixed
    chain.add("evaluation", {
        "id": "eval_" + "9" * 16, "started_at": made.time + 5, "target": "model:detector/1",
        "task": "binary", "n": 10, "status": "pass", "criteria": {"id": made.id},
        "metrics": {"accuracy": {"value": 0.95, "low": 0.92, "high": 0.97}},
        "verdicts": [], "limitations": [],
        "result": {"path": "evaluations/r.json", "sha256": _sha("r")},
    })  # fmt: skip
    team.store.append_events(chain.events)
    (seen,) = catalogs["bob"].evaluations("model:detector/1")
    assert seen.criteria_id == made.id
    with pytest.raises(NotFoundError):
        catalogs["carol"].evaluation(seen.id)
    other = Chain("vision")
    other.time = made.time + 10
    other.add("evaluation", {**chain.events[-1].body, "id": "eval_" + "8" * 16})
    team.store.append_events(other.events)
    compared = team.remote("bob")
    try:
        pair = {"a": seen.id, "b": "eval_" + "8" * 16}
        rows = compared._json("GET", "/evaluations/compare", params=pair)["metrics"]
    finally:
        compared.close()
    assert rows[0]["metric"] == "accuracy" and rows[0]["clear"] is False
