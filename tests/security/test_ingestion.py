"""Ingestion attacks of issue 14: every crafted event body gets a clear 4xx, and changes nothing.

Each test posts what the red-team pass posted, as an editor of ``alpha``, and then checks
that the seeded runs are as they were (head, params, tags, status, metrics) and still pass
``verify``. Sizes are shrunk with a server of small limits where the defaults would make a
test slow; the default limits are pinned by their own test.
"""

from __future__ import annotations

import json
import socket
import struct
import time
import zlib
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.security.conftest import PROJECTS, Realm, error_of
from tests.server_thread import serving
from tests.store.conftest import Chain, pts
from trackrecord.compliance.verify import verify_run
from trackrecord.event_schema import EventLimits
from trackrecord.ids import new_run_id
from trackrecord.record.events import Event
from trackrecord.record.framing import encode_event
from trackrecord.server.settings import ServerLimits, ServerSettings
from trackrecord.store.sql.audit import SqlAuditLog

SMALL = ServerLimits(
    request_bytes=256 << 10,
    events_per_request=20,
    events=EventLimits(keys_per_event=100, value_bytes=4096, json_depth=16),
)


def state(realm: Realm) -> dict[str, Any]:
    """What an attack must not change: every run's record, and which runs exist."""
    runs = {}
    for project in PROJECTS:
        run = realm.store.get_run(realm.runs[project].run_id)
        summaries = {k: (s.count, s.last) for k, s in run.summaries.items()}
        runs[project] = (run.head_seq, run.head_hash, run.status, run.name, run.params,
                         run.tags, summaries)  # fmt: skip
    every = realm.store.search_runs(limit=1000, deleted=True).runs
    return {"runs": runs, "ids": sorted(r.id for r in every),
            "projects": [p.name for p in realm.store.list_projects()]}  # fmt: skip


@pytest.fixture
def unchanged(realm: Realm) -> Iterator[None]:
    """Assert, after the test, that the realm is as it was and every run still verifies."""
    before = state(realm)
    yield
    assert state(realm) == before
    for project in PROJECTS:
        result = verify_run(realm.store, realm.runs[project].run_id)
        assert result, result


@pytest.fixture
def small(realm: Realm) -> Iterator[str]:
    """A second server on the realm's store, with small limits; its URL."""
    with serving(ServerSettings.for_store(realm.store, auth=True, limits=SMALL)) as url:
        yield url
    realm.store.limits = EventLimits()


def post(realm: Realm, who: str, events: list[Event], url: str | None = None) -> httpx.Response:
    if url is None:
        return realm.post_events(who, events)
    with httpx.Client(base_url=url, timeout=60) as client:
        return client.post(
            f"/api/v1/runs/{events[0].run_id}/events",
            content=b"".join(encode_event(e) for e in events),
            headers={"Authorization": f"Bearer {realm.tokens[who]}"},
        )


def refused(response: httpx.Response, status: int, *words: str) -> str:
    """The message of a refusal with *status* in the one error shape, naming *words*."""
    assert response.status_code == status, response.text
    message = error_of(response)["message"]
    for word in words:
        assert word in message, message
    return message


def _nested(levels: int) -> list[Any]:
    value: list[Any] = [1]
    for _ in range(levels - 1):
        value = [value]
    return value


def framed(meta: bytes) -> bytes:
    """A spool record around a raw header (no points), as a crafted client sends it."""
    payload = struct.pack("<I", len(meta)) + meta
    return struct.pack("<4sII", b"TRS1", len(payload), zlib.crc32(payload)) + payload


def crafted(chain: Chain, type_: str, body: dict[str, Any]) -> bytes:
    """The next event of *chain* as a client could send it: any JSON, a hash that is not."""
    envelope = {
        "run": chain.run_id,
        "seq": len(chain.events) + 1,
        "type": type_,
        "time": 1,
        "prev": chain.events[-1].hash,
        "hash": "0" * 64,
        "body": body,
        "points": [],
    }
    return framed(json.dumps(envelope).encode())  # fmt: skip


