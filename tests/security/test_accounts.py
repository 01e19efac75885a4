"""Attacks on tokens, sign-in and error messages (issue 14, "Tokens" and "Sign-in and errors").

Each test makes the attack of one finding, asserts that it is refused with a clear 4xx in
the one error shape, and that nothing changed.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.security.conftest import PASSWORD, Realm, error_of
from trackrecord.identity import check_password
from trackrecord.store.sql import accounts as accounts_module
from trackrecord.store.sql.sign_in import MAX_FAILURES_PER_ADDRESS, MAX_FAILURES_PER_USER

REFUSED = "sign-in refused"  # the start of the one message every refused sign-in gets


def _now() -> int:
    return time.time_ns() // 1_000_000


def _token_ids(realm: Realm, user: str) -> set[str]:
    return {t.id for t in realm.accounts.tokens(user)}


def _whoami(realm: Realm, token: str) -> dict[str, object]:
    with httpx.Client(base_url=realm.url, headers={"Authorization": f"Bearer {token}"}) as c:
        answer = c.get("/api/v1/whoami")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_a_project_token_mints_only_tokens_of_its_project(realm: Realm) -> None:
    before = _token_ids(realm, "mallory")
    with realm.client("mallory") as mallory:  # limited to alpha, though mallory edits beta too
        wider = mallory.post("/api/v1/admin/users/mallory/tokens", json={"project": "beta"})
        assert wider.status_code == 403 and error_of(wider)["code"] == "FORBIDDEN"
        assert "alpha" in error_of(wider)["message"]
        assert _token_ids(realm, "mallory") == before  # nothing minted
        minted = mallory.post("/api/v1/admin/users/mallory/tokens", json={"label": "x"})
    assert minted.status_code == 201 and minted.json()["project"] == "alpha"
    me = _whoami(realm, minted.json()["token"])
    assert me["token_project"] == "alpha"
    with httpx.Client(
        base_url=realm.url, headers={"Authorization": f"Bearer {minted.json()['token']}"}
    ) as c:
        assert {p["name"] for p in c.get("/api/v1/projects").json()} == {"alpha"}


def test_a_server_admins_project_token_cannot_mint_an_admin_token(realm: Realm) -> None:
    _, limited = realm.accounts.create_token("root", project="alpha")
    before, alices = _token_ids(realm, "root"), _token_ids(realm, "alice")
    headers = {"Authorization": f"Bearer {limited}"}
    with httpx.Client(base_url=realm.url, headers=headers) as root:
        minted = root.post("/api/v1/admin/users/root/tokens", json={"password": PASSWORD})
        assert minted.status_code == 201 and minted.json()["project"] == "alpha"
        other = root.post("/api/v1/admin/users/alice/tokens", json={})
        assert other.status_code == 403
    assert _token_ids(realm, "root") == before | {minted.json()["id"]}
    assert _token_ids(realm, "alice") == alices
    with httpx.Client(
        base_url=realm.url, headers={"Authorization": f"Bearer {minted.json()['token']}"}
    ) as c:
        assert c.get("/api/v1/admin/users").status_code == 403  # no admin power


def test_a_short_lived_token_cannot_mint_a_longer_lived_one(realm: Realm) -> None:
    mallory_expires = next(t.expires_at for t in realm.accounts.tokens("mallory") if t.project)
    assert mallory_expires is not None
    before = _token_ids(realm, "mallory")
    with realm.client("mallory") as mallory:
        longer = mallory.post("/api/v1/admin/users/mallory/tokens", json={"expires_in_days": 30})
        assert longer.status_code == 403 and error_of(longer)["code"] == "FORBIDDEN"
        assert "expire" in error_of(longer)["message"]
        assert _token_ids(realm, "mallory") == before
        minted = mallory.post("/api/v1/admin/users/mallory/tokens", json={})
    assert minted.status_code == 201
    assert minted.json()["expires_at"] is not None
    assert minted.json()["expires_at"] <= mallory_expires  # never outlives the token that made it


def test_a_project_token_cannot_list_or_revoke_its_users_unlimited_tokens(realm: Realm) -> None:
    unlimited, _ = realm.accounts.create_token("mallory", label="laptop")
    with realm.client("mallory") as mallory:
        listed = mallory.get("/api/v1/admin/tokens", params={"user": "mallory"})
        assert listed.status_code == 200
        assert unlimited.id not in {t["id"] for t in listed.json()}
        assert {t["project"] for t in listed.json()} == {"alpha"}
        revoke = mallory.delete(f"/api/v1/admin/tokens/{unlimited.id}")
        assert revoke.status_code == 403 and error_of(revoke)["code"] == "FORBIDDEN"
        absent = mallory.delete("/api/v1/admin/tokens/000000000000")
        assert (absent.status_code, error_of(absent)) == (403, error_of(revoke))  # alike
    assert (
        next(t for t in realm.accounts.tokens("mallory") if t.id == unlimited.id).revoked_at is None
    )


def test_minting_an_admin_token_needs_a_fresh_sign_in(realm: Realm) -> None:
    before = _token_ids(realm, "root")
    with realm.client("root") as root:
        bare = root.post("/api/v1/admin/users/root/tokens", json={})
        assert bare.status_code == 403 and '"password"' in error_of(bare)["message"]
        wrong = root.post("/api/v1/admin/users/root/tokens", json={"password": "not it at all"})
        assert wrong.status_code == 403 and REFUSED in error_of(wrong)["message"]
        realm.accounts.create_user("root2", admin=True)
        for_other = root.post("/api/v1/admin/users/root2/tokens", json={})
        assert for_other.status_code == 403
        assert _token_ids(realm, "root") == before and not realm.accounts.tokens("root2")
        signed = root.post("/api/v1/admin/users/root/tokens", json={"password": PASSWORD})
        assert signed.status_code == 201 and signed.json()["project"] is None
        limited = root.post("/api/v1/admin/users/root/tokens", json={"project": "beta"})
        assert limited.status_code == 201  # a project-limited token is no admin token
        for_bob = root.post("/api/v1/admin/users/bob/tokens", json={})
        assert for_bob.status_code == 201  # nor is a token of a user who is no admin
    assert _whoami(realm, signed.json()["token"])["is_admin"] is True


def _concurrent_wrong_guesses(realm: Realm, user: str, count: int) -> list[httpx.Response]:
    def guess(i: int) -> httpx.Response:
        with realm.client(None) as anonymous:
            return anonymous.post("/api/v1/login", json={"user": user, "password": f"guess #{i}!!"})

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(guess, range(count)))


def _assert_concurrent_guesses_lock_the_user(realm: Realm, monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str] = []  # the passwords the server really checked (it runs in this process)

    def counted(password: str, stored: str | None) -> bool:
        checked.append(password)
        return check_password(password, stored)

    monkeypatch.setattr(accounts_module, "check_password", counted)
    before = _token_ids(realm, "carol")
    answers = _concurrent_wrong_guesses(realm, "carol", 40)
    assert {a.status_code for a in answers} == {401}
    assert {error_of(a)["message"] for a in answers} == {error_of(answers[0])["message"]}
    assert len(checked) == MAX_FAILURES_PER_USER  # the others were refused unchecked
    with realm.client(None) as anonymous:
        right = anonymous.post("/api/v1/login", json={"user": "carol", "password": PASSWORD})
    assert right.status_code == 401 and error_of(right) == error_of(answers[0])
    assert len(checked) == MAX_FAILURES_PER_USER and PASSWORD not in checked
    assert _token_ids(realm, "carol") == before  # no sign-in token was made


def test_concurrent_wrong_passwords_lock_the_user(
    realm: Realm, monkeypatch: pytest.MonkeyPatch
) -> None:
    _assert_concurrent_guesses_lock_the_user(realm, monkeypatch)


def test_concurrent_wrong_passwords_lock_the_user_on_postgresql(
    pg_realm: Realm, monkeypatch: pytest.MonkeyPatch
) -> None:
    _assert_concurrent_guesses_lock_the_user(pg_realm, monkeypatch)


def test_sign_ins_are_limited_per_address(realm: Realm) -> None:
    with realm.client(None) as anonymous:
        for i in range(MAX_FAILURES_PER_ADDRESS):  # a spray over many names, each tried once
            sprayed = anonymous.post("/api/v1/login", json={"user": f"u{i}", "password": "x" * 12})
            assert sprayed.status_code == 401
        right = anonymous.post("/api/v1/login", json={"user": "alice", "password": PASSWORD})
    assert right.status_code == 401 and REFUSED in error_of(right)["message"]
    assert not [t for t in realm.accounts.tokens("alice") if t.label == "web sign-in"]
    # the same user from another address is not refused for this address's failures
    realm.accounts.login("alice", PASSWORD, source="192.0.2.7")


def test_every_refused_sign_in_gets_one_message(realm: Realm) -> None:
    realm.accounts.disable_user("vera")
    with realm.client(None) as anonymous:

        def refusal(user: str, password: str) -> dict[str, str]:
            answer = anonymous.post("/api/v1/login", json={"user": user, "password": password})
            assert answer.status_code == 401
            return error_of(answer)

        first = refusal("alice", "a wrong password")
        assert REFUSED in first["message"]
        assert refusal("nobody", PASSWORD) == first  # unknown user
        assert refusal("vera", PASSWORD) == first  # disabled user
        for user in ("bob", "no-such-user"):  # a real user and an unknown one, locked alike
            answers = [refusal(user, "a wrong password") for _ in range(MAX_FAILURES_PER_USER)]
            assert refusal(user, "still wrong, locked") == first
            assert all(a == first for a in answers)
            assert user not in first["message"]
    with realm.client(None) as anonymous:  # bob is locked out even with his password
        assert (
            anonymous.post("/api/v1/login", json={"user": "bob", "password": PASSWORD}).status_code
            == 401
        )


def test_x_forwarded_for_is_not_believed_from_a_client(realm: Realm) -> None:
    with realm.client("alice", **{"X-Forwarded-For": "203.0.113.66"}) as alice:
        assert alice.post("/api/v1/admin/users/alice/tokens", json={}).status_code == 201
    with realm.client("root") as root:
        entries = root.get("/api/v1/admin/audit").json()["entries"]
    sources = {e["source"] for e in entries if e["action"] == "tokens.create"}
    assert sources == {"127.0.0.1"}


def test_a_404_does_not_show_the_database_url(pg_realm: Realm) -> None:
    location = pg_realm.store.database.location
    with pg_realm.client("root") as root:
        missing = root.get("/api/v1/runs/01j0000000000000000000000z")
    assert missing.status_code == 404 and error_of(missing)["code"] == "NOT_FOUND"
    assert "postgresql" not in missing.text and location not in missing.text
    assert "127.0.0.1" not in missing.text
    with pg_realm.client("root") as root:
        no_bytes = root.get(f"/api/v1/artifacts/{'ab' * 32}")
    assert no_bytes.status_code == 404 and error_of(no_bytes)["code"] == "NOT_FOUND"
    assert "artifacts" not in error_of(no_bytes)["message"].replace("artifact content", "")
    assert "/tmp" not in no_bytes.text and "pytest" not in no_bytes.text


def test_a_store_failure_shows_no_path_or_sql(realm: Realm) -> None:
    location = realm.store.database.location
    with realm.store.database.write() as cur:  # a table every request reads is gone
        cur.execute("ALTER TABLE project_roles RENAME TO project_roles_gone")
    try:
        with realm.client("alice") as alice:
            failed = alice.get("/api/v1/whoami")
    finally:
        with realm.store.database.write() as cur:
            cur.execute("ALTER TABLE project_roles_gone RENAME TO project_roles")
    assert failed.status_code == 503 and error_of(failed)["code"] == "STORE_ERROR"
    message = error_of(failed)["message"]
    assert location not in failed.text and "trackrecord.db" not in failed.text
    assert "SELECT" not in failed.text.upper() and "project_roles" not in failed.text
    assert "reference" in message  # what to quote to the server's admin


@pytest.mark.parametrize("who", ["alice", "mallory"])
def test_whoami_says_when_the_token_expires(realm: Realm, who: str) -> None:
    with realm.client(who) as client:
        me = client.get("/api/v1/whoami").json()
    expected = next(t.expires_at for t in realm.accounts.tokens(who) if t.id == me["token"])
    assert me["token_expires_at"] == expected
