"""What a server is made of: its store, and optionally accounts and an audit log.

Example:
    >>> from trackrecord.store.sql import SqlStore
    >>> import tempfile
    >>> settings = ServerSettings.for_store(SqlStore.open(tempfile.mkdtemp()))
    >>> settings.auth_enabled
    False
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from trackrecord.audit import AuditEntry
from trackrecord.event_schema import EventLimits
from trackrecord.identity import Identity, TokenRecord, UserRecord
from trackrecord.store.base import Store

__all__ = ["Accounts", "AuditTrail", "ServerLimits", "ServerSettings"]


class Accounts(Protocol):
    """Users and tokens, as the server checks them on every request."""

    def authenticate(self, token: str) -> Identity:
        """The identity of a token's text; :class:`AuthenticationError` if it is not valid."""
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

    def login(self, name: str, password: str, days: int = 30) -> tuple[TokenRecord, str]:
        """A token for a user whose password is right."""
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

    @property
    def auth_enabled(self) -> bool:
        """Whether requests must carry a token."""
        return self.accounts is not None

    @classmethod
    def for_store(
        cls, store: Store, auth: bool | None = None, limits: ServerLimits | None = None
    ) -> ServerSettings:
        """Settings for *store*: a SQL store brings its accounts and audit log.

        *auth* None turns auth on when the store has users; True requires it. Given
        *limits* also become a SQL store's event limits (so that it accepts what the
        server does); by default the server takes the store's.
        """
        from trackrecord.store.sql import SqlStore

        if not isinstance(store, SqlStore):
            return cls(store, limits=limits or ServerLimits())
        from trackrecord.store.sql.accounts import SqlAccounts
        from trackrecord.store.sql.audit import SqlAuditLog

        if limits is not None:
            store.limits = limits.events
        limits = limits or ServerLimits(events=store.limits)
        accounts = SqlAccounts(store.database)
        enabled = accounts.has_users() if auth is None else auth
        return cls(store, accounts if enabled else None, SqlAuditLog(store.database), limits)
