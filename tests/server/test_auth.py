"""Users, tokens and project roles on a real server: who may read and write what."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

import trackrecord
from tests.server_thread import serving
from tests.store.conftest import Chain
from trackrecord.errors import NotFoundError, PermissionDeniedError
from trackrecord.record.framing import encode_event
from trackrecord.server.settings import ServerSettings
from trackrecord.store.remote import RemoteStore
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.accounts import REFUSED, SqlAccounts


@dataclass
class Team:
    url: str
    store: SqlStore
    accounts: SqlAccounts
    tokens: dict[str, str]
    runs: dict[str, Chain]

    def client(self, who: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return httpx.Client(base_url=self.url, headers=headers)

    def remote(self, who: str) -> RemoteStore:
        return RemoteStore(self.url, self.tokens[who])


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    """A server with auth on: root (server admin), alice (editor of vision), bob (viewer of
    vision), carol (editor of nlp), dave (editor of both, token limited to nlp)."""
    store = SqlStore.open(tmp_path / "server")
    accounts = SqlAccounts(store.database)
    accounts.create_user("root", admin=True)
    for name, roles in {"alice": {"vision": "editor"}, "bob": {"vision": "viewer"},
                        "carol": {"nlp": "editor"},
                        "dave": {"vision": "editor", "nlp": "editor"}}.items():  # fmt: skip
        accounts.create_user(name)
        for project, role in roles.items():
            accounts.grant(name, project, role)
    tokens = {name: accounts.create_token(name)[1] for name in ("root", "alice", "bob", "carol")}
    tokens["dave"] = accounts.create_token("dave", project="nlp")[1]
    runs = {"vision": Chain("vision"), "nlp": Chain("nlp")}
    for chain in runs.values():
        chain.metrics(loss=([0, 1], [1.0, 0.5]))
        store.append_events(chain.events)
    with serving(ServerSettings.for_store(store)) as url:
        yield Team(url, store, accounts, tokens, runs)
    store.close()


def error(response: httpx.Response) -> dict[str, str]:
    body = json.loads(response.content)
    assert set(body) == {"error"}
    return dict(body["error"])


def test_requests_without_a_valid_token_are_refused(team: Team) -> None:
    with team.client(None) as anonymous:
        missing = anonymous.get("/api/v1/runs")
        assert missing.status_code == 401 and error(missing)["code"] == "UNAUTHENTICATED"
        assert "TRACKRECORD_TOKEN" in error(missing)["message"]
        assert missing.headers["www-authenticate"] == "Bearer"
        malformed = anonymous.get("/api/v1/runs", headers={"Authorization": "Bearer nope"})
        assert malformed.status_code == 401 and "malformed" in error(malformed)["message"]
        forged = team.tokens["alice"][:-4] + "AAAA"
        unknown = anonymous.get("/api/v1/runs", headers={"Authorization": f"Bearer {forged}"})
        assert unknown.status_code == 401
        assert anonymous.get("/healthz").status_code == 200  # probes need no token
        assert anonymous.get("/readyz").json()["auth"] is True


def test_a_token_of_one_project_sees_nothing_of_another(team: Team) -> None:
    nlp = team.runs["nlp"]
    for who in ("alice", "bob"):
        with team.client(who) as client:
            projects = [p["name"] for p in client.get("/api/v1/projects").json()]
            assert projects == ["vision"]
            runs = client.get("/api/v1/runs").json()["runs"]
            assert [r["id"] for r in runs] == [team.runs["vision"].run_id]
            assert client.get("/api/v1/runs", params={"project": "nlp"}).json()["runs"] == []
            sneaky = client.get("/api/v1/runs", params={"q": 'project = "nlp" or name ~ "*"'})
            assert [r["project"] for r in sneaky.json()["runs"]] == ["vision"]
            for path in ("", "/events", "/metrics/loss", "/artifacts"):
                hidden = client.get(f"/api/v1/runs/{nlp.run_id}{path}")
                assert hidden.status_code == 404, path
    # dave is an editor of both projects, but his token is limited to nlp
    dave = team.remote("dave")
    assert [p.name for p in dave.list_projects()] == ["nlp"]
    assert [r.id for r in dave.search_runs().runs] == [nlp.run_id]
    with pytest.raises(NotFoundError):
        dave.get_run(team.runs["vision"].run_id)
    dave.close()


def test_artifact_bytes_are_only_served_to_members_of_a_project_that_recorded_them(
    team: Team,
) -> None:
    carol, alice = team.remote("carol"), team.remote("alice")
    digest, size = carol.put_artifact(io.BytesIO(b"nlp weights"))
    chain = Chain("nlp")
    chain.add("artifact", {"files": [{"path": "w.bin", "sha256": digest, "size": size,
                                      "media_type": "application/octet-stream"}]})  # fmt: skip
    carol.append_events(chain.events)
    with carol.open_artifact(digest) as handle:
        assert handle.read() == b"nlp weights"
    with pytest.raises(NotFoundError):
        alice.open_artifact(digest)
    carol.close()
    alice.close()


def test_a_viewer_cannot_write(team: Team) -> None:
    bob = team.remote("bob")
    vision = team.runs["vision"]
    follow_up = Chain("vision", run_id=vision.run_id)
    follow_up.events = list(vision.events)
    follow_up.add("tags", {"tags": {"reviewed": "yes"}})
    with pytest.raises(PermissionDeniedError, match="viewer of project 'vision'"):
        bob.append_events(follow_up.events[-1:])
    with pytest.raises(PermissionDeniedError, match="has no role"):
        bob.append_events(Chain("vision-2").events)
    with pytest.raises(PermissionDeniedError):
        bob.put_artifact(io.BytesIO(b"x"))
    assert team.store.get_run(vision.run_id).head_seq == len(vision.events)  # nothing written
    assert [p.name for p in team.store.list_projects()] == ["nlp", "vision"]
    bob.close()


def test_an_editor_writes_only_in_their_projects(team: Team) -> None:
    alice = team.remote("alice")
    fresh = Chain("vision")
    assert alice.append_events(fresh.events) == 1
    with pytest.raises(PermissionDeniedError, match="has no role in 'nlp'"):
        alice.append_events(Chain("nlp").events)
    nlp = team.runs["nlp"]  # an existing run of another project stays invisible
    more = Chain("nlp", run_id=nlp.run_id)
    more.events = list(nlp.events)
    more.add("tags", {"tags": {"x": "y"}})
    with pytest.raises(NotFoundError):
        alice.append_events(more.events[-1:])
    alice.close()


def test_expired_and_revoked_tokens_are_refused(team: Team) -> None:
    expires_at = _now() + 2_000
    record, text = team.accounts.create_token("alice", label="ci", expires_at=expires_at)
    with httpx.Client(base_url=team.url, headers={"Authorization": f"Bearer {text}"}) as client:
        assert client.get("/api/v1/runs").status_code == 200  # and the server believes it a while
        time.sleep(max(0, expires_at - _now()) / 1000 + 0.01)  # it expires within that while
        expired = client.get("/api/v1/runs")
        assert expired.status_code == 401 and "expired" in error(expired)["message"]
    with team.client("alice") as client:
        mine = client.get("/api/v1/admin/tokens", params={"user": "alice"}).json()
        assert {t["id"]: t["state"] for t in mine}[record.id] == "expired"
        own_id = next(t["id"] for t in mine if t["state"] == "active")
        assert client.delete(f"/api/v1/admin/tokens/{own_id}").status_code == 200
        revoked = client.get("/api/v1/runs")
        assert revoked.status_code == 401 and "revoked" in error(revoked)["message"]


def test_admins_manage_users_roles_and_tokens_through_the_api(team: Team) -> None:
    with team.client("root") as root:
        assert root.post("/api/v1/admin/users", json={"name": "erin"}).status_code == 201
        taken = root.post("/api/v1/admin/users", json={"name": "erin"})
        assert taken.status_code == 400 and "already exists" in error(taken)["message"]
        bad = root.post("/api/v1/admin/users", json={"name": "Erin Smith"})
        assert bad.status_code == 400 and "user name" in error(bad)["message"]
        role = root.put("/api/v1/admin/users/erin/roles/vision", json={"role": "owner"})
        assert role.status_code == 400 and "viewer, editor, admin" in error(role)["message"]
        assert root.put("/api/v1/admin/users/erin/roles/vision",
                        json={"role": "viewer"}).status_code == 200  # fmt: skip
        made = root.post("/api/v1/admin/users/erin/tokens", json={"expires_in_days": 7})
        assert made.status_code == 201 and made.json()["expires_at"] > _now()
        erin = made.json()["token"]
    with httpx.Client(base_url=team.url, headers={"Authorization": f"Bearer {erin}"}) as client:
        me = client.get("/api/v1/whoami").json()
        assert me["user"] == "erin" and me["roles"] == {"vision": "viewer"}
        users = client.get("/api/v1/admin/users")
        assert users.status_code == 403 and error(users)["code"] == "FORBIDDEN"
        grab = client.put("/api/v1/admin/users/erin/roles/vision", json={"role": "admin"})
        assert grab.status_code == 403
        others = client.get("/api/v1/admin/tokens", params={"user": "root"})
        assert others.status_code == 403
    with team.client("root") as root:
        assert root.delete("/api/v1/admin/users/erin").status_code == 200
    with httpx.Client(base_url=team.url, headers={"Authorization": f"Bearer {erin}"}) as client:
        disabled = client.get("/api/v1/whoami")
        assert disabled.status_code == 401 and "disabled" in error(disabled)["message"]


def test_every_mutating_request_is_in_the_audit_log(team: Team) -> None:
    chain = Chain("vision")
    with team.client("alice") as alice:
        ok = alice.post(f"/api/v1/runs/{chain.run_id}/events",
                        content=b"".join(encode_event(e) for e in chain.events))  # fmt: skip
        assert ok.status_code == 200
        alice.get("/api/v1/runs")  # reads are not audited
    with team.client("bob") as bob:
        refused = bob.post(f"/api/v1/runs/{chain.run_id}/events", content=b"")
        assert refused.status_code == 403
    with team.client(None) as anonymous:
        assert anonymous.post("/api/v1/admin/users", json={"name": "x"}).status_code == 401
    with team.client("root") as root:
        entries = root.get("/api/v1/admin/audit").json()["entries"]
        assert root.get("/api/v1/admin/audit/verify").json() == {"ok": True, "problems": []}
    seen = [(e["actor"], e["action"], e["target"], e["status"]) for e in entries]
    assert seen == [
        ("alice", "runs.append_events", chain.run_id, 200),
        ("bob", "runs.append_events", chain.run_id, 403),
        ("(unauthenticated)", "users.create", "", 401),
    ]
    assert all(e["source"] == "127.0.0.1" and e["time"] > 0 for e in entries)
    with team.client("alice") as alice:
        assert alice.get("/api/v1/admin/audit").status_code == 403
    with team.store.database.write() as cur:  # someone edits history in the database
        cur.execute("UPDATE audit_log SET status = 200 WHERE seq = 2")
    with team.client("root") as root:
        report = root.get("/api/v1/admin/audit/verify").json()
    assert report["ok"] is False and report["problems"] == ["entry 2 was altered (its hash "
                                                            "does not match)"]  # fmt: skip


def test_training_code_logs_with_its_token(team: Team, tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import trackrecord
        with trackrecord.init("vision", config={"lr": 0.1}, capture=False) as run:
            for step in range(100):
                run.log({"loss": 1.0 / (step + 1)}, step=step)
            run.log_text("notes.txt", "hello")
            print(run.id)
    """)
    env = {k: v for k, v in os.environ.items() if k != "TRACKRECORD_STRICT"}
    env.update(TRACKRECORD_URI=team.url, TRACKRECORD_TOKEN=team.tokens["alice"],
               TRACKRECORD_DIR=str(tmp_path / "client"))  # fmt: skip
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip()
    with trackrecord.Api(uri=team.url, token=team.tokens["bob"]) as api:  # a viewer reads it
        assert api.run(run_id).summaries["loss"].count == 100
        assert api.verify(run_id).ok
        with pytest.raises(PermissionDeniedError):
            api.set_tags(run_id, {"reviewed": "yes"})


