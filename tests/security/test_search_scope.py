"""Reads stay inside the caller's projects by construction (issue 14, What to build §1).

The scope of a search is data, not text: the user's query is parsed alone and ANDed with
``project in (visible)`` as a syntax tree, so no query, ``project=``, cursor, sort key or
``deleted=`` can widen it. On PostgreSQL, row-level security policies hide every run-keyed row
of the projects a request may not read, whatever the route does. Property-based tests throw
hostile searches at SQLite and PostgreSQL servers as members of one project.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.security.conftest import PROJECTS, Realm, error_of
from tests.store.conftest import Chain
from trackrecord.store.scope import project_scope
from trackrecord.store.sql import SqlStore

SEES = {"alice": "alpha", "vera": "alpha", "mallory": "alpha", "bob": "beta", "carol": "gamma"}
"""Each member's one readable project (mallory's token is limited to alpha)."""


def _runs(client: httpx.Client, **params: str | list[str]) -> httpx.Response:
    return client.get("/api/v1/runs", params=params)


def _foreign(realm: Realm, who: str) -> list[str]:
    """What must never appear in *who*'s answers: other projects' run ids and secrets."""
    others = [p for p in PROJECTS if p != SEES[who]]
    return [realm.runs[p].run_id for p in others] + [f"{p}-secret" for p in others]


def _assert_scoped(realm: Realm, who: str, response: httpx.Response) -> None:
    """A 200 holds only runs of *who*'s project; anything else is a clean 4xx."""
    assert response.status_code in (200, 400), response.text
    for leaked in _foreign(realm, who):
        assert leaked not in response.text
    if response.status_code == 400:
        assert set(error_of(response)) == {"code", "message"}
        return
    assert {run["project"] for run in response.json()["runs"]} <= {SEES[who]}


# -- the injection of the red-team pass, and its relatives ------------------------------------


INJECTIONS = [
    'params.lr > 0) or (project = "beta"',
    'params.lr > 0) or (project = "beta") or (params.lr > 0',
    ') or (project ~ "*"',
    'project = "beta"',
    'project in ("alpha", "beta", "gamma")',
    'project != "alpha"',
    'not project = "alpha"',
    'project ~ "*" or not project ~ "*"',
    'params.secret = "beta-secret"',
    'tags.owner = "beta" or tags.owner = "gamma"',
    "params.lr > 0 or true",
    'name ~ "*" or id ~ "*"',
]


@pytest.mark.parametrize("query", INJECTIONS)
def test_no_query_reaches_another_project(realm: Realm, query: str) -> None:
    with realm.client("alice") as client:
        answer = _runs(client, q=query)
    _assert_scoped(realm, "alice", answer)


def test_the_red_team_injection_is_a_syntax_error_of_the_query_alone(realm: Realm) -> None:
    with realm.client("alice") as client:
        answer = _runs(client, q='params.lr > 0) or (project = "beta"')
    assert answer.status_code == 400
    assert "')'" in error_of(answer)["message"] or "unexpected" in error_of(answer)["message"]


def test_a_query_naming_every_project_finds_only_the_visible_one(realm: Realm) -> None:
    with realm.client("alice") as client:
        found = _runs(client, q='project in ("alpha", "beta", "gamma")').json()["runs"]
    assert [run["id"] for run in found] == [realm.runs["alpha"].run_id]


@pytest.mark.parametrize("project", ["beta", "gamma", "", 'alpha" or "beta'])
def test_the_project_parameter_cannot_widen_the_scope(realm: Realm, project: str) -> None:
    with realm.client("alice") as client:
        answer = _runs(client, project=project)
    assert answer.status_code == 200 and answer.json() == {"runs": [], "next_cursor": None}


def test_the_projects_parameter_narrows_but_never_widens(realm: Realm) -> None:
    with realm.client("mallory") as client:  # a member of beta whose token is limited to alpha
        assert _runs(client, projects=["alpha", "beta"]).json()["runs"][0]["project"] == "alpha"
        assert _runs(client, projects="beta").json()["runs"] == []
    with realm.client("root") as client:
        narrowed = _runs(client, projects=["beta", "gamma"]).json()["runs"]
    assert {run["project"] for run in narrowed} == {"beta", "gamma"}


