"""Writes are authorised against the object they name, not against the writing run's project.

Issue 14, "Crafted events reach other projects", "Registry squatting", "A dataset name used by
two projects shows the other's versions" and "'Not visible' and 'does not exist' answer with
different bodies". Every refusal is a 4xx in the one error shape, and the records (the tables
below) are exactly as they were before it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import trackrecord
from tests.security.conftest import Realm, error_of
from tests.store.conftest import Chain
from trackrecord.errors import TrackRecordWarning
from trackrecord.ids import new_run_id

RECORDS = (
    "runs", "events", "artifacts", "artifact_grants", "dataset_versions", "run_datasets",
    "logged_models", "registered_models", "registry_events", "model_versions", "model_aliases",
    "criteria_sets", "evaluations",
)  # fmt: skip


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def records(realm: Realm) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables that hold what was recorded (not the audit log or accounts)."""
    conn = realm.store.database.read()
    return {
        table: sorted(map(tuple, conn.execute(f"SELECT * FROM {table}").fetchall()), key=repr)
        for table in RECORDS
    }


def upload(realm: Realm, who: str, content: bytes, project: str | None) -> httpx.Response:
    params = {} if project is None else {"project": project}
    with realm.client(who) as client:
        return client.post("/api/v1/artifacts", params=params, content=content)


def file_record(path: str, digest: str, size: int = 3) -> dict[str, Any]:
    return {"path": path, "sha256": digest, "size": size, "media_type": "application/octet-stream"}


def model_body(name: str, digest: str) -> dict[str, Any]:
    return {"name": name, "digest": sha(b"manifest" + digest.encode()), "flavor": "directory",
            "format": "files", "path": f"models/{name}",
            "files": [{"path": "weights.bin", "sha256": digest, "size": 3}],
            "meta": {}}  # fmt: skip


def dataset_body(name: str, digest: str, manifest: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "digest": digest, "role": "train",
                            "direction": "input", "kind": "directory"}  # fmt: skip
    if manifest is not None:
        body["manifest"] = {"sha256": manifest, "files": 1}
    return body


def evaluation_body(target: str | None, result: str, started_at: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "eval_" + sha(target.encode() if target else b"own")[:20], "started_at": started_at,
        "task": "binary", "n": 10, "status": "pass",
        "metrics": {"accuracy": {"value": 0.99, "low": 0.97, "high": 1.0}},
        "verdicts": [], "limitations": [],
        "result": {"path": "evaluations/r.json", "sha256": result},
    }  # fmt: skip
    if target is not None:
        body["target"] = target
    return body


def seeded_model(realm: Realm, project: str, model: str) -> str:
    """A run of *project* (written straight to the store) that logged *model*, registered
    under the same name; the run's id."""
    chain = Chain(project)
    weights = f"{project} weights".encode()
    chain.add("artifact", {"files": [file_record(f"models/{model}/weights.bin", sha(weights))]})
    chain.add("model", model_body(model, sha(weights)))
    chain.add("run.end", {"status": "finished", "error": None})
    realm.store.append_events(chain.events)
    realm.store.catalog.create_version(model, chain.run_id, model, "seed")
    return chain.run_id


# -- artifact bytes ------------------------------------------------------------------------------

NAMING: dict[str, Callable[[str, int], tuple[str, dict[str, Any]]]] = {
    "artifact": lambda digest, _: ("artifact", {"files": [file_record("stolen.bin", digest)]}),
    "model": lambda digest, _: ("model", model_body("stolen", digest)),
    "dataset manifest": lambda digest, _: (
        "dataset",
        dataset_body("stolen", sha(b"some data"), manifest=digest),
    ),
    "evaluation result": lambda digest, t: ("evaluation", evaluation_body(None, digest, t)),
}


