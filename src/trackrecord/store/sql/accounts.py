"""Users, project roles and API tokens in the SQL database (SQLite or PostgreSQL).

Every change is an event of the store's ledger (see :mod:`~trackrecord.store.sql.ledger`),
and the ``users``, ``project_roles`` and ``tokens`` tables are its views, so
``trackrecord verify --all`` catches a role or an admin flag written into the database by
hand. Secrets stay out of the ledger: it commits to a password's or token's stored hash.

Example:
    >>> import tempfile
    >>> from trackrecord.store.sql import SqlStore
    >>> accounts = SqlAccounts(SqlStore.open(tempfile.mkdtemp()).database)
    >>> accounts.create_user("alice")
    >>> accounts.grant("alice", "vision", "editor")
    >>> token, text = accounts.create_token("alice", label="laptop")
    >>> accounts.authenticate(text).can("vision", "editor")
    True
"""

from __future__ import annotations

import functools
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

from trackrecord.errors import AuthenticationError, InvalidValueError, NotFoundError, StoreError
from trackrecord.identity import (
    Identity,
    Role,
    TokenRecord,
    UserRecord,
    check_password,
    check_role,
    check_user_name,
    new_token,
    parse_token,
    password_hash,
    secret_matches,
)
from trackrecord.store.sql.connection import Cursor, SqlDatabase
from trackrecord.store.sql.ledger import LEDGER_LOCK, append_ledger, commitment
from trackrecord.store.sql.sign_in import LOCKOUT_MS, SignInAttempts
from trackrecord.store.sql.token_cache import TokenCache

__all__ = ["REFUSED", "SqlAccounts"]

REFUSED: Final = (
    "sign-in refused: the user name or password is wrong, the user is disabled, or there "
    f"were too many failed sign-ins (they are then refused for {LOCKOUT_MS // 60_000} "
    "minutes); if it goes on, ask a server admin"
)
"""The one message of every refused sign-in, so that it tells nothing of which it was."""


@functools.cache
def _dummy_hash() -> str:
    """A hash to check unknown users' passwords against, so they take as long."""
    return password_hash(secrets.token_urlsafe(16))


_TOKEN_COLUMNS = "id, user_name, label, project, created_at, expires_at, revoked_at"


def _now() -> int:
    return time.time_ns() // 1_000_000