def test_deleted_runs_of_other_projects_stay_hidden(realm: Realm) -> None:
    chain = realm.continue_run("beta")
    deletion = chain.add("run.delete", {})
    assert realm.post_events("bob", [deletion]).status_code == 200
    with realm.client("alice") as client:
        answer = _runs(client, deleted="true", q='project = "beta"')
    assert answer.json()["runs"] == []
    with realm.client("bob") as client:
        assert _runs(client, deleted="true").json()["runs"][0]["id"] == chain.run_id


def test_a_cursor_of_a_wider_search_is_refused(realm: Realm) -> None:
    with realm.client("root") as client:
        cursor = _runs(client, limit="1", order="name").json()["next_cursor"]
    assert cursor
    with realm.client("alice") as client:
        answer = _runs(client, limit="1", order="name", cursor=cursor)
    assert answer.status_code == 400 and "cursor" in error_of(answer)["message"]


def test_sort_keys_of_other_projects_reveal_nothing(realm: Realm) -> None:
    bob = Chain("beta", config={"beta_only_key": 1.0})
    bob.metrics(beta_only_metric=([0], [1.0]))
    assert realm.post_events("bob", bob.events).status_code == 200
    with realm.client("alice") as client:
        for order in ("-params.beta_only_key", "metrics.beta_only_metric.max", "-tags.owner"):
            answer = _runs(client, order=order)
            _assert_scoped(realm, "alice", answer)
            never = _runs(client, order=order.replace("beta_only", "never_seen"))
            assert answer.status_code == never.status_code, order  # as if beta's key were not
        assert [run["project"] for run in _runs(client, order="-tags.owner").json()["runs"]] == [
            "alpha"
        ]


def test_unknown_key_hints_come_from_visible_runs_only(realm: Realm) -> None:
    bob = Chain("beta", config={"beta_only_key": 1.0})
    assert realm.post_events("bob", bob.events).status_code == 200
    with realm.client("alice") as client:
        near = _runs(client, q="params.beta_only_ke = 1")
        exact = _runs(client, q="params.beta_only_key = 1")
    assert near.status_code == exact.status_code == 400
    assert "beta_only_key" not in error_of(near)["message"]
    assert "did you mean" not in error_of(exact)["message"]
    with realm.client("bob") as client:
        hinted = error_of(_runs(client, q="params.beta_only_ke = 1"))["message"]
    assert "did you mean params.beta_only_key" in hinted


# -- hostile patterns and characters: a clear 400, never a 503 --------------------------------


HOSTILE_PATTERNS = [
    'name ~ "' + "*" * 5000 + '"',
    'name ~ "' + "*a" * 2000 + '*c"',
    'name ~ "' + "*?" * 2000 + '"',
    'name ~ "' + "*a" * 30 + '*c"',
    'tags.owner = "nul\\x00"',
    'name ~ "a\x00*"',
]
"""Patterns with thousands of wildcards, and NUL characters (which SQLite holds and
PostgreSQL cannot)."""


@pytest.fixture(params=["sqlite", "postgres"])
def either_realm(request: pytest.FixtureRequest) -> Realm:
    """The realm on SQLite, then on PostgreSQL."""
    name = "realm" if request.param == "sqlite" else "pg_realm"
    realm: Realm = request.getfixturevalue(name)
    return realm


def test_hostile_patterns_answer_quickly_and_cleanly(either_realm: Realm) -> None:
    long_name = Chain("alpha", name="a" * 200)  # where a backtracking glob takes forever
    assert either_realm.post_events("alice", long_name.events).status_code == 200
    with either_realm.client("alice") as client:
        for query in HOSTILE_PATTERNS:
            answer = _runs(client, q=query)
            _assert_scoped(either_realm, "alice", answer)
            if answer.status_code == 400:  # a NUL on PostgreSQL, said plainly
                message = error_of(answer)["message"]
                assert "NUL" in message and "://" not in message
        everything = _runs(client, q=HOSTILE_PATTERNS[0]).json()["runs"]
    assert len(everything) == 2  # 5,000 stars are one star: every name


def test_a_nul_on_postgresql_is_a_400_that_names_it(pg_realm: Realm) -> None:
    with pg_realm.client("alice") as client:
        for params in ({"q": 'tags.owner = "a\\x00b"'}, {"project": "al\x00pha"},
                       {"q": "params.\"a\x00\" = 1"}):  # fmt: skip
            answer = _runs(client, **params)
            assert answer.status_code == 400, answer.text
            message = error_of(answer)["message"]
            assert "NUL" in message and "postgresql://" not in message


# -- lineage: datasets that no visible run used are absent ------------------------------------


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _dataset(chain: Chain, name: str, direction: str) -> None:
    chain.add("dataset", {"name": name, "digest": _digest(name), "role": "train",
                          "direction": direction, "kind": "file", "size": 4242})  # fmt: skip


