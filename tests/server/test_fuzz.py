"""Fuzz every operation of the OpenAPI document against a real server: never a 5xx.

Schemathesis generates requests from :func:`trackrecord.server.openapi.document`
(valid ones, and ones that break the schema); each goes to a uvicorn server over
a SQLite store with a logged run, as an open server (no users), as a server
admin and as an editor of one project. Path parameters are often swapped for
things that exist, and event bodies are often well framed or even well chained,
so requests get past the first check (each server then proves that the fuzzer
reached real data). Each response must not be a 5xx and must have a documented
status, content type and body schema; with auth on, the same request without a
token must be refused exactly when the document says it needs one.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import trackrecord
from tests.server_thread import serving
from trackrecord.ids import new_run_id
from trackrecord.record import wire
from trackrecord.record.events import GENESIS, Event, Points
from trackrecord.record.framing import encode_event
from trackrecord.server.openapi import OPERATIONS, document
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.accounts import SqlAccounts

# Per operation and identity. The defaults run in well under a minute, the same cases each
# time; TRACKRECORD_FUZZ_EXAMPLES=500 TRACKRECORD_FUZZ_RANDOM=1 digs deeper and wider.
EXAMPLES = int(os.environ.get("TRACKRECORD_FUZZ_EXAMPLES", "20"))
RANDOM = os.environ.get("TRACKRECORD_FUZZ_RANDOM") == "1"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Operations that must answer 2xx at least once per server: the fuzzer got to real data.
MUST_REACH = {
    "GET /api/v1/runs",
    "GET /api/v1/runs/{run_id}",
    "GET /api/v1/runs/{run_id}/events",
    "GET /api/v1/runs/{run_id}/metrics/{key}",
    "GET /api/v1/runs/{run_id}/artifacts",
    "GET /api/v1/artifacts/{sha256}",
    "POST /api/v1/runs/{run_id}/events",
}
PUBLIC = {f"{method} {path}" for (path, method), op in OPERATIONS.items() if op.public}

schema = schemathesis.openapi.from_dict(document())
schema.config.generation.update(
    max_examples=EXAMPLES, deterministic=not RANDOM, database="none",
    with_security_parameters=False,
)  # fmt: skip


@dataclass
class Target:
    """A running server under fuzzing, and what the fuzzer may name in it."""

    url: str = ""
    mode: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    known: dict[str, str] = field(default_factory=dict)  # path parameter -> existing value
    run_events: bytes = b""  # the logged run's events, framed: appending them again is a no-op
    new_run: str = ""  # the id of a run that event bodies may start
    statuses: dict[str, set[int]] = field(default_factory=dict)  # operation -> statuses seen


TARGET = Target()  # the server of the tests now running (one at a time, by module fixture)


@schema.hook
def flatmap_path_parameters(context: Any, parameters: dict[str, Any] | None) -> Any:
    """Often name things that exist; a run for events sometimes is the one bodies start."""
    if not parameters:
        return st.just(parameters)
    known = parameters | {k: v for k, v in TARGET.known.items() if k in parameters}
    choices = [parameters, known, known]  # existing things twice as often as random ones
    if "run_id" in parameters:
        choices.append(parameters | {"run_id": TARGET.new_run})
    return st.sampled_from(choices)


def frame(payload: bytes) -> bytes:
    """A spool record around *payload*: magic, size, CRC-32 (as :mod:`trackrecord.spool`)."""
    return struct.pack("<4sII", b"TRS1", len(payload), zlib.crc32(payload)) + payload


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)


@st.composite
def framed_junk(draw: st.DrawFn) -> bytes:
    """A well-framed record whose header is any JSON with some of the expected keys."""
    keys = ["run", "seq", "type", "time", "prev", "hash", "body", "points"]
    head = draw(st.fixed_dictionaries({}, optional={k: JSON for k in keys}))
    if draw(st.booleans()):
        counts = st.tuples(st.text(max_size=4), st.integers(-2, 2**40))
        head["points"] = draw(st.lists(counts, max_size=2))
    text = json.dumps(head).encode()
    return frame(struct.pack("<I", len(text)) + text + draw(st.binary(max_size=48)))


@st.composite
def new_run(draw: st.DrawFn) -> bytes:
    """Hash-chained events that start the run ``TARGET.new_run``, in one project or another."""
    project = draw(st.sampled_from(["fuzz", "fuzz", "elsewhere", ""]))
    start = Event.build(TARGET.new_run, 1, "run.start", 1_700_000_000_000, GENESIS,
                        {"project": project, "name": "fuzzed"})  # fmt: skip
    events = [start]
    if draw(st.booleans()):
        values = np.asarray(draw(st.lists(st.floats(), min_size=1, max_size=4)), dtype=np.float64)
        steps = np.arange(len(values), dtype=np.int64)
        points = {"loss": Points(steps, values, steps + 1_700_000_000_000)}
        events.append(
            Event.build(start.run_id, 2, "metrics", start.time + 1, start.hash, {}, points)
        )
    return b"".join(encode_event(e) for e in events)


schemathesis.openapi.media_type(
    wire.EVENTS_TYPE,
    st.one_of(
        st.binary(max_size=64), framed_junk(), new_run(), new_run(),
        *[st.builds(lambda: TARGET.run_events)] * 3,  # an append that must answer 2xx
    ),
)  # fmt: skip


def logged_store(directory: Any) -> tuple[SqlStore, str]:
    """A store holding one finished run with metrics (NaN too), params and a file."""
    with trackrecord.init("fuzz", config={"lr": 0.1}, dir=directory, capture=False) as run:
        for step in range(50):
            run.log({"loss": 1.0 / (step + 1), "train/acc": float("nan") if step == 3 else 0.5})
        run.log_text("notes.txt", "fuzzed")
    return SqlStore.open(directory), run.id


@pytest.fixture(scope="module", params=["open", "admin", "editor"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    """A server over a logged store, as *mode*; afterwards, proof that fuzzing reached data."""
    store, run_id = logged_store(tmp_path_factory.mktemp(f"fuzz-{request.param}"))
    headers = {wire.CLIENT_HEADER: "fuzz"}  # an open server takes writes only with it
    if request.param != "open":
        accounts = SqlAccounts(store.database)
        accounts.create_user("root", admin=True)
        accounts.create_user("someone")  # for the fuzzer to disable, grant roles to, ...
        if request.param == "editor":
            accounts.create_user("ed")
            accounts.grant("ed", "fuzz", "editor")
        _, token = accounts.create_token("root" if request.param == "admin" else "ed")
        headers["Authorization"] = f"Bearer {token}"
    known = {"run_id": run_id, "key": "train/acc", "name": "someone", "project": "fuzz",
             "sha256": store.list_artifacts(run_id)[0].sha256}  # fmt: skip
    events = b"".join(encode_event(e) for e in store.read_events(run_id))
    with serving(store) as url:
        assert httpx.get(f"{url}/readyz").json()["auth"] is (request.param != "open")
        target = Target(url, request.param, headers, known, events, new_run_id())
        TARGET.__dict__.update(target.__dict__)
        yield TARGET
    store.close()
    unreached = {op for op in MUST_REACH & set(TARGET.statuses)
                 if not any(200 <= s < 300 or s == 0 for s in TARGET.statuses[op])}  # fmt: skip
    assert not unreached, f"as {request.param}, fuzzing never got a 2xx from: {unreached}"


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error(case: schemathesis.Case, server: Target) -> None:
    label = f"{case.operation.method.upper()} {case.operation.path}"
    seen = server.statuses.setdefault(label, set())
    try:
        response = case.call_and_validate(
            server.url, headers=server.headers, checks=CHECKS, timeout=10
        )
    except BaseException:
        seen.add(0)  # failed: hypothesis stops early, so coverage is not to be judged
        raise
    seen.add(response.status_code)
    if server.mode != "open" and case.method.upper() == case.operation.method.upper():
        anonymous = case.call(server.url, timeout=10)
        if label in PUBLIC:  # signing in answers 401 to wrong credentials, not to no token
            assert anonymous.status_code != 401 or label == "POST /api/v1/login", label
        else:
            assert anonymous.status_code == 401, (
                f"{label} without a token answered {anonymous.status_code}"
            )
