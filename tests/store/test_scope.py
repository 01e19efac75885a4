"""The read scope of a request: carried by a context variable into worker threads, and
honoured by searches on every SQL store (and by row-level security on PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import anyio
from starlette.concurrency import run_in_threadpool

from tests.pg import fresh_database
from tests.store.conftest import Chain
from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.store.scope import current_scope, project_scope, unrestricted
from trackrecord.store.sql import SqlStore


def test_the_scope_follows_requests_into_the_threadpool() -> None:
    async def handler() -> object:
        with project_scope({"alpha"}):
            inside = await run_in_threadpool(current_scope)
            with unrestricted():
                lifted = await run_in_threadpool(current_scope)
        return inside, lifted, await run_in_threadpool(current_scope)

    assert anyio.run(handler) == (frozenset({"alpha"}), None, None)


def test_a_search_inside_a_scope_stays_in_it(tmp_path: Path) -> None:
    store = SqlStore.open(tmp_path)
    chains = {p: Chain(p, config={"lr": 0.1}) for p in ("alpha", "beta")}
    for chain in chains.values():
        store.append_events(chain.events)
    with project_scope({"alpha"}):
        assert [r.project for r in store.search_runs('project = "beta" or params.lr > 0').runs] == [
            "alpha"
        ]
        assert store.search_runs(projects={"beta"}).runs == []  # narrowed by both: nothing
    assert len(store.search_runs().runs) == 2
    store.close()


def test_postgresql_enforces_row_level_security_for_an_ordinary_role(tmp_path: Path) -> None:
    with fresh_database(ordinary_role=True) as url:
        store = SqlStore.connect(url, LocalArtifactStore(tmp_path))
        assert store.database.row_security  # type: ignore[attr-defined]
        flags = store.database.read().execute(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
            "WHERE relname IN (SELECT tablename FROM pg_policies) ORDER BY relname"
        )
        assert [row[0] for row in flags if row[1] and row[2]] == sorted(
            ["runs", "events", "params", "tags", "metric_summaries", "metric_chunks",
             "artifacts", "run_datasets", "logged_models", "evaluations", "dataset_versions",
             "artifact_grants"]
        )  # fmt: skip
        store.close()
    with fresh_database() as url:  # the superuser: PostgreSQL does not apply the policies
        store = SqlStore.connect(url, LocalArtifactStore(tmp_path))
        assert not store.database.row_security  # type: ignore[attr-defined]
        store.close()