@pytest.fixture
def shared_lineage(realm: Realm) -> Iterator[dict[str, Chain]]:
    """alice's run writes ``handoff``; bob's run reads a ``handoff`` (beta's own: names are per
    project) and writes ``beta-private``; bob's other run reads ``beta-only``."""
    alice, bob, other = Chain("alpha"), Chain("beta"), Chain("beta")
    _dataset(alice, "handoff", "output")
    _dataset(bob, "handoff", "input")
    _dataset(bob, "beta-private", "output")
    _dataset(other, "beta-only", "input")
    for who, chain in (("alice", alice), ("bob", bob), ("bob", other)):
        assert realm.post_events(who, chain.events).status_code == 200
    yield {"alice": alice, "bob": bob, "other": other}


def test_lineage_of_a_dataset_only_another_project_used_is_absent(
    realm: Realm, shared_lineage: dict[str, Chain]
) -> None:
    with realm.client("alice") as client:
        hidden = client.get("/api/v1/lineage", params={"node": "dataset:beta-only@1"})
        absent = client.get("/api/v1/lineage", params={"node": "dataset:never-was@1"})
    assert hidden.status_code == absent.status_code == 404
    assert _digest("beta-only") not in hidden.text and "4242" not in hidden.text
    assert error_of(hidden)["message"] == error_of(absent)["message"].replace(
        "never-was", "beta-only"
    )
    with realm.client("alice") as client:  # a digest prefix tells nothing either
        prefix = client.get("/api/v1/lineage", params={"node": "dataset:beta-only@" + "0" * 8})
    assert prefix.status_code == 404
    with realm.client("bob") as client:
        shown = client.get("/api/v1/lineage", params={"node": "dataset:beta-only@1"}).json()
    assert {n["kind"] for n in shown["nodes"]} == {"dataset", "run"}


def test_lineage_leaves_out_datasets_reached_only_through_hidden_runs(
    realm: Realm, shared_lineage: dict[str, Chain]
) -> None:
    root = f"run:{shared_lineage['alice'].run_id}"
    with realm.client("alice") as client:
        graph = client.get("/api/v1/lineage", params={"node": root, "depth": "4"}).json()
    names = {n["attrs"].get("name") for n in graph["nodes"] if n["kind"] == "dataset"}
    assert names == {"handoff"}
    assert _digest("beta-private") not in str(graph)
    assert {n["id"] for n in graph["nodes"] if n["kind"] == "run"} == {root}


# -- property: hostile searches never reach another project -----------------------------------

PREDICATES = [
    'project = "beta"', 'project != "alpha"', 'project in ("alpha", "beta", "gamma")',
    'project not in ("alpha")', 'project ~ "*"', 'project ~ "b*"', "project is not null",
    "params.lr > 0", 'params.secret = "beta-secret"', 'params.secret ~ "*-secret"',
    'tags.owner != "alpha"', 'tags.owner in ("beta", "gamma")', 'name ~ "*"', 'id ~ "?*"',
    "metrics.loss.min < 1", 'status = "running"', "created > -7d", "params.lr is null",
]  # fmt: skip
JUNK = [
    ")", "(", "or", "and", "not", '") or ("', "' or '1'='1", '"', "'", ",", "*", "--",
    '"\\") or (project = \\"beta"', "'; DROP TABLE runs; --", "project", "= \"beta\"", "\\",
]  # fmt: skip
ORDERS = ["-created", "name", "-params.lr", "metrics.loss.max", "-tags.owner", "params.secret",
          "project", "-project", "status", "-id"]  # fmt: skip


def _joined(parts: tuple[str, str, str]) -> str:
    return "".join(parts)