@pytest.mark.parametrize("naming", list(NAMING))
def test_an_event_naming_another_projects_bytes_is_refused_and_opens_nothing(
    realm: Realm, naming: str
) -> None:
    secret = b"beta's secret weights"
    stored = upload(realm, "bob", secret, "beta")
    assert stored.status_code == 200, stored.text
    beta = realm.continue_run("beta")
    beta.add("artifact", {"files": [file_record("weights.bin", sha(secret), len(secret))]})
    assert realm.post_events("bob", beta.events[-1:]).status_code == 200
    before = records(realm)
    answers = set()
    for who, digest in (
        ("alice", sha(secret)),
        ("alice", sha(b"bytes nobody uploaded")),
        ("mallory", sha(secret)),  # an editor of beta too, but her token is alpha's only
    ):
        alpha = realm.continue_run("alpha")
        alpha.add(*NAMING[naming](digest, alpha.time))
        refused = realm.post_events(who, alpha.events[-1:])
        assert refused.status_code == 404, refused.text
        message = error_of(refused)["message"].replace(digest, "DIGEST")
        assert "upload" in message and "beta" not in message
        answers.add(message)
    assert len(answers) == 1  # the same whether the bytes are another project's or nobody's
    assert records(realm) == before
    with realm.client("alice") as alice:
        assert alice.get(f"/api/v1/artifacts/{sha(secret)}").status_code == 404


def test_bytes_uploaded_for_a_project_may_be_named_by_its_runs_only(realm: Realm) -> None:
    content = b"alpha's own weights"
    assert upload(realm, "alice", content, "alpha").status_code == 200
    alpha = realm.continue_run("alpha")
    alpha.add("artifact", {"files": [file_record("w.bin", sha(content), len(content))]})
    assert realm.post_events("alice", alpha.events[-1:]).status_code == 200
    gamma = realm.continue_run("gamma")
    gamma.add("artifact", {"files": [file_record("w.bin", sha(content), len(content))]})
    before = records(realm)
    assert realm.post_events("carol", gamma.events[-1:]).status_code == 404
    assert records(realm) == before
    assert upload(realm, "carol", content, "gamma").status_code == 200  # carol shows the bytes
    assert realm.post_events("carol", gamma.events[-1:]).status_code == 200


def test_an_upload_is_for_a_project_the_caller_may_log_to(realm: Realm) -> None:
    before = records(realm)
    for who, project in (("alice", "beta"), ("vera", "alpha"), ("mallory", "beta")):
        refused = upload(realm, who, b"anything", project)
        assert refused.status_code in (403, 404), refused.text
    assert records(realm) == before


# -- datasets --------------------------------------------------------------------------------


def test_a_dataset_event_naming_another_projects_dataset_stays_in_its_own_project(
    realm: Realm,
) -> None:
    beta = realm.continue_run("beta")
    for content in (b"beta v1", b"beta v2"):
        beta.add("dataset", dataset_body("beta-data", sha(content)))
    realm.store.append_events(beta.events)
    beta_versions = realm.store.catalog.dataset_versions("beta-data", project="beta")
    alpha = realm.continue_run("alpha")
    alpha.add("dataset", dataset_body("beta-data", sha(b"alpha's own")))
    assert realm.post_events("alice", alpha.events[-1:]).status_code == 200  # training goes on
    assert realm.store.catalog.dataset_versions("beta-data", project="beta") == beta_versions
    with realm.client("alice") as alice:
        seen = alice.get("/api/v1/datasets/beta-data/versions").json()
        assert [(v["project"], v["number"], v["digest"]) for v in seen] == [
            ("alpha", 1, sha(b"alpha's own"))
        ]
        for version in ("2", sha(b"beta v1")):
            hidden = alice.get(f"/api/v1/datasets/beta-data/versions/{version}")
            assert hidden.status_code == 404
        uses = alice.get("/api/v1/datasets/beta-data/uses").json()
        assert {u["project"] for u in uses} == {"alpha"}


