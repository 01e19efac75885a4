"""What a server is made of: its store, and optionally accounts and an audit log.

Example:
    >>> from trackrecord.store.sql import SqlStore
    >>> import tempfile
    >>> settings = ServerSettings.for_store(SqlStore.open(tempfile.mkdtemp()))
    >>> settings.auth_enabled
    False
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Protocol

from trackrecord.audit import AuditEntry
from trackrecord.errors import ConfigurationError
from trackrecord.event_schema import EventLimits
from trackrecord.identity import Identity, TokenRecord, UserRecord
from trackrecord.server.hosts import host_name
from trackrecord.store.base import Store

__all__ = ["Accounts", "AuditTrail", "ServerLimits", "ServerSettings"]


class Accounts(Protocol):
    """Users and tokens, as the server checks them on every request."""

    def authenticate(self, token: str) -> Identity:
        """The identity of a token's text; :class:`AuthenticationError` if it is not valid."""
        ...

    def cached_identity(self, token: str) -> Identity | None:
        """The identity of a token found valid moments ago, without a database call (the
        server asks on its event loop); None: call :meth:`authenticate`."""
        ...

    def has_users(self) -> bool:
        """Whether any user exists (auth is on once the first admin is made)."""
        ...

    def create_user(self, name: str, admin: bool = False) -> None:
        """Add a user."""
        ...

    def users(self) -> list[UserRecord]:
        """Every user with their roles."""
        ...

    def set_admin(self, name: str, admin: bool) -> None:
        """Make a user a server admin, or no longer one."""
        ...

    def disable_user(self, name: str) -> None:
        """Refuse every token of a user from now on."""
        ...

    def grant(self, name: str, project: str, role: str) -> None:
        """Give a user a role in a project."""
        ...

    def revoke_role(self, name: str, project: str) -> None:
        """Take away a user's role in a project."""
        ...

    def create_token(
        self, name: str, label: str = "", expires_at: int | None = None,
        project: str | None = None,
    ) -> tuple[TokenRecord, str]:  # fmt: skip
        """A new token: its record and its text."""
        ...

    def login(
        self, name: str, password: str, days: int = 30, source: str = "unknown"
    ) -> tuple[TokenRecord, str]:
        """A token for a user whose password is right (*source*: the client's address)."""
        ...

    def check_sign_in(self, name: str, password: str, source: str = "unknown") -> None:
        """:class:`AuthenticationError` unless *password* is the user's (counted as a sign-in)."""
        ...

    def user(self, name: str) -> UserRecord:
        """One user with their roles."""
        ...

    def tokens(self, user: str | None = None) -> list[TokenRecord]:
        """Tokens of a user, or of everyone."""
        ...

    def revoke_token(self, token_id: str) -> None:
        """Refuse a token from now on."""
        ...