_PREDICATE = st.sampled_from(PREDICATES)
_ATOMS = st.one_of(_PREDICATE, _PREDICATE, _PREDICATE, st.sampled_from(JUNK), st.text(max_size=8))
_JOINERS = st.sampled_from([") or (", ") or not (", ") and (", " or (", ") or ", " and ", " or "])
_NESTED = st.recursive(
    _ATOMS,
    lambda inner: st.one_of(
        st.tuples(inner, _JOINERS, inner).map(_joined),
        inner.map(lambda q: f"not {q}"),
        inner.map(lambda q: f"({q})"),
        inner.map(lambda q: f"{q})"),
        inner.map(lambda q: f"({q}"),
    ),
    max_leaves=6,
)
_BREAKOUT = st.tuples(st.one_of(_PREDICATE, _NESTED), _JOINERS, st.one_of(_PREDICATE, _NESTED))
QUERIES = st.one_of(_BREAKOUT.map(_joined), _NESTED)
"""Queries that try to close the parenthesis a text-pasted scope would open, and others."""
_OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "project": st.sampled_from([*PROJECTS, "", 'beta") or ("x', "ALPHA", "alpha "]),
        "projects": st.lists(st.sampled_from([*PROJECTS, "delta"]), max_size=3),
        "order": st.lists(st.sampled_from(ORDERS), max_size=2),
        "limit": st.sampled_from(["1", "2", "50"]),
        "deleted": st.sampled_from(["true", "false", "TRUE", "1"]),
        "cursor": st.sampled_from(["root", "garbage", "eyJzIjoiIn0"]),
    },
)
OPTIONS = st.one_of(st.just({}), _OPTIONS)


@pytest.fixture
def crowded(realm: Realm) -> Realm:
    """The realm with two more runs in each project, one of them deleted."""
    return _crowd(realm)


@pytest.fixture
def pg_crowded(pg_realm: Realm) -> Realm:
    """The PostgreSQL realm with two more runs in each project, one of them deleted."""
    return _crowd(pg_realm)


def _crowd(realm: Realm) -> Realm:
    for project in PROJECTS:
        for deleted in (False, True):
            chain = Chain(project, config={"lr": 0.2, "secret": f"{project}-secret"})
            chain.add("tags", {"tags": {"owner": project}})
            chain.metrics(loss=([0, 1], [0.9, 0.8]))
            if deleted:
                chain.add("run.delete", {})
            realm.store.append_events(chain.events)
            realm.runs[f"{project}-{'deleted' if deleted else 'more'}"] = chain
    with realm.client("root") as client:
        realm.tokens["root-cursor"] = _runs(client, limit="1").json()["next_cursor"]
    return realm


def _project_of(realm: Realm, run_id: str) -> str:
    return next(key.split("-")[0] for key, chain in realm.runs.items() if chain.run_id == run_id)


def _search_as(realm: Realm, who: str, query: str, options: dict[str, object]) -> None:
    """Search (and follow up to three next pages) as *who*; nothing foreign may come back."""
    params: dict[str, object] = {"q": query, **options}
    if params.get("cursor") == "root":
        params["cursor"] = realm.tokens["root-cursor"]
    elif params.get("cursor") == "garbage":
        params["cursor"] = "not-a-cursor"
    foreign = [c.run_id for k, c in realm.runs.items() if not k.startswith(SEES[who])]
    foreign += [f"{p}-secret" for p in PROJECTS if p != SEES[who] and f"{p}-secret" not in query]
    with realm.client(who) as client:
        for _ in range(4):
            answer = client.get("/api/v1/runs", params=params)  # type: ignore[arg-type]
            assert answer.status_code in (200, 400), (params, answer.text)
            assert not [leak for leak in foreign if leak in answer.text], (params, answer.text)
            if answer.status_code == 400:
                assert set(error_of(answer)) == {"code", "message"}
                return
            page = answer.json()
            assert {_project_of(realm, run["id"]) for run in page["runs"]} <= {SEES[who]}
            if not page["next_cursor"]:
                return
            params["cursor"] = page["next_cursor"]


_MEMBERS = st.sampled_from(sorted(SEES))
_HOSTILE = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_HOSTILE
@given(who=_MEMBERS, query=QUERIES, options=OPTIONS)
@example(who="alice", query='params.lr > 0) or (project = "beta"', options={})  # the red team's
def test_hostile_searches_stay_in_scope_on_sqlite(
    crowded: Realm, who: str, query: str, options: dict[str, object]
) -> None:
    _search_as(crowded, who, query, options)


@settings(_HOSTILE, max_examples=40)
@given(who=_MEMBERS, query=QUERIES, options=OPTIONS)
@example(who="mallory", query='name ~ "*") or (project = "beta"', options={"order": ["-id"]})
def test_hostile_searches_stay_in_scope_on_postgresql(
    pg_crowded: Realm, who: str, query: str, options: dict[str, object]
) -> None:
    _search_as(pg_crowded, who, query, options)


# -- row-level security on PostgreSQL: below every route ---------------------------------------

RUN_KEYED = ("runs", "events", "params", "tags", "metric_summaries", "metric_chunks", "artifacts",
             "run_datasets", "logged_models", "evaluations")  # fmt: skip