def _now() -> int:
    return time.time_ns() // 1_000_000


def test_editors_edit_ended_runs_and_viewers_cannot(team: Team) -> None:
    vision = team.runs["vision"]
    with team.client("bob") as bob:
        refused = bob.patch(f"/api/v1/runs/{vision.run_id}", json={"notes": "mine"})
        assert refused.status_code == 403 and error(refused)["code"] == "FORBIDDEN"
    with team.client("alice") as alice:
        live = alice.patch(f"/api/v1/runs/{vision.run_id}", json={"notes": "too early"})
        assert live.status_code == 423 and "still being logged" in error(live)["message"]
        ended = Chain("vision")
        ended.add("run.end", {"status": "finished"})
        team.store.append_events(ended.events)
        changed = alice.patch(f"/api/v1/runs/{ended.run_id}",
                              json={"notes": "baseline", "name": "base"})  # fmt: skip
        assert changed.status_code == 200
        assert (changed.json()["notes"], changed.json()["name"]) == ("baseline", "base")
        bad = alice.patch(f"/api/v1/runs/{ended.run_id}", json={"colour": "red"})
        assert bad.status_code == 400 and '"notes"' in error(bad)["message"]
    with trackrecord.Api(uri=team.url, token=team.tokens["bob"]) as api:
        assert api.verify(ended.run_id).ok  # the edits are events of the chain


