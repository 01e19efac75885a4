"""``trackrecord admin`` on SQLite and PostgreSQL, and when ``trackrecord server`` needs auth."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.pg import fresh_database
from trackrecord.cli import main
from trackrecord.cli.admin import parse_expiry
from trackrecord.cli.locations import open_database
from trackrecord.errors import AuthenticationError, InvalidValueError
from trackrecord.store.sql.accounts import SqlAccounts
from trackrecord.store.sql.audit import SqlAuditLog


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "store")
        return
    with fresh_database() as url:
        yield url


def admin(location: str, *args: str) -> Result:
    return CliRunner().invoke(main, ["admin", *args, "--store", location])


def token_of(result: Result) -> str:
    match = re.search(r"trk_\w+_[\w-]+", result.output)
    assert match, result.output
    return match.group()


def test_bootstrap_then_manage_users_roles_and_tokens(location: str) -> None:
    first = admin(location, "bootstrap", "root")
    assert first.exit_code == 0, first.output
    root_token = token_of(first)
    again = admin(location, "bootstrap", "other")
    assert again.exit_code == 2 and "already has users" in again.output
    assert admin(location, "user", "create", "alice").exit_code == 0
    assert admin(location, "grant", "alice", "vision", "editor").exit_code == 0
    wrong = admin(location, "grant", "alice", "vision", "owner")
    assert wrong.exit_code == 2 and "viewer" in wrong.output
    nobody = admin(location, "grant", "zed", "vision", "viewer")
    assert nobody.exit_code == 2 and "no user named 'zed'" in nobody.output
    made = admin(location, "token", "create", "alice", "--expires", "30d", "--project", "vision")
    alice_token = token_of(made)
    listed = json.loads(admin(location, "users", "--json").output)
    assert {u["name"]: (u["is_admin"], u["roles"]) for u in listed} == {
        "root": (True, {}),
        "alice": (False, {"vision": "editor"}),
    }
    tokens = json.loads(admin(location, "token", "list", "--json").output)
    assert [(t["user"], t["project"], t["state"]) for t in tokens] == [
        ("root", None, "active"),
        ("alice", "vision", "active"),
    ]
    assert all("secret" not in json.dumps(t) and alice_token not in json.dumps(t) for t in tokens)
    database = open_database(location)
    accounts = SqlAccounts(database)
    assert accounts.authenticate(root_token).is_admin
    assert accounts.authenticate(alice_token).token_project == "vision"
    alice_id = tokens[1]["id"]
    assert admin(location, "token", "revoke", alice_id).exit_code == 0
    revoked_at = time.monotonic()  # another process's accounts believe a token for 1 s at most
    with pytest.raises(AuthenticationError, match="revoked"):
        while time.monotonic() - revoked_at < 1.5:
            accounts.authenticate(alice_token)
            time.sleep(0.05)
    assert time.monotonic() - revoked_at < 1.2
    table = admin(location, "audit")
    assert table.exit_code == 0 and "tokens.revoke" in table.output
    entries = json.loads(admin(location, "audit", "--json").output)
    assert [(e["action"], e["target"], e["status"]) for e in entries] == [
        ("users.create", "root", 200), ("tokens.create", entries[1]["target"], 200),
        ("users.create", "other", 400),  # refused attempts are recorded too
        ("users.create", "alice", 200), ("roles.grant", "alice/vision", 200),
        ("roles.grant", "zed/vision", 404), ("tokens.create", entries[6]["target"], 200),
        ("tokens.revoke", alice_id, 200),
    ]  # fmt: skip
    assert entries[6]["target"] == alice_id
    assert {e["actor"] for e in entries} == {entries[0]["actor"]}
    assert entries[0]["actor"].startswith("local:")  # self-declared: the OS user
    assert admin(location, "audit", "--verify").exit_code == 0
    with database.write() as cur:  # an entry is deleted behind the log's back
        cur.execute("DELETE FROM audit_log WHERE seq = 3")
    broken = admin(location, "audit", "--verify")
    assert broken.exit_code == 1 and "entry 3 is missing" in broken.output
    database.close()


def test_accounts_refuse_bad_input_with_what_to_fix(tmp_path: Path) -> None:
    accounts = SqlAccounts(open_database(str(tmp_path / "store")))
    with pytest.raises(InvalidValueError, match="user name"):
        accounts.create_user("../root")
    accounts.create_user("amy")
    with pytest.raises(InvalidValueError, match="in the past"):
        accounts.create_token("amy", expires_at=1)
    with pytest.raises(AuthenticationError, match="malformed"):
        accounts.authenticate("Bearer abc")
    _, text = accounts.create_token("amy")
    forged = text[:-1] + ("A" if text[-1] != "A" else "B")
    with pytest.raises(AuthenticationError, match="not known"):
        accounts.authenticate(forged)
    stored = accounts.database.read().execute("SELECT secret_hash FROM tokens").fetchone()[0]
    assert text.split("_")[-1] not in stored and len(stored) == 64  # only a hash is kept
    assert accounts.authenticate(text).user == "amy"


def test_audit_appends_from_many_threads_form_one_chain(location: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    log = SqlAuditLog(open_database(location))
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: log.append(f"u{i % 3}", "runs.append_events", str(i),
                                           "10.0.0.1", 200), range(80)))  # fmt: skip
    entries = list(log.entries())
    assert [e.seq for e in entries] == list(range(1, 81))
    assert sorted(int(e.target) for e in entries) == list(range(80))
    assert log.verify() == []
    log.database.close()


def test_expiry_takes_lengths_and_dates() -> None:
    assert parse_expiry("2w", now=100) == (100 + 14 * 86400) * 1000
    assert parse_expiry("2026-12-01T00:00:00+01:00") == 1_796_079_600_000  # 30 Nov, 23:00 UTC
    with pytest.raises(Exception, match="neither a length of time"):
        parse_expiry("soon")


def test_the_server_refuses_to_listen_publicly_without_auth(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    result = CliRunner().invoke(main, ["server", "--store", store, "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "refusing to listen on 0.0.0.0 without auth" in result.output
    assert "trackrecord admin bootstrap" in result.output
    needs_user = CliRunner().invoke(main, ["server", "--store", store, "--auth"])
    assert needs_user.exit_code == 2 and "at least one user" in needs_user.output


def test_an_admin_sets_a_password_from_stdin(tmp_path: Path) -> None:
    location = str(tmp_path / "store")
    assert admin(location, "bootstrap", "root").exit_code == 0
    args = ["admin", "user", "password", "root", "--stdin", "--store", location]
    result = CliRunner().invoke(main, args, input="a long enough secret\n")
    assert result.exit_code == 0, result.output
    accounts = SqlAccounts(open_database(location))
    assert accounts.login("root", "a long enough secret")[0].label == "web sign-in"
    short = CliRunner().invoke(main, args, input="short\n")
    assert short.exit_code == 2 and "at least 10" in short.output
