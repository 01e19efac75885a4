"""Path traversal over HTTP: a crafted ``artifact`` event is refused whole (400, nothing
stored), and traversal in URLs, plain or percent-encoded, gets a 4xx and never a byte
of a file outside the store."""

from __future__ import annotations

import http.client
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.artifacts.test_paths import TRAVERSAL
from tests.server_thread import serving
from tests.store.conftest import Chain
from trackrecord.errors import InvalidValueError
from trackrecord.record.framing import encode_event
from trackrecord.record.wire import CLIENT_HEADER
from trackrecord.store.remote import RemoteStore
from trackrecord.store.sql import SqlStore

SECRET = b"TOP SECRET: outside the store"


@dataclass
class Served:
    url: str
    store: SqlStore
    remote: RemoteStore
    digest: str


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """A server on a store in tmp/server, with a secret file next to the store and a run
    that recorded one artifact."""
    (tmp_path / "secret.txt").write_bytes(SECRET)
    (tmp_path / "server" / "secret.txt").parent.mkdir()
    (tmp_path / "server" / "secret.txt").write_bytes(SECRET)
    store = SqlStore.open(tmp_path / "server")
    with serving(store) as url:
        remote = RemoteStore(url)
        digest, _ = remote.put_artifact(io.BytesIO(b"weights"))
        yield Served(url, store, remote, digest)
        remote.close()
    store.close()


def raw_request(url: str, method: str, target: str, body: bytes = b"") -> tuple[int, bytes]:
    """Send *target* exactly as written: no client normalises its dots or its escapes."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        # TrackRecord's client header: a server without auth takes writes only with it
        connection.request(method, target, body=body or None, headers={CLIENT_HEADER: "test"})
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def artifact_event(chain: Chain, path: str, digest: str) -> bytes:
    files = [{"path": "fine.txt", "sha256": digest, "size": 7, "media_type": "text/plain"},
             {"path": path, "sha256": digest, "size": 7, "media_type": "text/plain"}]  # fmt: skip
    return encode_event(chain.add("artifact", {"files": files}))


@pytest.mark.parametrize("path", TRAVERSAL)
def test_a_crafted_artifact_event_with_a_traversal_path_is_refused_whole(
    served: Served, path: str
) -> None:
    chain = Chain("paths")
    served.store.append_events(chain.events)
    body = artifact_event(chain, path, served.digest)
    status, answer = raw_request(served.url, "POST", f"/api/v1/runs/{chain.run_id}/events", body)
    error = json.loads(answer)["error"]
    assert (status, error["code"]) == (400, "INVALID"), answer
    message = error["message"]  # a NUL is refused wherever it is, before paths are read
    assert ("artifact path" in message and "relative" in message) or (
        "files[1].path" in message and "NUL" in message
    ), message
    assert served.store.list_artifacts(chain.run_id) == []  # not even the fine one
    assert served.store.get_run(chain.run_id).head_seq == 1


def test_remote_store_reports_the_refusal_as_invalid_value(served: Served) -> None:
    chain = Chain("paths")
    chain.add("artifact", {"files": [{"path": "../../etc/passwd", "sha256": served.digest,
                                      "size": 7, "media_type": "text/plain"}]})  # fmt: skip
    with pytest.raises(InvalidValueError, match=r"'\.\.' segment"):
        served.remote.append_events(chain.events)
    with pytest.raises(Exception, match="no run"):
        served.store.get_run(chain.run_id)  # the run.start of the same batch is not kept


@pytest.mark.parametrize(
    "record",
    [
        {"path": "ok.txt", "sha256": "../../../secret.txt", "size": 7, "media_type": "x"},
        {"path": "ok.txt", "sha256": "A" * 64, "size": 7, "media_type": "x"},
        {"path": "ok.txt", "size": 7, "media_type": "x"},
        {"path": 7, "sha256": "a" * 64, "size": 7, "media_type": "x"},
        {"path": "ok.txt", "sha256": "a" * 64, "size": -1, "media_type": "x"},
        {"path": "ok.txt", "sha256": "a" * 64, "size": 7, "media_type": None},
    ],
)
def test_malformed_file_records_are_refused(served: Served, record: dict[str, object]) -> None:
    chain = Chain("paths")
    served.store.append_events(chain.events)
    body = encode_event(chain.add("artifact", {"files": [record]}))
    status, answer = raw_request(served.url, "POST", f"/api/v1/runs/{chain.run_id}/events", body)
    assert status == 400 and json.loads(answer)["error"]["code"] == "INVALID", answer
    assert served.store.list_artifacts(chain.run_id) == []


TRAVERSAL_URLS = [
    "/api/v1/artifacts/..%2f..%2fetc%2fpasswd",
    "/api/v1/artifacts/..%2f..%2fsecret.txt",
    "/api/v1/artifacts/..%2f..%2f..%2f..%2fsecret.txt",
    "/api/v1/artifacts/%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret.txt",
    "/api/v1/artifacts/..%5c..%5csecret.txt",
    "/api/v1/artifacts/../../secret.txt",
    "/api/v1/artifacts/..",
    "/api/v1/artifacts/%2e%2e",
    "/api/v1/artifacts/..%2f..%2fsecret.txt?redirect=true",
    "/api/v1/artifacts/%252e%252e%252fsecret.txt",
    "/api/v1/artifacts/secret.txt%00",
    "/api/v1/runs/..%2f..%2fsecret.txt/artifacts",
    "/api/v1/runs/../artifacts",
    "/api/v1/runs/%2e%2e/artifacts",
    "/api/v1/runs/..%2f/artifacts",
    "/api/v1/runs/..%2f..%2fsecret.txt",
    "/api/v1/../../secret.txt",
    "/..%2f..%2fsecret.txt",
]


@pytest.mark.parametrize("target", TRAVERSAL_URLS)
def test_traversal_in_urls_is_a_client_error_and_reveals_nothing(
    served: Served, target: str
) -> None:
    status, answer = raw_request(served.url, "GET", target)
    assert 400 <= status < 500, (status, answer[:200])
    assert SECRET not in answer


@pytest.mark.parametrize(
    "target", ["/api/v1/artifacts/..%2f..%2fsecret.txt/upload", "/api/v1/artifacts/../upload"]
)
def test_traversal_in_upload_urls_is_a_client_error(served: Served, target: str) -> None:
    status, answer = raw_request(served.url, "POST", target, b'{"size": 7}')
    assert 400 <= status < 500, (status, answer[:200])


def test_the_client_refuses_a_digest_that_is_a_path(served: Served) -> None:
    with pytest.raises(InvalidValueError, match="SHA-256"):
        served.remote.open_artifact("../../secret.txt")
    with served.remote.open_artifact(served.digest) as handle:  # and reads the real thing
        assert handle.read() == b"weights"
