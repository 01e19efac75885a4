"""The OpenAPI document describes exactly the routes served, validly; ``/docs`` needs no network."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest
import schemathesis
from starlette.responses import Response
from starlette.routing import Mount, Route

import trackrecord
from tests.server_thread import serving
from trackrecord.record import wire
from trackrecord.server.app import create_app
from trackrecord.server.openapi import OPERATIONS, document, served
from trackrecord.server.settings import ServerSettings
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.accounts import SqlAccounts


@pytest.fixture
def logged(tmp_path: Path) -> Iterator[tuple[SqlStore, str]]:
    """A store with one run whose last metric value is NaN, and that run's id."""
    with trackrecord.init("docs", config={"lr": 0.1}, dir=tmp_path, capture=False) as run:
        run.log({"loss": 0.5, "acc": 0.1})
        run.log({"loss": float("nan"), "acc": float("inf")})
        run.log_text("notes.txt", "hello")
    store = SqlStore.open(tmp_path)
    yield store, run.id
    store.close()


@pytest.mark.parametrize("auth", [False, True], ids=["auth-off", "auth-on"])
def test_every_route_is_documented_and_every_documented_route_is_served(
    logged: tuple[SqlStore, str], auth: bool
) -> None:
    store, _ = logged
    if auth:
        SqlAccounts(store.database).create_user("root", admin=True)
    app = create_app(ServerSettings.for_store(store))
    routes = served(app.routes)
    undocumented = sorted(routes - set(OPERATIONS))
    unserved = sorted(set(OPERATIONS) - routes)
    assert not undocumented, (
        f"routes without an entry in trackrecord.server.openapi.OPERATIONS: {undocumented}; "
        f"describe each there (parameters, body, responses)"
    )
    assert not unserved, f"OPERATIONS describes routes that the app does not serve: {unserved}"


def test_the_drift_check_sees_mounted_routes_converters_and_methods() -> None:
    async def nothing(request: Any) -> Response:
        return Response()

    routes = [
        Route("/api/v1/runs/{run_id}/metrics/{key:path}", nothing),
        Mount("/api/v1/extra", routes=[Route("/{item:int}", nothing, methods=["PUT", "GET"])]),
    ]
    assert served(routes) == {
        ("/api/v1/runs/{run_id}/metrics/{key}", "GET"),  # HEAD comes with GET, unlisted
        ("/api/v1/extra/{item}", "GET"),
        ("/api/v1/extra/{item}", "PUT"),
    }


