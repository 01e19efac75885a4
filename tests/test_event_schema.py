"""The one schema of events: each type's body, what holds everywhere, limits, sealing."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from tests.store.conftest import Chain, pts
from trackrecord.errors import ChainConflictError, InvalidValueError
from trackrecord.event_schema import (
    AFTER_END,
    BODIES,
    EventLimits,
    check_body,
    check_event,
    check_sealed,
)
from trackrecord.ids import new_run_id
from trackrecord.record.events import EVENT_TYPES, GENESIS, Event, Points, decode_json

DIGEST = "ab" * 32
FILE = {"path": "plots/a.png", "sha256": DIGEST, "size": 3, "media_type": "image/png"}
VALID: dict[str, dict[str, Any]] = {  # a body of each type, as the SDK writes it
    "run.start": {"project": "p", "name": "n", "group": None, "parent": new_run_id(),
                  "notes": "x", "tags": {"a": ""}, "config": {"lr": 0.1, "opt": {"b": [1, 2]}},
                  "user": "ana", "host": "h"},
    "run.resume": {"user": "ana", "host": "h", "pid": 12},
    "run.end": {"status": "failed", "error": {"type": "E", "message": "m", "traceback": "t"}},
    "environment": {"git": {"commit": "abc", "branch": None, "dirty": True}, "env": {"A": "1"}},
    "console": {"lines": [[1, "stdout", "hi"], [2, "stderr", ""]]},
    "params": {"params": {"lr": float("nan"), "big": 2**62, "none": None, "d": {}}},
    "tags": {"tags": {"stage": "prod"}},
    "notes": {"text": None},
    "metrics": {},
    "artifact": {"files": [FILE]},
    "dataset": {"name": "mnist", "role": "train", "direction": "input", "digest": DIGEST,
                "kind": "table", "rows": 3, "schema": [{"name": "x"}], "profile": {},
                "sources": [{"uri": "s3://b/k"}], "manifest": {"sha256": DIGEST, "files": 2}},
    "model": {"name": "clf", "digest": DIGEST, "flavor": "sklearn", "format": "skops",
              "path": "models/clf", "files": [{"path": "model.skops", "sha256": DIGEST,
                                               "size": 9}], "meta": {"classes": [0, 1]}},
    "criteria": {"id": "crit_" + "0" * 20, "criteria": [{"metric": "acc", "op": ">=",
                 "threshold": 0.9}], "supersedes": None, "reason": None, "actor": "ana"},
    "evaluation": {"id": "eval_" + "0" * 20, "started_at": 1, "task": "binary", "n": 10,
                   "status": "pass", "metrics": {"acc": {"value": 0.9}}, "verdicts": [],
                   "limitations": ["small"], "dataset": {"name": "d", "digest": DIGEST},
                   "criteria": {"id": "crit_" + "0" * 20}, "seed": 0, "n_resamples": 100,
                   "confidence": 0.95, "result": {"path": "evaluations/e.json", "sha256": DIGEST}},
    "run.rename": {"name": "better"},
    "run.delete": {},
    "run.restore": {},
}  # fmt: skip


def test_every_event_type_has_a_shape_and_a_valid_example() -> None:
    assert set(BODIES) == set(EVENT_TYPES) == set(VALID)


@pytest.mark.parametrize("type_", sorted(VALID))
def test_a_body_as_the_sdk_writes_it_passes(type_: str) -> None:
    check_body(type_, VALID[type_])
    check_body(type_, decode_json(json.dumps(VALID[type_])))  # as it arrives over HTTP


@pytest.mark.parametrize(
    ("type_", "body", "words"),
    [
        ("run.start", {"name": "n"}, "project is missing; the body holds project, name"),
        ("run.start", {"project": "p", "name": "n", "parent": "../x"}, "parent is '../x'"),
        ("run.start", {"project": "p", "name": "n", "config": []}, "config is []"),
        ("run.start", {"project": "p", "name": "n", "tags": {"a": 1}}, "tags.a is 1"),
        ("run.end", {"status": "running"}, "one of: finished, failed, killed, crashed"),
        ("run.end", {"status": "failed", "error": "boom"}, "error is 'boom'"),
        ("console", {"lines": [[1, "stdin", "x"]]}, "lines[0] is"),
        ("console", {"lines": [[True, "stdout", "x"]]}, "[time_ms, 'stdout' or 'stderr'"),
        ("environment", {"git": {"commit": 1}}, "git.commit is 1"),
        ("params", {"params": {"a": object()}}, "bodies hold JSON values only"),
        ("params", {}, "params is missing"),
        ("artifact", {"files": []}, "files: give at least 1"),
        ("artifact", {"files": [{**FILE, "size": -1}]}, "files[0].size is -1"),
        ("artifact", {"files": [{**FILE, "sha256": "XY"}]}, "files[0].sha256"),
        ("artifact", {"files": [{**FILE, "path": "/etc/passwd"}]}, "files[0].path"),
        ("dataset", {**VALID["dataset"], "direction": "sideways"}, "direction is 'sideways'"),
        ("dataset", {**VALID["dataset"], "rows": True}, "rows is True"),
        ("model", {**VALID["model"], "files": [{"path": "a"}]}, "sha256 is missing"),
        ("criteria", {"id": "c", "criteria": "acc > 1"}, "criteria is 'acc > 1'"),
        ("evaluation", {**VALID["evaluation"], "n": -1}, "n is -1"),
        ("evaluation", {**VALID["evaluation"], "result": {"path": "a"}}, "result.sha256"),
        ("notes", {"text": "x", "by": "me"}, "unknown field 'by'"),
        ("metrics", {"loss": 1}, "unknown field 'loss'"),
        ("run.delete", {"why": "x"}, "unknown field 'why'"),
        ("tag", {}, "unknown event type 'tag'; known types: artifact"),
    ],
)
def test_a_malformed_body_is_refused_naming_the_field(
    type_: str, body: dict[str, Any], words: str
) -> None:
    with pytest.raises(InvalidValueError) as refused:
        check_body(type_, body)
    assert words in str(refused.value)


def test_params_are_checked_as_they_are_flattened() -> None:
    limits = EventLimits(keys_per_event=2, value_bytes=20)
    check_body("params", {"params": {"opt": {"lr": 0.1, "b": [1]}}}, limits)
    refusals = {
        "3 params; at most 2": {"opt": {"lr": 0.1, "b": 1}, "c": 2},
        "param 'a.b' is given twice": {"a.b": 1, "a": {"b": 2}},
        r"param 'big' is 21 bytes as JSON; the limit is 20": {"big": list(range(10))},
        "param key ' x'": {" x": 1},
    }
    for words, params in refusals.items():
        with pytest.raises(InvalidValueError, match=words):
            check_body("params", {"params": params}, limits)


def test_check_event_names_the_event_and_checks_its_envelope_and_points() -> None:
    chain = Chain()
    check_event(chain.events[0])
    event = chain.add("tags", {"tags": {"k": 1}})
    with pytest.raises(InvalidValueError, match=rf"^event 2 \('tags'\) of run '{chain.run_id}'"):
        check_event(event)
    bad_points = {"loss": Points(np.arange(2), np.zeros(1), np.arange(2))}
    cases = {
        "a run.start must be event 1": chain.add("run.start", {"project": "p", "name": "n"}),
        "only a metrics event carries": chain.add("notes", {}, {"loss": pts([1], [1.0])}),
        "metric key 'a\\\\n'": chain.add("metrics", {}, {"a\n": pts([1], [1.0])}),
        "differ in length": chain.add("metrics", {}, bad_points),
        "run id must be 26": Event("x", 1, "run.start", 1, GENESIS, {}, GENESIS),
        "seq must be a whole number": Event(chain.run_id, 0, "run.end", 1, GENESIS, {}, GENESIS),
        "time must be milliseconds": Event(chain.run_id, 2, "notes", -1, GENESIS, {}, GENESIS),
        "hash must be a SHA-256": Event(chain.run_id, 2, "notes", 1, GENESIS, {}, "x"),
    }
    for words, crafted in cases.items():
        with pytest.raises(InvalidValueError, match=words):
            check_event(crafted)
    with pytest.raises(InvalidValueError, match="2 metric keys; at most 1"):
        check_event(chain.add("metrics", {}, {"a": pts([1], [1]), "b": pts([1], [1])}),
                    EventLimits(keys_per_event=1))  # fmt: skip


def test_an_ended_run_takes_only_annotations_and_a_resume() -> None:
    chain = Chain()
    for status in (None, "running"):
        check_sealed(chain.add("metrics", {}, {"a": pts([1], [1.0])}), status)
    for type_ in sorted(EVENT_TYPES - {"run.start"}):
        event = chain.add(type_, VALID[type_])
        if type_ in AFTER_END:
            check_sealed(event, "finished")
        else:
            with pytest.raises(ChainConflictError, match=r"has ended \(crashed\).*resume="):
                check_sealed(event, "crashed")
    assert {"run.resume", "tags", "notes", "run.rename", "run.delete", "run.restore"} == AFTER_END
