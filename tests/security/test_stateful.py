"""Stateful fuzzing as three identities: no response ever shows another project's data.

Schemathesis chains the API's operations by the links it infers from the OpenAPI document
(a run id from a search feeds the run's pages, a model name from a listing feeds its
versions, ...). It runs once as each of alice (alpha), bob (beta) and carol (gamma). Every
project is seeded with a run, a dataset, an artifact and a registered model. Path parameters
often name the actor's own things, and as often another project's (a hostile member may
learn ids and names). The content of each project carries markers that no request ever
names: a secret param value, the bytes and path of an artifact, the digests of a dataset and
a model. Whatever sequence the fuzzer finds, no response seen by one identity may hold a
marker of a project it has no role in, and no response may be a server error.

``TRACKRECORD_FUZZ_EXAMPLES`` (default 30 scenarios per identity) digs deeper.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky, FlakyStrategyDefinition

from tests.security.conftest import PROJECTS, Realm, realm_on
from tests.store.conftest import Chain
from trackrecord.server.openapi import document
from trackrecord.store.sql import SqlStore

EXAMPLES = int(os.environ.get("TRACKRECORD_FUZZ_EXAMPLES", "30"))
ACTORS = {"alice": "alpha", "bob": "beta", "carol": "gamma"}

# Appending events takes framed binary records: tests/server/test_fuzz.py fuzzes that body and
# tests/security attack it; here the links between the JSON operations are what is walked.
schema = schemathesis.openapi.from_dict(copy.deepcopy(document())).exclude(
    method="POST", path="/api/v1/runs/{run_id}/events"
)
schema.config.generation.update(
    max_examples=EXAMPLES, deterministic=True, database="none", with_security_parameters=False
)


@dataclass
class Seeded:
    """One project's data: markers of its content, and names of its things."""

    markers: set[str] = field(default_factory=set)  # in responses only, never in requests
    known: dict[str, str] = field(default_factory=dict)  # path parameter -> a value of it


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def seed(store: SqlStore, project: str) -> Seeded:
    """Give *project* a dataset, an artifact and a registered model; name them with *name*
    and mark their content with *mark*, two secrets."""
    name, mark = secrets.token_hex(6), secrets.token_hex(8)
    digest, size = store.put_artifact(io.BytesIO(f"weights of {project} {mark}".encode()))
    chain = Chain(project, config={"secret": f"s-{mark}"})
    chain.add("dataset", {"name": f"data-{name}", "digest": _sha(mark), "role": "train",
                          "direction": "input", "kind": "file"})  # fmt: skip
    chain.add("artifact", {"files": [{"path": f"w-{mark}.bin", "sha256": digest, "size": size,
                                      "media_type": "application/octet-stream"}]})  # fmt: skip
    files = [{"path": "model.bin", "sha256": digest, "size": size}]
    chain.add("model", {"name": "clf", "digest": _sha("m" + mark), "flavor": "directory",
                        "format": "files", "path": "models/clf", "files": files,
                        "meta": {}})  # fmt: skip
    chain.add("run.end", {"status": "finished", "error": None})
    store.append_events(chain.events)
    store.catalog.create_version(f"model-{name}", chain.run_id, "clf", "root")
    markers = {mark, _sha(mark), _sha("m" + mark), f"{project}-secret"}
    known = {"run_id": chain.run_id, "name": f"model-{name}", "sha256": digest, "version": "1",
             "project": project, "key": "loss"}  # fmt: skip
    return Seeded(markers, known)


@dataclass
class Stage:
    """The realm, each project's seed, and who acts now."""

    realm: Realm
    seeds: dict[str, Seeded]
    actor: str = "alice"

    def foreign_markers(self) -> set[str]:
        own = ACTORS[self.actor]
        return {m for project, s in self.seeds.items() if project != own for m in s.markers}


STAGE: list[Stage] = []  # the stage of the test now running


@schema.hook
def flatmap_path_parameters(context: Any, parameters: dict[str, Any] | None) -> Any:
    """Often name what a project holds: the actor's own, or another's (as a hostile member)."""
    if not parameters or not STAGE:
        return st.just(parameters)
    named = [parameters | {k: v for k, v in s.known.items() if k in parameters}
             for s in STAGE[0].seeds.values()]  # fmt: skip
    own = named[list(STAGE[0].seeds).index(ACTORS[STAGE[0].actor])]
    return st.sampled_from([parameters, own, own, *named])


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    store = SqlStore.open(tmp_path_factory.mktemp("stateful"))
    with realm_on(store) as realm:
        seeds = {p: seed(store, p) for p in PROJECTS}
        STAGE.append(Stage(realm, seeds))
        yield STAGE[0]
        STAGE.clear()
    store.close()


@pytest.mark.parametrize("actor", sorted(ACTORS))
def test_no_sequence_of_requests_reaches_another_project(stage: Stage, actor: str) -> None:
    stage.actor = actor
    headers = {"Authorization": f"Bearer {stage.realm.tokens[actor]}"}
    foreign = stage.foreign_markers()
    seen: list[int] = []
    problems: list[str] = []

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"base_url": stage.realm.url, "headers": headers, "timeout": 30}

        def validate_response(self, response: Any, case: schemathesis.Case, **_: Any) -> None:
            seen.append(response.status_code)
            label = f"{case.method} {case.formatted_path}"
            leaked = sorted(m for m in foreign if m in response.content.decode("utf-8", "replace"))
            if response.status_code >= 500:
                problems.append(f"{label} answered {response.status_code}")
            if leaked:
                problems.append(f"{actor} saw another project's data in {label}: {leaked}")
            assert not problems, problems[-1]

    # The server changes as the fuzzer runs, so Hypothesis may find that a scenario it
    # replays draws differently (Flaky) and stop early: then run more, until enough requests
    # were made. Every real finding is in `problems`, whatever Hypothesis raised.
    options = settings(
        max_examples=EXAMPLES, stateful_step_count=6, deadline=None, database=None,
        suppress_health_check=list(HealthCheck), phases=[Phase.generate],
    )  # fmt: skip
    for _ in range(5):
        with contextlib.suppress(Flaky, FlakyStrategyDefinition):
            Machine.run(settings=options)
        assert not problems, "\n".join(problems)
        if len(seen) >= EXAMPLES * 4:
            break
    assert len(seen) >= EXAMPLES * 4, f"the fuzzer made only {len(seen)} requests"
    assert any(200 <= status < 300 for status in seen), "the fuzzer never reached any data"