def test_the_document_is_valid_openapi_3_1_and_every_reference_resolves() -> None:
    doc = document()
    assert doc["openapi"] == "3.1.0"
    schemathesis.openapi.from_dict(doc).validate()  # against the OpenAPI 3.1 meta-schema
    for name, schema in doc["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name
    for reference in re.findall(r'"\$ref": "#/([^"]+)"', repr(doc).replace("'", '"')):
        node: Any = doc
        for part in reference.split("/"):
            assert part in node, f"#/{reference} points nowhere"
            node = node[part]


def test_the_document_describes_errors_binary_bodies_and_security() -> None:
    doc = document()
    error = doc["components"]["schemas"]["Error"]
    codes = set(error["properties"]["error"]["properties"]["code"]["enum"])
    assert codes == {code for _, code, _ in wire.ERRORS}
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert doc["security"] == [{"bearer": []}]
    for (path, method), op in OPERATIONS.items():
        described = doc["paths"][path][method.lower()]
        if op.public:
            assert described["security"] == [], path
        else:
            assert "security" not in described, path  # the global bearer requirement holds
            assert described["responses"]["default"]["$ref"] == "#/components/responses/default"
            assert "401" in described["responses"], (path, method)
    paths = doc["paths"]
    assert (
        wire.EVENTS_TYPE in paths["/api/v1/runs/{run_id}/events"]["post"]["requestBody"]["content"]
    )
    assert (
        "application/octet-stream" in paths["/api/v1/artifacts"]["post"]["requestBody"]["content"]
    )
    metric = paths["/api/v1/runs/{run_id}/metrics/{key}"]["get"]["responses"]["200"]["content"]
    assert set(metric) == {wire.SERIES_TYPE, "application/json"}
    search = {p["name"] for p in paths["/api/v1/runs"]["get"]["parameters"]}
    assert search == {"q", "project", "projects", "order", "limit", "cursor", "deleted"}


def validator(name: str) -> Any:
    """A validator of components.schemas[name], its references resolved in the document."""
    root = {"$ref": f"#/components/schemas/{name}", "components": document()["components"]}
    return jsonschema_rs.Draft202012Validator(root)


def test_what_the_server_sends_matches_the_schemas(logged: tuple[SqlStore, str]) -> None:
    store, run_id = logged
    accounts = SqlAccounts(store.database)
    accounts.create_user("root", admin=True)
    token = accounts.create_token("root")[1]
    with serving(store) as url, httpx.Client(base_url=url) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        assert client.get("/openapi.json").json() == document()
        run = client.get(f"/api/v1/runs/{run_id}").json()
        assert run["summaries"]["loss"]["last"] == {"$float": "nan"}
        validator("Run").validate(run)
        validator("RunPage").validate(
            client.get("/api/v1/runs", params={"q": "params.lr > 0"}).json()
        )
        for project in client.get("/api/v1/projects").json():
            validator("Project").validate(project)
        for artifact in client.get(f"/api/v1/runs/{run_id}/artifacts").json():
            validator("Artifact").validate(artifact)
        buckets = client.get(f"/api/v1/runs/{run_id}/metrics/acc", params={"buckets": 4}).json()
        assert buckets["max"] == [0.1, {"$float": "inf"}]
        validator("Buckets").validate(buckets)
        validator("Whoami").validate(client.get("/api/v1/whoami").json())
        for user in client.get("/api/v1/admin/users").json():
            validator("User").validate(user)
        missing = client.get("/api/v1/runs/" + "0" * 26)
        assert missing.status_code == 404
        validator("Error").validate(missing.json())
        with pytest.raises(ValueError):  # the schemas are closed: a stray field fails
            validator("Run").validate(run | {"surprise": 1})


def test_the_docs_page_works_without_the_network(logged: tuple[SqlStore, str]) -> None:
    store, _ = logged
    with serving(store) as url:
        page = httpx.get(f"{url}/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", page.text), "an external asset"
    assert "http://" not in page.text and "https://" not in page.text
    assert 'fetch(base + "openapi.json")' in page.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    (script,) = re.findall(r"<script>(.*?)</script>", page.text, re.S)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy  # the browser runs this script, no other


HARNESS = """
// The page's script under a minimal DOM, its fetch sent to the real server.
const [script, server, token, runId] = process.argv.slice(1);
class Element {
  constructor(tag) { Object.assign(this, {tag, children: [], dataset: {}, on: {}, value: ""}); }
  append(...nodes) { this.children.push(...nodes); }
  replaceChildren(...nodes) { this.children = nodes; }
  setAttribute(name, value) { this[name] = value; }
  addEventListener(event, listener) { this.on[event] = listener; }
  get text() { return this.children.map((c) => c.text ?? c).join("") + (this.textContent ?? ""); }
  all() { return [this, ...this.children.flatMap((c) => (c instanceof Element ? c.all() : []))]; }
}
const ids = {};
globalThis.document = {
  createElement: (tag) => new Element(tag),
  getElementById: (id) => (ids[id] ??= new Element("div")),
  querySelectorAll: () => ids.operations.all().filter((e) => e.className === "op"),
};
globalThis.location = {pathname: "/docs"};
globalThis.sessionStorage = {getItem: () => token, setItem: () => {}};
const realFetch = fetch;
globalThis.fetch = (url, options) => realFetch(server + url, options);
eval(script);
(async () => {
  for (let tries = 0; !ids.operations?.children.length && !ids.error?.textContent; tries++) {
    if (tries > 200) throw new Error("the page rendered nothing in 10 s");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const ops = document.querySelectorAll();
  const run = ops.find((op) => op.dataset.search.startsWith("get /api/v1/runs/{run_id} "));
  run.all().find((e) => e.tag === "input").value = runId;
  await run.all().find((e) => e.tag === "button").on.click();
  console.log(JSON.stringify({title: ids.title.textContent, error: ids.error?.textContent ?? "",
                              operations: ops.length, shown: run.text}));
})();
"""


def test_the_docs_page_lists_every_operation_and_tries_a_get(
    logged: tuple[SqlStore, str], tmp_path: Path
) -> None:
    store, run_id = logged
    accounts = SqlAccounts(store.database)
    accounts.create_user("root", admin=True)
    token = accounts.create_token("root")[1]
    node = shutil.which("node")
    assert node, "this test runs the page's script with Node.js: apt-get install nodejs"
    with serving(store) as url:
        (script,) = re.findall(r"<script>(.*?)</script>", httpx.get(f"{url}/docs").text, re.S)
        done = subprocess.run([node, "-e", HARNESS, script, url, token, run_id],
                              capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    page = json.loads(done.stdout)
    assert page["title"].startswith("TrackRecord API") and page["error"] == ""
    assert page["operations"] == len(OPERATIONS)
    assert "200" in page["shown"] and f'"id": "{run_id}"' in page["shown"]
