"""What a server is made of: its store, and optionally accounts and an audit log.

Example:
    >>> from trackrecord.store.sql import SqlStore
    >>> import tempfile
    >>> settings = ServerSettings.for_store(SqlStore.open(tempfile.mkdtemp()))
    >>> settings.auth_enabled
    False
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from trackrecord.identity import Identity
from trackrecord.store.base import Store

__all__ = ["Accounts", "AuditTrail", "ServerSettings"]


class Accounts(Protocol):
    """Users and tokens, as the server checks them on every request."""

    def authenticate(self, token: str) -> Identity:
        """The identity of a token's text; :class:`AuthenticationError` if it is not valid."""
        ...

    def has_users(self) -> bool:
        """Whether any user exists (auth is on once the first admin is made)."""
        ...


class AuditTrail(Protocol):
    """Where the server appends one entry per mutating request."""

    def append(self, actor: str, action: str, target: str, source: str, status: int) -> object:
        """Record who did what to which target, from where, and how it ended."""
        ...


@dataclass
class ServerSettings:
    """A server's parts. ``accounts=None`` turns auth off (every request may do anything)."""

    store: Store
    accounts: Accounts | None = None
    audit: AuditTrail | None = None

    @property
    def auth_enabled(self) -> bool:
        """Whether requests must carry a token."""
        return self.accounts is not None

    @classmethod
    def for_store(cls, store: Store, auth: bool | None = None) -> ServerSettings:
        """Settings for *store*: a SQL store brings its accounts and audit log.

        *auth* None turns auth on when the store has users; True requires it.
        """
        from trackrecord.store.sql import SqlStore

        if not isinstance(store, SqlStore):
            return cls(store)
        from trackrecord.store.sql.accounts import SqlAccounts
        from trackrecord.store.sql.audit import SqlAuditLog

        accounts = SqlAccounts(store.database)
        enabled = accounts.has_users() if auth is None else auth
        return cls(store, accounts if enabled else None, SqlAuditLog(store.database))