def raw_request(url: str, head: str, body: Iterable[bytes] = ()) -> bytes:
    """Send a request over a plain socket (the body as it is drawn); the whole answer."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(head.encode())
        try:
            for piece in body:
                sock.sendall(piece)
        except OSError:  # the server may close as soon as it has answered
            pass
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.partition(b"\r\n\r\n")[2]) < int(
            answer.lower().partition(b"content-length: ")[2].split(b"\r\n")[0] or 0
        ):
            piece = sock.recv(65536)
            if not piece:
                break
            answer += piece
        return answer


# -- No request size limit ------------------------------------------------------------------


def test_the_default_limits_are_sane() -> None:
    limits = ServerLimits()
    assert limits.request_bytes == 64 << 20 and limits.events_per_request == 10_000
    assert limits.events == EventLimits(keys_per_event=10_000, value_bytes=1 << 20,
                                        json_depth=32)  # fmt: skip


def test_a_declared_huge_body_is_refused_before_it_is_read(
    realm: Realm, small: str, unchanged: None
) -> None:
    run_id = realm.runs["alpha"].run_id
    head = (f"POST /api/v1/runs/{run_id}/events HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {realm.tokens['alice']}\r\n"
            f"Content-Length: {100 << 20}\r\n\r\n")  # fmt: skip
    answer = raw_request(small, head)  # not one byte of the body is sent
    assert answer.startswith(b"HTTP/1.1 413"), answer
    assert b'"TOO_LARGE"' in answer and b"--max-request-bytes" in answer


def test_a_streamed_body_is_refused_as_soon_as_it_passes_the_limit(
    realm: Realm, small: str, unchanged: None
) -> None:
    run_id = realm.runs["alpha"].run_id
    head = (f"POST /api/v1/runs/{run_id}/events HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {realm.tokens['alice']}\r\n"
            f"Transfer-Encoding: chunked\r\n\r\n")  # fmt: skip
    piece = b"x" * (64 << 10)
    chunks = (b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(6))  # 384 KiB > 256 KiB
    answer = raw_request(small, head, chunks)
    assert answer.startswith(b"HTTP/1.1 413"), answer


def test_too_many_events_in_one_request_are_refused(
    realm: Realm, small: str, unchanged: None
) -> None:
    chain = Chain("alpha")
    for i in range(SMALL.events_per_request):
        chain.add("notes", {"text": f"note {i}"})
    refused(post(realm, "alice", chain.events, small), 413, "--max-events-per-request")


def test_a_run_start_with_too_many_params_is_refused_at_once(realm: Realm, unchanged: None) -> None:
    config = {f"p{i}": i for i in range(10_001)}  # one over the default limit
    chain = Chain("alpha", config=config)
    started = time.perf_counter()
    refused(post(realm, "alice", chain.events), 400, "config: 10,001 keys", "--max-keys-per-event")
    assert time.perf_counter() - started < 10
    with realm.client("alice") as client:
        assert client.get(f"/api/v1/runs/{chain.run_id}").status_code == 404


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"params": {"blob": "x" * 5000}}, ["params.blob", "--max-value-bytes"]),
        ({"params": {"list": list(range(2000))}}, ["param 'list'", "--max-value-bytes"]),
        ({"params": {"deep": {"a": _nested(20)}}}, ["--max-json-depth"]),
    ],
    ids=["long-text", "long-list", "deep"],
)
def test_an_event_over_the_size_limits_is_refused(
    realm: Realm, small: str, unchanged: None, body: dict[str, Any], words: list[str]
) -> None:
    chain = realm.continue_run("alpha")
    event = chain.add("params", body)
    refused(post(realm, "alice", [event], small), 400, f"event {event.seq}", *words)


# -- Malformed event bodies give a plain-text 500 ---------------------------------------------


def test_a_run_start_without_a_name_is_a_400(realm: Realm, unchanged: None) -> None:
    start = Event.build(new_run_id(), 1, "run.start", 1, "0" * 64, {"project": "alpha"})
    refused(post(realm, "alice", [start]), 400, "event 1", "name is missing")


def test_tags_as_a_list_are_a_400(realm: Realm, unchanged: None) -> None:
    event = realm.continue_run("alpha").add("tags", {"tags": ["a", "b"]})
    refused(post(realm, "alice", [event]), 400, f"event {event.seq}", "tags", "object")


def test_json_nested_200k_deep_is_a_400(realm: Realm, unchanged: None) -> None:
    run = realm.continue_run("alpha")
    deep = "[" * 200_000 + "]" * 200_000
    meta = (f'{{"run":"{run.run_id}","seq":{len(run.events) + 1},"type":"params","time":1,'
            f'"prev":"{run.events[-1].hash}","hash":"{"0" * 64}","body":{{"params":{{"x":{deep}'
            f'}}}},"points":[]}}').encode()  # fmt: skip
    with realm.client("alice") as client:
        response = client.post(f"/api/v1/runs/{run.run_id}/events", content=framed(meta))
        refused(response, 400, "nested too deeply")
        patch = client.patch(f"/api/v1/runs/{run.run_id}", content=b'{"notes":' + deep.encode())
        refused(patch, 400, "nested too deeply")


# -- Client errors are answered 503, which SDK clients retry ------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def any_realm(request: pytest.FixtureRequest) -> Realm:
    """The realm on SQLite, and on PostgreSQL (where NUL is what the database refuses)."""
    found: Realm = request.getfixturevalue("realm" if request.param == "sqlite" else "pg_realm")
    return found


def test_a_second_run_start_mid_chain_is_a_400(any_realm: Realm) -> None:
    chain = any_realm.continue_run("alpha")
    before = any_realm.store.get_run(chain.run_id)
    again = chain.add("run.start", {"project": "alpha", "name": "again"})
    refused(any_realm.post_events("alice", [again]), 400, "run.start must be event 1")
    assert any_realm.store.get_run(chain.run_id) == before


@pytest.mark.parametrize(
    "body",
    [{"tags": {"a\x00b": "x"}}, {"tags": {"k": "a\x00b"}}, {"params": {"lr\x00": 1}},
     {"text": "\ud800 lone surrogate"}],
    ids=["nul-in-key", "nul-in-value", "nul-in-param", "surrogate"],
)  # fmt: skip
def test_text_a_database_cannot_hold_is_a_400(any_realm: Realm, body: dict[str, Any]) -> None:
    chain = any_realm.continue_run("alpha")
    before = any_realm.store.get_run(chain.run_id)
    kind = "notes" if "text" in body else next(iter(body))
    with any_realm.client("alice") as client:
        answer = client.post(f"/api/v1/runs/{chain.run_id}/events",
                             content=crafted(chain, kind, body))  # fmt: skip
    message = refused(answer, 400, f"event {len(chain.events) + 1}")
    assert "NUL" in message or "control" in message or "surrogate" in message
    assert any_realm.store.get_run(chain.run_id) == before
    assert verify_run(any_realm.store, chain.run_id)


# -- Unvalidated values are stored as given ----------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "body", "words"),
    [
        ("run.rename", {"name": ["a", "list"]}, ["name", "list"]),
        ("run.end", {"status": "hacked"}, ["status", "finished, failed, killed, crashed"]),
        ("params", {"params": {" lr": 0.1}}, ["param key ' lr'", "white space"]),
        ("tags", {"tags": {"": "x"}}, ["tag key ''", "empty"]),
        ("tags", {"tags": {"a\nb": "x"}}, ["control characters"]),
        ("notes", {"text": 42}, ["text is 42", "text"]),
        ("tags", {"tags": {"k": "v"}, "extra": 1}, ["unknown field 'extra'"]),
        ("evaluation", {"id": ["x"]}, ["id"]),
    ],
    ids=["name-list", "status", "param-key", "empty-tag-key", "newline-key", "notes-number",
         "extra-field", "evaluation-id"],
)  # fmt: skip
def test_values_the_sdk_would_refuse_are_refused(
    realm: Realm, unchanged: None, type_: str, body: dict[str, Any], words: list[str]
) -> None:
    event = realm.continue_run("alpha").add(type_, body)
    refused(post(realm, "alice", [event]), 400, f"event {event.seq}", *words)


def test_a_metric_key_the_sdk_would_refuse_is_refused(realm: Realm, unchanged: None) -> None:
    chain = realm.continue_run("alpha")
    event = chain.add("metrics", {}, {"lo\x01ss": pts([9], [0.0])})
    refused(post(realm, "alice", [event]), 400, "metric key", "control characters")
    event = Event.build(chain.run_id, event.seq, "tags", event.time, event.prev,
                        {"tags": {"k": "v"}}, {"loss": pts([9], [0.0])})  # fmt: skip
    refused(post(realm, "alice", [event]), 400, "only a metrics event carries")


# -- A tag value sent as a number fails verify for good -----------------------------------------


@pytest.mark.parametrize(
    "body",
    [{"tags": {"stage": 3}}, {"tags": {"stage": True}}, {"params": {"x": {"$float": "nan"}}},
     {"params": {"a.b": 1, "a": {"b": 2}}}],
    ids=["tag-number", "tag-bool", "reserved-float-object", "param-named-twice"],
)  # fmt: skip
def test_a_value_whose_view_could_differ_from_its_event_is_refused(
    realm: Realm, unchanged: None, body: dict[str, Any]
) -> None:
    """Each would store a view that ``verify`` then rebuilds otherwise: a false tamper alarm."""
    event = realm.continue_run("alpha").add(next(iter(body)), body)
    refused(post(realm, "alice", [event]), 400, f"event {event.seq}")


# -- Metrics are accepted after run.end --------------------------------------------------------


def test_an_ended_run_is_sealed_but_takes_annotations_and_a_resume(realm: Realm) -> None:
    chain = realm.continue_run("alpha")
    assert post(realm, "alice", [chain.add("run.end", {"status": "finished"})]).status_code == 200
    ended = realm.store.get_run(chain.run_id)
    late = chain.add("metrics", {}, {"loss": pts([9], [0.0])})
    refused(post(realm, "alice", [late]), 409, "has ended (finished)", "resume")
    with realm.client("alice") as alice:  # bytes alpha holds, so that only the seal refuses
        upload = alice.post("/api/v1/artifacts", params={"project": "alpha"}, content=b"x")
    file = {"path": "a.txt", "sha256": upload.json()["sha256"], "size": 1,
            "media_type": "text/plain"}  # fmt: skip
    for kind, body in [("params", {"params": {"lr": 9}}), ("artifact", {"files": [file]}),
                       ("run.end", {"status": "failed"})]:  # fmt: skip
        event = Event.build(chain.run_id, late.seq, kind, late.time, late.prev, body)
        refused(post(realm, "alice", [event]), 409, "has ended")
    assert realm.store.get_run(chain.run_id) == ended
    chain.events.pop()  # the refused metrics
    notes = chain.add("notes", {"text": "looked fine"})
    tags = chain.add("tags", {"tags": {"reviewed": "yes"}})
    resumed = chain.add("run.resume", {"host": "elsewhere"})
    more = chain.add("metrics", {}, {"loss": pts([9], [0.0])})
    assert post(realm, "alice", [notes, tags, resumed, more]).status_code == 200
    run = realm.store.get_run(chain.run_id)
    assert run.status == "running" and run.summaries["loss"].count == 4
    assert verify_run(realm.store, chain.run_id)


def test_sealing_holds_within_one_request(realm: Realm, unchanged: None) -> None:
    chain = realm.continue_run("alpha")
    end = chain.add("run.end", {"status": "finished"})
    late = chain.add("metrics", {}, {"loss": pts([9], [0.0])})
    refused(post(realm, "alice", [end, late]), 409, f"event {late.seq} (metrics)")


# -- Requests that end in 500 are not audited ---------------------------------------------------


def test_a_crash_is_a_json_500_without_internals_and_is_audited(
    realm: Realm, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(events: object) -> int:
        raise RuntimeError("secret internals at postgresql://tr:hunter2@db/tr")

    monkeypatch.setattr(realm.store, "append_events", crash)
    chain = realm.continue_run("alpha")
    response = realm.post_events("alice", [chain.add("notes", {"text": "x"})])
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "ERROR" and "server's log" in error["message"]
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    last = list(SqlAuditLog(realm.store.database).entries())[-1]
    assert (last.actor, last.action, last.target, last.status) == (
        "alice",
        "runs.append_events",
        chain.run_id,
        500,
    )


def test_refused_writes_are_audited(realm: Realm, small: str) -> None:
    event = realm.continue_run("alpha").add("tags", {"tags": {"stage": 3}})
    post(realm, "alice", [event])
    post(realm, "alice", [Chain("alpha").events[0]] * (SMALL.events_per_request + 1), small)
    entries = list(SqlAuditLog(realm.store.database).entries())[-2:]
    assert [(e.actor, e.action, e.status) for e in entries] == [
        ("alice", "runs.append_events", 400), ("alice", "runs.append_events", 413)
    ]  # fmt: skip


def test_a_crafted_envelope_is_a_400(realm: Realm, unchanged: None) -> None:
    chain = realm.continue_run("alpha")
    envelope = json.loads(crafted(chain, "notes", {"text": "x"})[16:])
    with realm.client("alice") as client:
        for field, value, words in [
            ("seq", "5", "seq must be a whole number"),
            ("time", 2**64, "time must be milliseconds"),
            ("run", "../x", "the run of the URL"),
            ("hash", "x" * 10_000, "hash must be a SHA-256"),
            ("body", [1], "must be an object"),
        ]:
            content = framed(json.dumps({**envelope, field: value}).encode())
            answer = client.post(f"/api/v1/runs/{chain.run_id}/events", content=content)
            refused(answer, 400, words)
