"""Whose address the server records: the peer's, or a configured proxy's client's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from tests.server_thread import serving
from trackrecord.cli import main
from trackrecord.errors import ConfigurationError
from trackrecord.server.settings import ServerSettings
from trackrecord.store.sql import SqlStore
from trackrecord.store.sql.accounts import SqlAccounts


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    opened = SqlStore.open(tmp_path / "store")
    accounts = SqlAccounts(opened.database)
    accounts.create_user("root", admin=True)
    yield opened
    opened.close()


def _audited_source(store: SqlStore, proxies: list[str], forwarded: str) -> str:
    """Make a token through a server trusting *proxies*; the source its audit entry names."""
    _, token = SqlAccounts(store.database).create_token("root")
    settings = ServerSettings.for_store(store, auth=True, forwarded_allow_ips=proxies)
    with serving(settings) as url:
        made = httpx.post(f"{url}/api/v1/admin/users/root/tokens", json={"project": "p"},
                          headers={"Authorization": f"Bearer {token}",
                                   "X-Forwarded-For": forwarded})  # fmt: skip
        assert made.status_code == 201
    entries = [e for e in store.database.read().execute("SELECT source FROM audit_log")]
    return str(entries[-1][0])


@pytest.mark.parametrize(
    ("proxies", "forwarded", "source"),
    [([], "203.0.113.9", "127.0.0.1"),  # nobody is believed by default
     (["10.0.0.0/8"], "203.0.113.9", "127.0.0.1"),  # the peer is not a configured proxy
     (["127.0.0.1"], "203.0.113.9", "203.0.113.9"),  # the peer is: its client is believed
     (["127.0.0.0/8"], "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # the hop it added
     (["*"], "203.0.113.9", "203.0.113.9")],
)  # fmt: skip
def test_x_forwarded_for_is_believed_from_configured_proxies_only(
    store: SqlStore, proxies: list[str], forwarded: str, source: str
) -> None:
    assert _audited_source(store, proxies, forwarded) == source


def test_a_proxy_that_is_no_address_is_refused(store: SqlStore, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not an IP address"):
        ServerSettings.for_store(store, forwarded_allow_ips=["proxy.lan"])
    done = CliRunner().invoke(
        main, ["server", "--store", str(tmp_path / "store"), "--forwarded-allow-ips", "x/y"]
    )
    assert done.exit_code != 0 and "not an IP address" in done.output