class SqlAccounts:
    """Manage and check users and tokens kept in *database*."""

    def __init__(self, database: SqlDatabase) -> None:
        self.database = database
        self._attempts = SignInAttempts(database)
        self._checked = TokenCache()

    @contextmanager
    def _write(self) -> Iterator[Cursor]:
        """A transaction holding the ledger's lock (accounts are ledger events)."""
        try:
            with self.database.write() as cur:
                if self.database.lock_run:
                    cur.execute(self.database.lock_run, (LEDGER_LOCK,))
                yield cur
        except self.database.errors as exc:
            raise StoreError(f"cannot update users in {self.database.location}: {exc}") from exc
        finally:  # once committed (or not): no token is believed from before the change
            self._checked.clear()

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        try:
            return self.database.read().execute(sql, args).fetchall()
        except self.database.errors as exc:
            raise StoreError(f"cannot read users in {self.database.location}: {exc}") from exc

    def has_users(self) -> bool:
        """Whether any user exists."""
        return bool(self._rows("SELECT 1 FROM users LIMIT 1"))

    def _require_user(self, name: str) -> None:
        if not self._rows("SELECT 1 FROM users WHERE name = ?", (name,)):
            raise NotFoundError(f"no user named {name!r}; list them with: trackrecord admin users")

    def create_user(self, name: str, admin: bool = False) -> None:
        """Add a user (a server admin with *admin*)."""
        check_user_name(name)
        with self._write() as cur:
            if cur.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise InvalidValueError(f"a user named {name!r} already exists")
            append_ledger(cur, "user.create", {"name": name, "admin": bool(admin)})

    def set_admin(self, name: str, admin: bool) -> None:
        """Make a user a server admin, or no longer one."""
        self._require_user(name)
        with self._write() as cur:
            append_ledger(cur, "user.admin", {"name": name, "admin": bool(admin)})

    def disable_user(self, name: str) -> None:
        """Refuse every token of a user from now on (their runs stay)."""
        self._require_user(name)
        with self._write() as cur:
            append_ledger(cur, "user.disable", {"name": name})

    def set_password(self, name: str, password: str) -> None:
        """Let a user sign in to the web UI with *password* (stored as a slow hash)."""
        self._require_user(name)
        stored = password_hash(password)
        committed = commitment(stored)
        with self._write() as cur:
            body = {"name": name, "password_sha256": committed}
            append_ledger(cur, "user.password", body, secrets={committed: stored})

    def login(
        self, name: str, password: str, days: int = 30, source: str = "unknown"
    ) -> tuple[TokenRecord, str]:
        """A token for a user whose password is right, valid for *days*.

        Raises :class:`AuthenticationError` as :meth:`check_sign_in` does; *source* is the
        client's address.
        """
        self.check_sign_in(name, password, source)
        return self.create_token(name, "web sign-in", _now() + days * 86_400_000)

    def check_sign_in(self, name: str, password: str, source: str = "unknown") -> None:
        """Check a user's password as a sign-in does (a fresh sign-in before a grave step).

        Raises :class:`AuthenticationError` with one message (:data:`REFUSED`) for an
        unknown user, a wrong password, a disabled user or too many failed sign-ins of the
        name or from *source* (see :mod:`~trackrecord.store.sql.sign_in`). Tokens are not
        affected by a lockout.
        """
        if not self._attempts.begin(name, source, _now()):
            raise AuthenticationError(REFUSED)
        rows = self._rows("SELECT password_hash, disabled_at FROM users WHERE name = ?", (name,))
        stored, disabled = rows[0] if rows else (None, None)
        right = check_password(password, stored or _dummy_hash())  # as slow for any name
        if not right or not rows or disabled is not None:
            raise AuthenticationError(REFUSED)
        self._attempts.succeeded(name, source)

    def user(self, name: str) -> UserRecord:
        """One user with their project roles (:class:`NotFoundError` if there is none)."""
        rows = self._rows(
            "SELECT name, is_admin, created_at, disabled_at FROM users WHERE name = ?", (name,)
        )
        if not rows:
            raise NotFoundError(f"no user named {name!r}; list them with: trackrecord admin users")
        found, admin, created, disabled = rows[0]
        return UserRecord(found, bool(admin), created, disabled, self._roles(name))

    def _roles(self, name: str) -> dict[str, Role]:
        rows = self._rows("SELECT project, role FROM project_roles WHERE user_name = ?", (name,))
        return {project: role for project, role in rows}

    def users(self) -> list[UserRecord]:
        """Every user with their project roles, by name."""
        roles: dict[str, dict[str, Role]] = {}
        for user, project, role in self._rows("SELECT user_name, project, role FROM project_roles"):
            roles.setdefault(user, {})[project] = role
        rows = self._rows("SELECT name, is_admin, created_at, disabled_at FROM users ORDER BY name")
        return [UserRecord(n, bool(a), c, d, roles.get(n, {})) for n, a, c, d in rows]

    def grant(self, name: str, project: str, role: str) -> None:
        """Give a user *role* in *project* (replacing the role they had there)."""
        checked = check_role(role)
        _check_text("project name", project)
        self._require_user(name)
        with self._write() as cur:
            append_ledger(cur, "role.grant", {"user": name, "project": project, "role": checked})

    def revoke_role(self, name: str, project: str) -> None:
        """Take away a user's role in *project*."""
        self._require_user(name)
        with self._write() as cur:
            append_ledger(cur, "role.revoke", {"user": name, "project": project})

    def create_token(
        self,
        name: str,
        label: str = "",
        expires_at: int | None = None,
        project: str | None = None,
    ) -> tuple[TokenRecord, str]:
        """A new token for a user: its record, and its text (shown once, never stored).

        *expires_at* is Unix milliseconds; *project* limits the token to one project.
        """
        self._require_user(name)
        _check_text("label", label, empty=True)
        if project is not None:
            _check_text("project name", project)
        if expires_at is not None and expires_at <= _now():
            raise InvalidValueError("the token's expiry is in the past; give a later time")
        token, created = new_token(), _now()
        committed = commitment(token.secret_hash)
        body = {"id": token.id, "user": name, "label": label, "project": project,
                "expires_at": expires_at, "secret_sha256": committed}  # fmt: skip
        with self._write() as cur:
            append_ledger(
                cur, "token.create", body, at=created, secrets={committed: token.secret_hash}
            )
        return TokenRecord(token.id, name, label, project, created, expires_at, None), token.text

    def tokens(self, user: str | None = None) -> list[TokenRecord]:
        """Tokens (of *user*, or of everyone), oldest first."""
        where, args = ("WHERE user_name = ?", (user,)) if user else ("", ())
        rows = self._rows(f"SELECT {_TOKEN_COLUMNS} FROM tokens {where} ORDER BY created_at", args)
        return [TokenRecord(*row) for row in rows]

    def revoke_token(self, token_id: str) -> None:
        """Refuse a token from now on."""
        if not self._rows("SELECT 1 FROM tokens WHERE id = ?", (token_id,)):
            raise NotFoundError(f"no token with id {token_id!r}; list them with: trackrecord "
                                f"admin token list")  # fmt: skip
        with self._write() as cur:
            revoked = cur.execute("SELECT revoked_at FROM tokens WHERE id = ?", (token_id,))
            if revoked.fetchone()[0] is None:
                append_ledger(cur, "token.revoke", {"id": token_id})

    def authenticate(self, token: str) -> Identity:
        """The identity a token's text stands for; :class:`AuthenticationError` if refused.

        A token found valid is believed for up to a second (see
        :mod:`~trackrecord.store.sql.token_cache`) without asking the database again;
        a change made through this object is honoured at once.
        """
        known = self._checked.get(token)
        if known is not None:
            return known
        generation = self._checked.generation
        identity = self._look_up(token)
        self._checked.put(token, identity, generation)
        return identity

    def cached_identity(self, token: str) -> Identity | None:
        """The identity of *token* if it was found valid within the last second and has not
        expired since (no database call: fit for the event loop); None otherwise."""
        return self._checked.get(token)

    def _look_up(self, token: str) -> Identity:
        """The token, its user and the user's roles, in one query."""
        token_id, secret = parse_token(token)
        rows = self._rows(
            "SELECT t.user_name, t.secret_hash, t.project, t.expires_at, t.revoked_at, "
            "u.is_admin, u.disabled_at, r.project, r.role FROM tokens t "
            "JOIN users u ON u.name = t.user_name "
            "LEFT JOIN project_roles r ON r.user_name = t.user_name WHERE t.id = ?",
            (token_id,),
        )
        if not rows or not secret_matches(secret, rows[0][1]):
            raise AuthenticationError("the token is not known to this server; check "
                                      "TRACKRECORD_TOKEN")  # fmt: skip
        user, _, project, expires_at, revoked_at, is_admin, disabled_at = rows[0][:7]
        if revoked_at is not None:
            raise AuthenticationError(f"token {token_id} was revoked; ask an admin for a new one")
        if expires_at is not None and expires_at <= _now():
            raise AuthenticationError(f"token {token_id} has expired; ask an admin for a new one")
        if disabled_at is not None:
            raise AuthenticationError(f"user {user!r} is disabled")
        roles: dict[str, Role] = {row[7]: row[8] for row in rows if row[7] is not None}
        return Identity(user, bool(is_admin), roles, token_id, project, expires_at)


def _check_text(what: str, value: str, empty: bool = False) -> None:
    if (not value and not empty) or len(value) > 200 or not value.isprintable():
        raise InvalidValueError(f"invalid {what} {value!r}: use 1 to 200 printable characters")