def test_a_dataset_name_used_by_two_projects_shows_each_only_its_own_versions(
    realm: Realm,
) -> None:
    for who, project in (("alice", "alpha"), ("bob", "beta"), ("bob", "beta")):
        chain = realm.continue_run(project)
        chain.add("dataset", dataset_body("mnist", sha(f"{project} {len(chain.events)}".encode())))
        assert realm.post_events(who, chain.events[-1:]).status_code == 200
        realm.runs[project] = chain
    with realm.client("alice") as alice, realm.client("bob") as bob:
        mine = alice.get("/api/v1/datasets/mnist/versions").json()
        theirs = bob.get("/api/v1/datasets/mnist/versions").json()
        assert [(v["project"], v["number"]) for v in mine] == [("alpha", 1)]
        assert [(v["project"], v["number"]) for v in theirs] == [("beta", 2), ("beta", 1)]
        listed = alice.get("/api/v1/datasets").json()
        assert [(d["project"], d["name"], d["versions"]) for d in listed] == [("alpha", "mnist", 1)]
        node = f"dataset:alpha/mnist@{mine[0]['digest']}"
        graph = alice.get("/api/v1/lineage", params={"node": node}).json()
        assert {n["attrs"].get("project") for n in graph["nodes"]} == {"alpha"}
    with realm.client("root") as root:  # one who sees both is asked which one
        ambiguous = root.get("/api/v1/datasets/mnist/versions")
        assert ambiguous.status_code == 400 and "project" in error_of(ambiguous)["message"]
        one = root.get("/api/v1/datasets/mnist/versions", params={"project": "beta"}).json()
        assert [v["number"] for v in one] == [2, 1]


# -- the registry ----------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["realm", "pg_realm"])
def test_a_run_of_one_project_cannot_add_a_version_to_another_projects_model(
    request: pytest.FixtureRequest, stage: str
) -> None:
    realm: Realm = request.getfixturevalue(stage)
    seeded_model(realm, "beta", "beta-model")
    alpha_run = seeded_model(realm, "alpha", "alpha-model")
    before = records(realm)
    for who in ("alice", "mallory"):
        with realm.client(who) as client:
            refused = client.post(
                "/api/v1/models/beta-model/versions",
                json={"run_id": alpha_run, "run_model": "alpha-model"},
            )
        assert refused.status_code == 400, refused.text
        message = error_of(refused)["message"]
        assert "beta-model" in message and "another name" in message
        assert "beta" not in message.replace("beta-model", "")
    assert records(realm) == before
    assert [v.run_id for v in realm.store.catalog.model_versions("beta-model")] != [alpha_run]


def test_a_name_registered_in_one_project_cannot_be_squatted_from_another(realm: Realm) -> None:
    with realm.client("alice") as alice:
        made = alice.post("/api/v1/models", json={"name": "beta-future", "project": "alpha"})
        assert made.status_code == 201, made.text
    beta_run = seeded_model(realm, "beta", "beta-model")
    before = records(realm)
    with realm.client("bob") as bob:
        version = bob.post(
            "/api/v1/models/beta-future/versions",
            json={"run_id": beta_run, "run_model": "beta-model"},
        )
        created = bob.post("/api/v1/models", json={"name": "beta-future", "project": "beta"})
    for refused in (version, created):
        assert refused.status_code == 400, refused.text
        message = error_of(refused)["message"]
        assert "another name" in message
        assert "alpha" not in message and "alice" not in message
    assert records(realm) == before
    assert realm.store.catalog.model_versions("beta-future") == []
    with realm.client("alice") as alice:
        assert alice.get("/api/v1/models/beta-future/versions").json() == []