class AuditTrail(Protocol):
    """Where the server appends one entry per mutating request."""

    def append(self, actor: str, action: str, target: str, source: str, status: int) -> object:
        """Record who did what to which target, from where, and how it ended."""
        ...

    def append_later(
        self, actor: str, action: str, target: str, source: str, status: int
    ) -> Future[Any]:
        """:meth:`append` done by a writer thread: a future, done once it is recorded."""
        ...

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until what :meth:`append_later` queued is recorded (False: timed out)."""
        ...

    def entries(self, since: int = 0, limit: int | None = None) -> Iterator[AuditEntry]:
        """Entries after seq *since*, oldest first."""
        ...

    def verify(self) -> list[str]:
        """Problems in the chain (empty: intact)."""
        ...


@dataclass(frozen=True)
class ServerLimits:
    """How much one request may carry; over a limit, the server answers 413 or 400.

    ``request_bytes``: a body the server reads whole (events, JSON), counted as it
    streams in, so a larger one is refused before it is held (artifact uploads stream
    to the artifact store and are not limited). ``events_per_request``: events in one
    append (the SDK sends at most 1,000). ``events``: the size of each event.
    """

    request_bytes: int = 64 << 20
    events_per_request: int = 10_000
    events: EventLimits = field(default_factory=EventLimits)


@dataclass
class ServerSettings:
    """A server's parts. ``accounts=None`` turns auth off (every request may do anything)."""

    store: Store
    accounts: Accounts | None = None
    audit: AuditTrail | None = None
    limits: ServerLimits = field(default_factory=ServerLimits)
    forwarded_allow_ips: tuple[str, ...] = ()
    """Proxies whose ``X-Forwarded-For`` (and ``-Proto``) is believed: IP addresses,
    networks (``10.0.0.0/8``) or ``*`` for any peer. By default none is: the client's
    address (in the audit log, and for the sign-in limits) is the connection's peer."""
    allowed_hosts: tuple[str, ...] = ()
    """Host names a server without auth answers besides ``localhost``, ``127.0.0.1`` and
    ``[::1]`` (see :mod:`trackrecord.server.origin`)."""
    worker_threads: int | None = None
    """Threads that run the store's blocking calls. None: as many as the store's database
    has connections (a PostgreSQL pool's size), since a thread beyond those only waits
    for one, and their waiting was a large cost under load; else anyio's default (40)."""

    @property
    def threads(self) -> int | None:
        """:attr:`worker_threads`, or what None means for this store (None: the default)."""
        if self.worker_threads is not None:
            return self.worker_threads
        database = getattr(self.store, "database", None)
        pool_size = getattr(database, "pool_size", None)
        return pool_size if isinstance(pool_size, int) else None

    def __post_init__(self) -> None:
        self.forwarded_allow_ips = tuple(map(_proxy, self.forwarded_allow_ips))
        self.allowed_hosts = tuple(map(_host_name, self.allowed_hosts))

    @property
    def auth_enabled(self) -> bool:
        """Whether requests must carry a token."""
        return self.accounts is not None

    @classmethod
    def for_store(
        cls,
        store: Store,
        auth: bool | None = None,
        limits: ServerLimits | None = None,
        *,
        forwarded_allow_ips: Sequence[str] = (),
        allowed_hosts: Sequence[str] = (),
    ) -> ServerSettings:
        """Settings for *store*: a SQL store brings its accounts and audit log.

        *auth* None turns auth on when the store has users; True requires it. Given
        *limits* also become a SQL store's event limits (so that it accepts what the
        server does); by default the server takes the store's. The other arguments are as
        the fields of the same names.
        """
        from trackrecord.store.sql import SqlStore

        proxies, hosts = tuple(forwarded_allow_ips), tuple(allowed_hosts)
        if not isinstance(store, SqlStore):
            return cls(
                store,
                limits=limits or ServerLimits(),
                forwarded_allow_ips=proxies,
                allowed_hosts=hosts,
            )
        from trackrecord.store.sql.accounts import SqlAccounts
        from trackrecord.store.sql.audit import SqlAuditLog

        if limits is not None:
            store.limits = limits.events
        limits = limits or ServerLimits(events=store.limits)
        accounts = SqlAccounts(store.database)
        enabled = accounts.has_users() if auth is None else auth
        audit = SqlAuditLog(store.database)
        return cls(store, accounts if enabled else None, audit, limits, proxies, hosts)


def _proxy(value: str) -> str:
    """*value* if it is ``*``, an IP address or a network; else :class:`ConfigurationError`."""
    value = value.strip()
    try:
        if value != "*":
            ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ConfigurationError(
            f"forwarded-allow-ips: {value!r} is not an IP address, a network (10.0.0.0/8) or *; "
            f"name the proxies in front of the server by address"
        ) from None
    return value


def _host_name(value: str) -> str:
    """*value* as :func:`~trackrecord.server.hosts.host_name` gives a Host header's name."""
    name = host_name(value)
    if not name or "/" in value or not all(c.isalnum() or c in ".-_:" for c in name):
        raise ConfigurationError(
            f"allowed host {value!r} is not a host name: give a name like tracker.local "
            f"(any port is allowed)"
        )
    return name
