"""A server with auth on and hostile members: the stage of every attack in tests/security/.

Seven identities across three projects (as in the red-team pass of issue 14):

| identity  | roles                                 | token                      |
|-----------|---------------------------------------|----------------------------|
| root      | server admin                          | unlimited                  |
| alice     | editor of alpha                       | unlimited                  |
| vera      | viewer of alpha                       | unlimited                  |
| mallory   | editor of alpha and beta              | limited to alpha, 1 h      |
| bob       | editor of beta                        | unlimited                  |
| dave      | admin of beta                         | unlimited                  |
| carol     | editor of gamma                       | unlimited                  |

Each project starts with one run (params ``lr``, a ``loss`` series, a tag). ``realm`` serves a
SQLite store; ``pg_realm`` the same on a fresh PostgreSQL database.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.pg import fresh_database
from tests.server_thread import serving
from tests.store.conftest import Chain
from trackrecord.artifacts.local import LocalArtifactStore
from trackrecord.record.events import Event
from trackrecord.record.framing import encode_event
from trackrecord.server.settings import ServerSettings
from trackrecord.store.remote import RemoteStore
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.accounts import SqlAccounts

PROJECTS = ("alpha", "beta", "gamma")
MEMBERS: dict[str, dict[str, str]] = {
    "alice": {"alpha": "editor"},
    "vera": {"alpha": "viewer"},
    "mallory": {"alpha": "editor", "beta": "editor"},
    "bob": {"beta": "editor"},
    "dave": {"beta": "admin"},
    "carol": {"gamma": "editor"},
}
PASSWORD = "correct horse battery"


@dataclass
class Realm:
    """The server, its store and accounts, a token per identity and a run per project."""

    url: str
    store: SqlStore
    accounts: SqlAccounts
    tokens: dict[str, str]
    runs: dict[str, Chain] = field(default_factory=dict)

    def client(self, who: str | None, **headers: str) -> httpx.Client:
        """An HTTP client acting as *who* (None: no token)."""
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def remote(self, who: str) -> RemoteStore:
        """A RemoteStore acting as *who*."""
        return RemoteStore(self.url, self.tokens[who])

    def post_events(self, who: str, events: list[Event]) -> httpx.Response:
        """POST *events* (of one run) as *who*; the raw response."""
        with self.client(who) as client:
            return client.post(
                f"/api/v1/runs/{events[0].run_id}/events",
                content=b"".join(encode_event(e) for e in events),
            )

    def continue_run(self, project: str) -> Chain:
        """A Chain that continues the seeded run of *project* (its events so far included)."""
        seeded = self.runs[project]
        chain = Chain(project, run_id=seeded.run_id)
        chain.events = list(seeded.events)
        chain.time = seeded.time
        return chain


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


@contextmanager
def realm_on(store: SqlStore) -> Iterator[Realm]:
    """Seed *store* with the identities and runs above and serve it with auth on."""
    accounts = SqlAccounts(store.database)
    accounts.create_user("root", admin=True)
    accounts.set_password("root", PASSWORD)
    for name, roles in MEMBERS.items():
        accounts.create_user(name)
        accounts.set_password(name, PASSWORD)
        for project, role in roles.items():
            accounts.grant(name, project, role)
    tokens = {name: accounts.create_token(name)[1] for name in ("root", *MEMBERS)}
    tokens["mallory"] = accounts.create_token(
        "mallory", label="alpha only", expires_at=_now_ms() + 3_600_000, project="alpha"
    )[1]
    runs: dict[str, Chain] = {}
    for project in PROJECTS:
        chain = Chain(project, config={"lr": 0.1, "secret": f"{project}-secret"})
        chain.add("tags", {"tags": {"owner": project}})
        chain.metrics(loss=([0, 1, 2], [1.0, 0.5, 0.25]))
        store.append_events(chain.events)
        runs[project] = chain
    with serving(ServerSettings.for_store(store, auth=True)) as url:
        yield Realm(url, store, accounts, tokens, runs)


@pytest.fixture
def realm(tmp_path: Path) -> Iterator[Realm]:
    """The realm on a SQLite store."""
    store = SqlStore.open(tmp_path / "server")
    with realm_on(store) as seeded:
        yield seeded
    store.close()


@pytest.fixture
def pg_realm(tmp_path: Path) -> Iterator[Realm]:
    """The realm on a fresh PostgreSQL database (artifacts in a local directory)."""
    with fresh_database(ordinary_role=True) as url:  # a role that row-level security binds
        store = SqlStore.connect(url, LocalArtifactStore(tmp_path / "artifacts"))
        with realm_on(store) as seeded:
            yield seeded
        store.close()


def error_of(response: httpx.Response) -> dict[str, str]:
    """The ``error`` object of a response in the one error shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    return dict(body["error"])