def test_the_sdk_warns_a_registered_name_is_taken_and_training_goes_on(
    realm: Realm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with realm.client("alice") as alice:
        made = alice.post("/api/v1/models", json={"name": "beta-future", "project": "alpha"})
        assert made.status_code == 201
    weights = tmp_path / "weights.bin"
    weights.write_bytes(b"bob's weights")
    monkeypatch.setenv("TRACKRECORD_URI", realm.url)
    monkeypatch.setenv("TRACKRECORD_TOKEN", realm.tokens["bob"])
    monkeypatch.setenv("TRACKRECORD_DIR", str(tmp_path / "client"))
    with trackrecord.init("beta", capture=False) as run:
        with pytest.warns(TrackRecordWarning, match="logged as 'clf' but not registered"):
            run.log_model(weights, "clf", flavor="directory", register="beta-future")
        run.log({"loss": 0.5}, step=0)
    assert realm.store.get_run(run.id).status == "finished"
    logged = realm.store.catalog.logged_model(run.id, "clf")  # its bytes went up for beta
    assert realm.store.grants.held("beta", [f["sha256"] for f in logged.files])
    assert realm.store.catalog.model_versions("beta-future") == []


# -- evaluations -----------------------------------------------------------------------------


def test_an_evaluation_cannot_target_another_projects_model(realm: Realm) -> None:
    seeded_model(realm, "beta", "beta-model")
    seeded_model(realm, "alpha", "alpha-model")
    result = b'{"verdict": "pass"}'
    assert upload(realm, "alice", result, "alpha").status_code == 200
    before = records(realm)
    for who, target in (("alice", "model:beta-model/1"), ("mallory", "model:beta-model/1"),
                        ("alice", "model:no-such-model/1")):  # fmt: skip
        alpha = realm.continue_run("alpha")
        alpha.add("evaluation", evaluation_body(target, sha(result), alpha.time))
        refused = realm.post_events(who, alpha.events[-1:])
        assert refused.status_code == 404, refused.text
        assert error_of(refused)["message"].replace(target, "TARGET") == (
            f"the evaluation event {alpha.events[-1].seq} of run {alpha.run_id} targets TARGET, "
            f"which is not a registered model version you may evaluate: evaluating a model "
            f"version needs the editor role in its project"
        )
    assert records(realm) == before
    assert realm.store.catalog.evaluations("model:beta-model/1") == []
    with realm.client("bob") as bob:
        annex = bob.get("/api/v1/models/beta-model/versions/1/annex-iv").json()
    assert "eval_" not in str(annex)
    alpha = realm.continue_run("alpha")  # its own project's model: recorded
    alpha.add("evaluation", evaluation_body("model:alpha-model/1", sha(result), alpha.time))
    assert realm.post_events("alice", alpha.events[-1:]).status_code == 200
    assert len(realm.store.catalog.evaluations("model:alpha-model/1")) == 1


# -- "not visible" and "does not exist" --------------------------------------------------------

# (method, path, body) with NAME standing for the model, CRIT for a criteria set, EVAL for an
# evaluation: bob (beta) asks each about alpha's and about things that do not exist
ASKED: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/v1/models/NAME", None),
    ("PATCH", "/api/v1/models/NAME", {"description": "x"}),
    ("GET", "/api/v1/models/NAME/versions", None),
    ("GET", "/api/v1/models/NAME/versions/1", None),
    ("PATCH", "/api/v1/models/NAME/versions/1", {"status": "deprecated"}),
    ("PUT", "/api/v1/models/NAME/aliases/prod", {"version": 1}),
    ("DELETE", "/api/v1/models/NAME/aliases/prod", None),
    ("POST", "/api/v1/models/NAME/versions/1/criteria",
     {"criteria": [{"metric": "accuracy", "op": ">=", "threshold": 0.5}]}),
    ("PUT", "/api/v1/models/NAME/policies/prod", {"required": 1}),
    ("GET", "/api/v1/models/NAME/history", None),
    ("GET", "/api/v1/models/NAME/versions/1/annex-iv", None),
    ("GET", "/api/v1/models/NAME/versions/1/retention", None),
    ("GET", "/api/v1/models/NAME/versions/1/kept/" + "0" * 64, None),
    ("GET", "/api/v1/models/NAME/policies", None),
    ("GET", "/api/v1/signatures?target=model:NAME/1", None),
    ("GET", "/api/v1/criteria?target=model:NAME/1", None),
    ("GET", "/api/v1/evaluations?target=model:NAME/1", None),
    ("GET", "/api/v1/lineage?node=model:NAME/1", None),
    ("GET", "/api/v1/criteria/CRIT", None),
    ("GET", "/api/v1/evaluations/EVAL", None),
    ("GET", "/api/v1/evaluations/compare?a=EVAL&b=EVAL", None),
    ("GET", "/api/v1/signatures?target=evaluation:EVAL", None),
    ("GET", "/api/v1/datasets/DATA/versions", None),
    ("GET", "/api/v1/datasets/DATA/versions/1", None),
    ("GET", "/api/v1/datasets/DATA/uses", None),
    ("GET", "/api/v1/lineage?node=dataset:alpha/DATA@1", None),
]  # fmt: skip


