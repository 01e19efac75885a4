"""Criteria before evaluations, on every store: never edited, superseded only by a new set."""

from __future__ import annotations

import hashlib

import pytest

from tests.store.conftest import Chain
from trackrecord.errors import InvalidValueError
from trackrecord.store.base import Store

CRITERIA = [{"metric": "accuracy", "op": ">=", "threshold": 0.9, "confidence": 0.95}]


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def evaluation(chain: Chain, criteria_id: str | None, started_at: int, eid: str = "1") -> dict:
    return {
        "id": f"eval_{eid * 16}", "started_at": started_at, "task": "binary", "n": 100,
        "status": "pass", "metrics": {"accuracy": {"value": 0.93, "low": 0.91, "high": 0.95}},
        "verdicts": [{"criterion": CRITERIA[0], "scope": "overall", "outcome": "pass"}],
        "limitations": ["few rows for age 75+"],
        "criteria": None if criteria_id is None else {"id": criteria_id},
        "dataset": {"name": "holdout", "digest": sha("holdout")},
        "result": {"path": f"evaluations/eval_{eid * 16}.json", "sha256": sha("result")},
    }  # fmt: skip


def test_a_run_evaluates_against_criteria_it_fixed_first(store: Store) -> None:
    chain = Chain()
    chain.add("criteria", {"id": "crit_" + "a" * 16, "criteria": CRITERIA, "supersedes": None})
    chain.add("evaluation", evaluation(chain, "crit_" + "a" * 16, chain.time + 1))
    store.append_events(chain.events)
    (found,) = store.catalog.evaluations(run_id=chain.run_id)
    assert (found.criteria_id, found.status, found.dataset_digest) == (
        "crit_" + "a" * 16,
        "pass",
        sha("holdout"),
    )
    assert found.limitations == ["few rows for age 75+"]
    assert found.result_path.endswith(".json")
    (criteria,) = store.catalog.criteria_sets(f"run:{chain.run_id}")
    assert criteria.criteria == CRITERIA and criteria.seq == 2


def test_criteria_recorded_after_the_evaluation_began_are_refused(store: Store) -> None:
    chain = Chain()
    started = chain.time  # the evaluation began before the criteria were recorded
    chain.add("criteria", {"id": "crit_" + "b" * 16, "criteria": CRITERIA, "supersedes": None})
    chain.add("evaluation", evaluation(chain, "crit_" + "b" * 16, started))
    with pytest.raises(InvalidValueError, match="after the evaluation began"):
        store.append_events(chain.events)


def test_superseded_criteria_cannot_be_evaluated_against(store: Store) -> None:
    chain = Chain()
    old, new = "crit_" + "c" * 16, "crit_" + "d" * 16
    chain.add("criteria", {"id": old, "criteria": CRITERIA, "supersedes": None})
    chain.add("evaluation", evaluation(chain, old, chain.time + 1, "1"))
    looser = [{**CRITERIA[0], "threshold": 0.5}]
    chain.add("criteria", {"id": new, "criteria": looser, "supersedes": old, "reason": "too hard"})
    store.append_events(chain.events)
    history = store.catalog.criteria_sets(f"run:{chain.run_id}")
    assert [(c.id, c.supersedes) for c in history] == [(new, old), (old, None)]
    late = Chain(run_id=chain.run_id)
    late.events = list(chain.events)
    late.time = chain.time
    late.add("evaluation", evaluation(late, old, late.time + 1, "2"))
    with pytest.raises(InvalidValueError, match="superseded"):
        store.append_events(late.events[-1:])
    assert len(store.catalog.evaluations(run_id=chain.run_id)) == 1  # the first one stays


def test_a_new_set_must_name_the_current_one(store: Store) -> None:
    chain = Chain()
    chain.add("criteria", {"id": "crit_" + "e" * 16, "criteria": CRITERIA, "supersedes": None})
    chain.add("criteria", {"id": "crit_" + "f" * 16, "criteria": CRITERIA, "supersedes": None})
    with pytest.raises(InvalidValueError, match="supersede the current set"):
        store.append_events(chain.events)


def test_model_version_criteria_live_in_the_registry_history(store: Store) -> None:
    chain = Chain()
    files = [{"path": "m.bin", "sha256": sha("w"), "size": 1}]
    body = {"name": "clf", "digest": sha("m"), "flavor": "directory", "format": "files",
            "path": "models/clf", "files": files, "meta": {}}  # fmt: skip
    chain.add("model", body)
    store.append_events(chain.events)
    store.catalog.create_version("churn", chain.run_id, "clf", "alice")
    first = store.catalog.set_criteria("churn", 1, CRITERIA, "alice", reason="policy 7")
    second = store.catalog.set_criteria("churn", 1, [{**CRITERIA[0], "threshold": 0.95}], "bob")
    assert second.supersedes == first.id and first.target == "model:churn/1"
    history = store.catalog.registry_history("churn")
    assert [e.type for e in history][-2:] == ["criteria.set", "criteria.set"]
    assert history[-2].body["reason"] == "policy 7"
    assert [c.id for c in store.catalog.criteria_sets("model:churn/1")] == [second.id, first.id]
    with pytest.raises(InvalidValueError):
        store.catalog.set_criteria("churn", 1, [{"metric": "accuracy", "op": "~", "threshold": 1}],
                                   "bob")  # fmt: skip