PROJECT_KEYED = ("dataset_versions", "artifact_grants")


def _one_of_each(store: SqlStore, project: str, run_id: str) -> None:
    """A row of *project*'s run *run_id* in the tables no seeded event fills."""
    with store.database.write() as cur:
        cur.execute(
            "INSERT INTO artifacts VALUES (?, 'a.txt', ?, 1, 'text/plain', 0)", (run_id, "0" * 64)
        )
        cur.execute(
            "INSERT INTO run_datasets (run_id, project, name, digest, role, direction, "
            "time) VALUES (?, ?, 'd', ?, 'train', 'input', 0)",
            (run_id, project, "1" * 64),
        )
        cur.execute(
            "INSERT INTO dataset_versions (project, name, digest, number, kind, sources, "
            "first_run, created_at) VALUES (?, 'd', ?, 1, 'file', '[]', ?, 0)",
            (project, "1" * 64, run_id),
        )
        cur.execute("INSERT INTO artifact_grants VALUES (?, ?, 0)", ("0" * 64, project))
        cur.execute(
            "INSERT INTO logged_models VALUES (?, 'm', ?, 'f', 'files', 'p', 1, '[]', '{}', 0)",
            (run_id, "2" * 64),
        )
        cur.execute("INSERT INTO evaluations (id, run_id, seq, time, started_at, task, n, status, "
                    "summary, result_sha256) VALUES (?, ?, 1, 0, 0, 't', 1, 'pass', '{}', ?)",
                    (f"eval-{run_id}", run_id, "3" * 64))  # fmt: skip


def _keys(store: SqlStore, table: str) -> set[str]:
    """The run ids (or, in a table of projects' objects, the projects) of *table*'s rows."""
    column = "id" if table == "runs" else "project" if table in PROJECT_KEYED else "run_id"
    return {row[0] for row in store.database.read().execute(f"SELECT {column} FROM {table}")}


def test_row_level_security_hides_other_projects_from_raw_sql(pg_realm: Realm) -> None:
    store = pg_realm.store
    assert getattr(store.database, "row_security", False), "pg_realm must not bypass RLS"
    for project in PROJECTS:
        _one_of_each(store, project, pg_realm.runs[project].run_id)
    for table in (*RUN_KEYED, *PROJECT_KEYED):
        alpha = {"alpha" if table in PROJECT_KEYED else pg_realm.runs["alpha"].run_id}
        assert len(_keys(store, table)) == len(PROJECTS), table  # unscoped: every project
        with project_scope({"alpha"}):
            assert _keys(store, table) == alpha, table
        with project_scope(set()):
            assert _keys(store, table) == set(), table
    with project_scope({"alpha"}):
        joined = store.database.read().execute(
            "SELECT DISTINCT p.name FROM projects p JOIN runs r ON r.project_id = p.id"
        )
        assert [row[0] for row in joined] == ["alpha"]
        chain = pg_realm.continue_run("alpha")  # writes are not scoped: they keep working
        chain.add("notes", {"text": "written inside a read scope"})
        assert store.append_events(chain.events) == len(chain.events)


def test_a_buggy_route_still_reads_only_the_callers_projects(pg_realm: Realm) -> None:
    """A handler that forgets every check and selects from the tables directly."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from tests.server_thread import serving_app
    from trackrecord.server.http import Json, endpoint
    from trackrecord.server.settings import ServerSettings

    def everything() -> list[str]:
        rows = pg_realm.store.database.read().execute(
            "SELECT p.name, pr.value FROM runs r JOIN projects p ON p.id = r.project_id "
            "JOIN params pr ON pr.run_id = r.id WHERE pr.key = 'secret' ORDER BY p.name"
        )
        return [f"{name}:{value}" for name, value in rows]

    async def leaky(request: Request) -> Response:
        return Json(await run_in_threadpool(everything))

    settings = ServerSettings.for_store(pg_realm.store, auth=True)
    app = Starlette(routes=[Route("/leak", endpoint(settings, "leak", leaky))])
    with serving_app(app) as url:
        for who, seen in (("alice", ["alpha"]), ("mallory", ["alpha"]), ("dave", ["beta"]),
                          ("root", list(PROJECTS))):  # fmt: skip
            token = pg_realm.tokens[who]
            answer = httpx.get(f"{url}/leak", headers={"Authorization": f"Bearer {token}"})
            assert [row.split(":")[0] for row in answer.json()] == seen, who
