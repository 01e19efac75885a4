"""Who is asking, and what their roles allow: users, project roles and API tokens.

Roles are per project and ordered: a ``viewer`` reads, an ``editor`` also
logs runs and edits them, an ``admin`` also manages the project's members. A
server admin may do anything anywhere, including managing users and reading
the audit log. A token may be limited to one project: it then acts with its
user's role in that project and sees nothing of any other.

Tokens look like ``trk_<id>_<secret>``: the id is stored in clear (to find
the token and to name it in listings and the audit log), the secret only as
its SHA-256. Secrets are 256 random bits, so a fast hash is safe for them
(unlike passwords, they cannot be guessed from a dictionary).

Example:
    >>> alice = Identity("alice", roles={"vision": "editor"})
    >>> alice.can("vision", "viewer"), alice.can("vision", "admin"), alice.can("nlp", "viewer")
    (True, False, False)
    >>> token = new_token()
    >>> parse_token(token.text)[0] == token.id
    True
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from trackrecord.errors import AuthenticationError, InvalidValueError, PermissionDeniedError

__all__ = [
    "ANONYMOUS",
    "ROLES",
    "Identity",
    "NewToken",
    "Role",
    "TokenRecord",
    "UserRecord",
    "check_password",
    "check_role",
    "check_user_name",
    "new_token",
    "parse_token",
    "password_hash",
    "secret_hash",
    "secret_matches",
]

Role = Literal["viewer", "editor", "admin"]
ROLES: Final[tuple[Role, ...]] = ("viewer", "editor", "admin")
_TOKEN = re.compile(r"trk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
_USER = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")


@dataclass(frozen=True)
class Identity:
    """The user a request acts for, with their roles (project name to role)."""

    user: str
    is_admin: bool = False
    roles: Mapping[str, Role] = field(default_factory=dict)
    token_id: str | None = None
    """The token the request came with (None when auth is off or for local admin commands)."""
    token_project: str | None = None
    """The one project the token is limited to, if any."""
    token_expires_at: int | None = None
    """When the token stops working (Unix milliseconds), if ever."""

    def role_in(self, project: str) -> Role | None:
        """This identity's role in *project* (None: it sees nothing of it)."""
        if self.token_project is not None and project != self.token_project:
            return None
        if self.is_admin:
            return "admin"
        return self.roles.get(project)

    def can(self, project: str, role: Role) -> bool:
        """Whether this identity holds *role* (or a higher one) in *project*."""
        held = self.role_in(project)
        return held is not None and ROLES.index(held) >= ROLES.index(role)

    def token_limits(
        self, project: str | None, expires_at: int | None
    ) -> tuple[str | None, int | None]:
        """The project and expiry of a token this identity's token may make.

        A token only makes tokens as narrow as itself: limited to its project (if it has
        one) and expiring no later than it does. *project* or *expires_at* None asks for
        the widest allowed; a wider one raises :class:`PermissionDeniedError`.

        Example:
            >>> Identity("mallory", token_project="alpha", token_expires_at=5).token_limits(
            ...     None, None)
            ('alpha', 5)
        """
        mine, until = self.token_project, self.token_expires_at
        if mine is not None and project not in (None, mine):
            raise PermissionDeniedError(
                f"this token is limited to project {mine!r}, so the tokens it makes are too; "
                f"to make one for {project!r}, use a token that is not limited to a project"
            )
        if until is not None and (expires_at is None or expires_at > until):
            if expires_at is not None:
                raise PermissionDeniedError(
                    f"this token expires at {_utc(until)}, and the tokens it makes must not "
                    f"outlive it; ask for a shorter time, or leave the expiry out to get its own"
                )
            expires_at = until
        return mine if project is None else project, expires_at

    def covers(self, token: TokenRecord) -> bool:
        """Whether *token* is within this identity's token's scope (to list or revoke it)."""
        return self.token_project is None or token.project == self.token_project

    def visible_projects(self) -> frozenset[str] | None:
        """The projects this identity may read, or None for every project."""
        if self.token_project is not None:
            return frozenset({self.token_project} if self.role_in(self.token_project) else ())
        return None if self.is_admin else frozenset(self.roles)


@dataclass(frozen=True)
class UserRecord:
    """A user as listed to admins. Times are Unix milliseconds."""

    name: str
    is_admin: bool
    created_at: int
    disabled_at: int | None
    roles: Mapping[str, Role]


@dataclass(frozen=True)
class TokenRecord:
    """A token as listed to admins: never its secret."""

    id: str
    user: str
    label: str
    project: str | None
    created_at: int
    expires_at: int | None
    revoked_at: int | None

    def state(self, now_ms: int) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now_ms:
            return "expired"
        return "active"


ANONYMOUS: Final = Identity("anonymous", is_admin=True)
"""Every request when the server runs without auth (it then listens on localhost only)."""


@dataclass(frozen=True)
class NewToken:
    """A token just made: ``text`` is shown to its owner once and never stored."""

    id: str
    secret_hash: str
    text: str


def new_token() -> NewToken:
    """A fresh random token."""
    token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    return NewToken(token_id, secret_hash(secret), f"trk_{token_id}_{secret}")


def parse_token(text: str) -> tuple[str, str]:
    """The id and secret of a token's text; :class:`AuthenticationError` if malformed."""
    match = _TOKEN.fullmatch(text.strip())
    if match is None:
        raise AuthenticationError(
            "the token is malformed: TrackRecord tokens look like trk_<12 hex>_<43 characters>; "
            "create one with: trackrecord admin token create USER"
        )
    return match.group(1), match.group(2)


def secret_hash(secret: str) -> str:
    """What is stored of a token's secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    """Whether *secret* is the one whose hash was stored (constant time)."""
    return hmac.compare_digest(secret_hash(secret), stored_hash)


def check_role(role: str) -> Role:
    """*role* as a :data:`Role`, or :class:`InvalidValueError` naming the choices."""
    if role not in ROLES:
        raise InvalidValueError(f"unknown role {role!r}; use one of: {', '.join(ROLES)}")
    return role


def check_user_name(name: str) -> str:
    """*name* if it is a valid user name, else :class:`InvalidValueError`."""
    if not _USER.fullmatch(name):
        raise InvalidValueError(
            f"invalid user name {name!r}: use 1 to 64 lowercase letters, digits and . _ @ -, "
            f"starting with a letter or digit"
        )
    return name


_SCRYPT: Final = {"n": 2**14, "r": 8, "p": 1}
MIN_PASSWORD: Final = 10


def password_hash(password: str) -> str:
    """What is stored of a password: ``scrypt$<salt>$<hash>`` (slow to guess on purpose)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidValueError(
            f"the password is {len(password)} characters long; use at least {MIN_PASSWORD}"
        )
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return "scrypt$" + "$".join(base64.b64encode(b).decode() for b in (salt, digest))


def check_password(password: str, stored: str | None) -> bool:
    """Whether *password* is the one whose :func:`password_hash` was stored."""
    if not stored or stored.count("$") != 2 or not stored.startswith("scrypt$"):
        return False
    salt, digest = (base64.b64decode(part) for part in stored.split("$")[1:])
    candidate = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return hmac.compare_digest(candidate, digest)


def _utc(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