def test_users_with_a_password_sign_in_for_a_token(team: Team) -> None:
    team.accounts.set_password("alice", "correct horse battery")
    with team.client(None) as anonymous:
        right = {"user": "alice", "password": "correct horse battery"}
        signed = anonymous.post("/api/v1/login", json=right)
        assert signed.status_code == 201 and signed.json()["user"] == "alice"
        assert signed.json()["expires_at"] > _now() + 29 * 86_400_000
        token = signed.json()["token"]
        me = anonymous.get("/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["user"] == "alice" and me.json()["roles"] == {"vision": "editor"}
        for user, password in (("alice", "wrong password!"), ("nobody", "correct horse battery"),
                               ("bob", "correct horse battery")):  # fmt: skip
            refused = anonymous.post("/api/v1/login", json={"user": user, "password": password})
            assert refused.status_code == 401
            assert error(refused)["message"] == REFUSED  # one message, whichever it was
    team.accounts.disable_user("alice")
    with team.client(None) as anonymous:
        disabled = anonymous.post("/api/v1/login", json=right)
        assert disabled.status_code == 401
    with team.client("root") as root:
        entries = root.get("/api/v1/admin/audit").json()["entries"]
    logins = [
        (e["actor"], e["target"], e["status"]) for e in entries if e["action"] == "users.login"
    ]
    assert logins[0] == ("alice", "alice", 201)
    assert ("(unauthenticated)", "nobody", 401) in logins


def test_passwords_are_stored_as_slow_hashes(team: Team) -> None:
    from trackrecord.errors import InvalidValueError

    with pytest.raises(InvalidValueError, match="at least 10"):
        team.accounts.set_password("bob", "short")
    team.accounts.set_password("bob", "a long enough secret")
    stored = (
        team.store.database.read()
        .execute("SELECT password_hash FROM users WHERE name = 'bob'")
        .fetchone()[0]
    )
    assert stored.startswith("scrypt$") and "a long enough secret" not in stored


def test_repeated_wrong_passwords_lock_a_users_sign_ins_for_a_while(team: Team) -> None:
    from trackrecord.store.sql.sign_in import MAX_FAILURES_PER_USER

    team.accounts.set_password("carol", "carol's real password")
    right = {"user": "carol", "password": "carol's real password"}
    with team.client(None) as anonymous:
        for _ in range(MAX_FAILURES_PER_USER - 1):
            wrong = anonymous.post("/api/v1/login", json={**right, "password": "guess again!"})
            assert wrong.status_code == 401
        assert anonymous.post("/api/v1/login", json=right).status_code == 201  # starts again
        for _ in range(MAX_FAILURES_PER_USER):
            wrong = anonymous.post("/api/v1/login", json={**right, "password": "guess again!"})
            assert wrong.status_code == 401
        locked = anonymous.post("/api/v1/login", json=right)
        assert locked.status_code == 401 and error(locked)["message"] == REFUSED
        with team.store.database.write() as cur:  # the lockout ends
            cur.execute("UPDATE sign_in_failures SET ends_at = ? WHERE subject = 'user:carol'",
                        (_now() - 1,))  # fmt: skip
        assert anonymous.post("/api/v1/login", json=right).status_code == 201
    with team.client("carol") as carol:  # tokens kept working throughout
        assert carol.get("/api/v1/whoami").status_code == 200
