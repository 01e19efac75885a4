"""The HTTP API: one error shape, and the status table from error class to HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server_thread import serving
from tests.store.conftest import Chain
from trackrecord.record import wire
from trackrecord.store.sql import SqlStore


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[httpx.Client, SqlStore]]:
    store = SqlStore.open(tmp_path / "store")
    # a server without auth takes writes only with TrackRecord's client header
    headers = {wire.CLIENT_HEADER: "test"}
    with serving(store) as url, httpx.Client(base_url=url, headers=headers) as client:
        yield client, store
    store.close()


def error_of(response: httpx.Response) -> dict[str, str]:
    body = json.loads(response.content)
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    return dict(body["error"])


def test_health(server: tuple[httpx.Client, SqlStore]) -> None:
    client, _ = server
    assert client.get("/healthz").json() == {"status": "ok"}


def test_errors_have_one_shape_and_the_right_status(
    server: tuple[httpx.Client, SqlStore],
) -> None:
    client, store = server
    chain = Chain()
    store.append_events(chain.events)
    missing = client.get("/api/v1/runs/" + "0" * 26)
    assert missing.status_code == 404 and error_of(missing)["code"] == "NOT_FOUND"
    bad = client.get("/api/v1/runs", params={"q": "metrics.acc >"})
    assert bad.status_code == 400 and "^" in error_of(bad)["message"]
    junk = client.post(f"/api/v1/runs/{chain.run_id}/events", content=b"not events")
    assert junk.status_code == 400 and "framed" in error_of(junk)["message"]
    limit = client.get("/api/v1/runs", params={"limit": "many"})
    assert limit.status_code == 400 and "limit" in error_of(limit)["message"]


def test_a_conflicting_chain_is_409(server: tuple[httpx.Client, SqlStore]) -> None:
    client, store = server
    chain = Chain()
    store.append_events(chain.events)
    from trackrecord.record.framing import encode_event

    other = Chain(run_id=chain.run_id, project="elsewhere")
    response = client.post(
        f"/api/v1/runs/{chain.run_id}/events", content=encode_event(other.events[0])
    )
    assert response.status_code == 409 and error_of(response)["code"] == "CONFLICT"


def test_unknown_endpoints_and_methods_answer_in_the_error_shape(
    server: tuple[httpx.Client, SqlStore],
) -> None:
    client, _ = server
    unknown = client.get("/api/v1/nothing-here")
    assert unknown.status_code == 404 and error_of(unknown)["code"] == "NOT_FOUND"
    assert "/docs" in error_of(unknown)["message"]
    wrong = client.delete("/api/v1/projects")
    assert wrong.status_code == 405 and "GET" in error_of(wrong)["message"]


def test_readiness_follows_the_database(tmp_path: Path) -> None:
    import psycopg

    from tests.pg import SERVER, fresh_database
    from trackrecord.artifacts.local import LocalArtifactStore

    with fresh_database() as url:
        store = SqlStore.connect(url, LocalArtifactStore(tmp_path / "artifacts"))
        with serving(store) as base, httpx.Client(base_url=base) as client:
            assert client.get("/readyz").json() == {"status": "ready", "auth": False}
            with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
            down = client.get("/readyz")
            assert down.status_code == 503 and down.json()["status"] == "unavailable"
            assert client.get("/healthz").status_code == 200  # the process itself is alive
        store.close()


def test_a_runs_environment_is_served_as_json(tmp_path: Path) -> None:
    import trackrecord

    store_dir = tmp_path / "store"
    with trackrecord.init("env", dir=store_dir, capture=True) as run:
        run.log({"x": 1.0})
    with trackrecord.init("env", dir=store_dir, capture=False) as bare:
        pass
    store = SqlStore.open(store_dir)
    with serving(store) as base, httpx.Client(base_url=base) as client:
        captured = client.get(f"/api/v1/runs/{run.id}/environment").json()
        assert captured["python"]["version"].count(".") == 2
        assert client.get(f"/api/v1/runs/{bare.id}/environment").json() == {}
        assert client.get("/api/v1/runs/" + "0" * 26 + "/environment").status_code == 404
    store.close()


def test_buckets_can_carry_the_time_of_their_last_step(tmp_path: Path) -> None:
    import trackrecord

    store_dir = tmp_path / "store"
    with trackrecord.init("times", dir=store_dir, capture=False) as run:
        for step in range(100):
            run.log({"loss": 1.0 / (step + 1)}, step=step)
    store = SqlStore.open(store_dir)
    series = store.metric_series(run.id, "loss")
    with serving(store) as base, httpx.Client(base_url=base) as client:
        url = f"/api/v1/runs/{run.id}/metrics/loss"
        plain = client.get(url, params={"buckets": 10}).json()
        assert "time_end" not in plain
        timed = client.get(url, params={"buckets": 10, "times": "true"}).json()
        expected = {int(s): int(t) for s, t in zip(series.steps, series.times, strict=True)}
        assert timed["time_end"] == [expected[s] for s in timed["step_end"]]
        assert timed["time_first"] == int(series.times.min())
    store.close()


def test_parquet_tables_are_previewed_by_their_first_rows(tmp_path: Path) -> None:
    import trackrecord

    store_dir = tmp_path / "store"
    with trackrecord.init("tables", dir=store_dir, capture=False) as run:
        run.log_table("preds.parquet", [{"id": i, "label": f"c{i % 3}", "p": i / 10}
                                        for i in range(200)])  # fmt: skip
        run.log_text("notes.txt", "not a table")
    store = SqlStore.open(store_dir)
    files = {a.path: a.sha256 for a in store.list_artifacts(run.id)}
    table = next(digest for path, digest in files.items() if path.endswith(".parquet"))
    with serving(store) as base, httpx.Client(base_url=base) as client:
        preview = client.get(f"/api/v1/artifacts/{table}/table", params={"rows": 3}).json()
        assert preview["columns"] == ["id", "label", "p"] and preview["total_rows"] == 200
        assert preview["rows"] == [[0, "c0", 0.0], [1, "c1", 0.1], [2, "c2", 0.2]]
        text = client.get(f"/api/v1/artifacts/{files['notes.txt']}/table")
        assert text.status_code == 400 and "not a readable Parquet file" in text.text
        many = client.get(f"/api/v1/artifacts/{table}/table", params={"rows": 5000})
        assert many.status_code == 400 and "between 1 and 1000" in many.text
    store.close()