def test_invisible_and_absent_answer_the_same_404(realm: Realm) -> None:
    seeded_model(realm, "alpha", "alpha-model")
    criteria = realm.store.catalog.set_criteria(
        "alpha-model", 1, [{"metric": "accuracy", "op": ">=", "threshold": 0.5}], "alice"
    )
    chain = realm.continue_run("alpha")
    chain.time = criteria.time + 10
    evaluation = evaluation_body("model:alpha-model/1", sha(b"r"), criteria.time + 5)
    chain.add("evaluation", {**evaluation, "criteria": {"id": criteria.id}})
    chain.add("dataset", dataset_body("alpha-data", sha(b"alpha data")))
    realm.store.append_events(chain.events)
    names = {
        "NAME": ("alpha-model", "no-such-model"),
        "CRIT": (criteria.id, "crit_" + "0" * 20),
        "EVAL": (evaluation["id"], "eval_" + "0" * 20),
        "DATA": ("alpha-data", "no-such-data"),
    }
    before = records(realm)
    differ = []
    with realm.client("bob") as bob:
        for method, path, body in ASKED:
            answers = []
            for which in (0, 1):
                url = path
                for key, pair in names.items():
                    url = url.replace(key, pair[which])
                answer = bob.request(method, url, json=body)
                assert answer.status_code == 404, (url, answer.text)
                error = error_of(answer)
                for key, pair in names.items():
                    error["message"] = error["message"].replace(pair[which], key)
                answers.append(error)
            if answers[0] != answers[1]:
                differ.append((method, path, answers))
    assert differ == []
    assert records(realm) == before


# -- a run's parent --------------------------------------------------------------------------


def test_a_run_cannot_name_a_parent_it_may_not_see(realm: Realm) -> None:
    beta_run = realm.runs["beta"].run_id
    before = records(realm)
    for parent in (beta_run, new_run_id()):  # another project's run, and no run at all
        child = Chain("alpha", parent=parent)
        refused = realm.post_events("alice", child.events)
        assert refused.status_code == 404, refused.text
        assert error_of(refused)["message"].replace(parent, "PARENT") == (
            f"run {child.run_id} names PARENT as its parent, which is not a run you may "
            f"read; a parent must be a run you can see, logged before its children"
        )
    assert records(realm) == before
    with realm.client("bob") as bob:  # beta sees no child of its run
        found = bob.get("/api/v1/lineage", params={"node": f"run:{beta_run}"}).json()
    assert "alpha" not in str(found)
    child = Chain("alpha", parent=realm.runs["alpha"].run_id)  # its own project's run: kept
    assert realm.post_events("alice", child.events).status_code == 200
    mallory = Chain("alpha", parent=beta_run)  # mallory sees beta, but her token is alpha's
    assert realm.post_events("mallory", mallory.events).status_code == 404
