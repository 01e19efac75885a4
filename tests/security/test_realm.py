"""The stage itself: each identity sees exactly the projects it holds a role in."""

from __future__ import annotations

import pytest

from tests.security.conftest import MEMBERS, PROJECTS, Realm


@pytest.mark.parametrize("who", ["root", *MEMBERS])
def test_each_identity_lists_only_its_projects(realm: Realm, who: str) -> None:
    expected = {"root": set(PROJECTS), "mallory": {"alpha"}}.get(who, set(MEMBERS.get(who, {})))
    with realm.client(who) as client:
        listed = {p["name"] for p in client.get("/api/v1/projects").json()}
        runs = client.get("/api/v1/runs").json()["runs"]
    assert listed == expected
    assert {r["project"] for r in runs} == expected
