"""``trackrecord admin``: users, project roles, tokens and the audit log of a server's store.

These commands work on the store directly (``--store``, like ``trackrecord
server``), so the first admin can be made before any server runs. What they
change, and every attempt refused, is appended to the audit log as done by
``local:<os user>`` (see :mod:`trackrecord.local_audit`).

    trackrecord admin bootstrap alice --store postgresql://tr@db/tr
    trackrecord admin user create bob
    trackrecord admin grant bob vision editor
    trackrecord admin token create bob --expires 90d --project vision
    trackrecord admin token revoke 3f2a9c01d4e7
    trackrecord admin audit --verify
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import click

from trackrecord.cli.formats import format_time, to_json
from trackrecord.cli.locations import open_database, store_option
from trackrecord.cli.options import CommandError, json_option, table_width
from trackrecord.cli.render import Column, render_table
from trackrecord.errors import InvalidValueError, TrackRecordError
from trackrecord.identity import ROLES
from trackrecord.local_audit import Change, LocalAudit

__all__ = ["admin", "parse_expiry"]

_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_expiry(text: str, now: float | None = None) -> int:
    """An expiry as Unix milliseconds: a length of time (``90d``, ``12h``) or a date.

    Example:
        >>> parse_expiry("1d", now=0)
        86400000
        >>> parse_expiry("2027-01-01")
        1798761600000
    """
    now = time.time() if now is None else now
    if match := re.fullmatch(r"(\d+)\s*([mhdw])", text.strip()):
        return int((now + int(match.group(1)) * _UNITS[match.group(2)]) * 1000)
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is neither a length of time (30d, 12h, 2w) nor a date (2027-01-31)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return int(when.timestamp() * 1000)


class _Admin:
    """The accounts and audit log of one store, and who acts on them."""

    def __init__(self, store_location: str) -> None:
        from trackrecord.store.sql.accounts import SqlAccounts
        from trackrecord.store.sql.audit import SqlAuditLog

        self.database = open_database(store_location)
        self.accounts = SqlAccounts(self.database)
        self.audit = SqlAuditLog(self.database)
        self._changes = LocalAudit(self.audit)

    def change(self, action: str, target: str) -> AbstractContextManager[Change]:
        """Record the change made inside the block (see :meth:`LocalAudit.change`)."""
        return self._changes.change(action, target)


@contextmanager
def _admin(store_location: str) -> Iterator[_Admin]:
    try:
        admin_ = _Admin(store_location)
        try:
            yield admin_
        finally:
            admin_.database.close()
    except TrackRecordError as exc:
        raise CommandError(str(exc)) from exc


def _print_token(text: str, user: str) -> None:
    click.echo(f"Token for {user} (shown once; keep it secret):\n\n  {text}\n")
    click.echo(f"Clients use it with: export TRACKRECORD_TOKEN={text}")


@click.group()
def admin() -> None:
    """Manage a server's users, project roles, tokens and audit log (on its store)."""


@admin.command()
@click.argument("name")
@store_option
def bootstrap(name: str, store_location: str) -> None:
    """Make the first user, a server admin, and print their token.

    Once a store has a user, `trackrecord server` on it requires tokens.
    """
    with _admin(store_location) as a:
        with a.change("users.create", name):
            if a.accounts.has_users():  # a refusal the audit log records, as it does others
                raise InvalidValueError(
                    "this store already has users; an admin adds more with: trackrecord admin "
                    "user create NAME"
                )
            a.accounts.create_user(name, admin=True)
        with a.change("tokens.create", name) as change:
            record, text = a.accounts.create_token(name, label="bootstrap")
            change.target = record.id
    _print_token(text, name)


@admin.group()
def user() -> None:
    """Create, list and disable users."""


@user.command("create")
@click.argument("name")
@click.option("--admin", "is_admin", is_flag=True, help="Make the user a server admin.")
@store_option
def user_create(name: str, is_admin: bool, store_location: str) -> None:
    """Add a user (then give them roles with `admin grant` and a token with `admin token`)."""
    with _admin(store_location) as a, a.change("users.create", name):
        a.accounts.create_user(name, admin=is_admin)
    click.echo(f"created {'server admin' if is_admin else 'user'} {name}")


@user.command("disable")
@click.argument("name")
@store_option
def user_disable(name: str, store_location: str) -> None:
    """Refuse every token of a user from now on (their runs stay)."""
    with _admin(store_location) as a, a.change("users.disable", name):
        a.accounts.disable_user(name)
    click.echo(f"disabled {name}")


@user.command("password")
@click.argument("name")
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the password from stdin.")
@store_option
def user_password(name: str, from_stdin: bool, store_location: str) -> None:
    """Set the password user NAME signs in to the web UI with (asked twice, hidden)."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _admin(store_location) as a, a.change("users.set_password", name):
        a.accounts.set_password(name, password)
    click.echo(f"{name} can now sign in with a password")


@user.command("set-admin")
@click.argument("name")
@click.option("--no", "remove", is_flag=True, help="Take the server admin role away instead.")
@store_option
def user_set_admin(name: str, remove: bool, store_location: str) -> None:
    """Make a user a server admin (or, with --no, no longer one)."""
    action = "users.unset_admin" if remove else "users.set_admin"
    with _admin(store_location) as a, a.change(action, name):
        a.accounts.set_admin(name, not remove)
    click.echo(f"{name} is {'no longer ' if remove else ''}a server admin")


@admin.command("users")
@store_option
@json_option
def users(store_location: str, as_json: bool) -> None:
    """List users with their roles."""
    with _admin(store_location) as a:
        found = a.accounts.users()
    if as_json:
        click.echo(to_json([{"name": u.name, "is_admin": u.is_admin, "created_at": u.created_at,
                             "disabled_at": u.disabled_at, "roles": dict(u.roles)}
                            for u in found]))  # fmt: skip
        return
    rows = [[u.name, "yes" if u.is_admin else "", format_time(u.created_at),
             "disabled" if u.disabled_at else "active",
             ", ".join(f"{p}:{r}" for p, r in sorted(u.roles.items()))] for u in found]  # fmt: skip
    columns = [Column("user"), Column("admin"), Column("created"), Column("state"),
               Column("roles", max_width=60)]  # fmt: skip
    for line in render_table(columns, rows, width=table_width()):
        click.echo(line)


@admin.command()
@click.argument("name")
@click.argument("project")
@click.argument("role", type=click.Choice(ROLES))
@store_option
def grant(name: str, project: str, role: str, store_location: str) -> None:
    """Give user NAME the ROLE (viewer, editor, admin) in PROJECT."""
    with _admin(store_location) as a, a.change("roles.grant", f"{name}/{project}"):
        a.accounts.grant(name, project, role)
    click.echo(f"{name} is now {role} of {project}")


@admin.command()
@click.argument("name")
@click.argument("project")
@store_option
def revoke(name: str, project: str, store_location: str) -> None:
    """Take away user NAME's role in PROJECT."""
    with _admin(store_location) as a, a.change("roles.revoke", f"{name}/{project}"):
        a.accounts.revoke_role(name, project)
    click.echo(f"{name} has no role in {project} now")


@admin.group()
def token() -> None:
    """Create, list and revoke API tokens.

    These commands work on the store itself, as the server's operator. Through the
    API, a token makes only tokens as narrow as itself (its project, no later expiry),
    and a token with a server admin's powers needs the caller's password.
    """


@token.command("create")
@click.argument("name")
@click.option("--label", default="", help="What the token is for (shown in listings).")
@click.option("--expires", default=None, help="When it stops working: 90d, 12h, 2w or a date.")
@click.option("--project", default=None, help="Limit the token to this project.")
@store_option
def token_create(
    name: str, label: str, expires: str | None, project: str | None, store_location: str
) -> None:
    """Make a token for user NAME and print it (it is shown only this once)."""
    expires_at = None if expires is None else parse_expiry(expires)
    with _admin(store_location) as a, a.change("tokens.create", name) as change:
        record, text = a.accounts.create_token(name, label, expires_at, project)
        change.target = record.id
    _print_token(text, name)


@token.command("list")
@click.option("--user", "user_name", default=None, help="Only this user's tokens.")
@store_option
@json_option
def token_list(user_name: str | None, store_location: str, as_json: bool) -> None:
    """List tokens (never their secrets)."""
    with _admin(store_location) as a:
        found = a.accounts.tokens(user_name)
    now = time.time_ns() // 1_000_000
    if as_json:
        click.echo(to_json([t.__dict__ | {"state": t.state(now)} for t in found]))
        return
    rows = [[t.id, t.user, t.label, t.project or "(all)", format_time(t.created_at),
             format_time(t.expires_at) if t.expires_at else "never", t.state(now)]
            for t in found]  # fmt: skip
    columns = [Column(h) for h in ("id", "user", "label", "project", "created", "expires",
                                   "state")]  # fmt: skip
    for line in render_table(columns, rows, width=table_width()):
        click.echo(line)


@token.command("revoke")
@click.argument("token_id")
@store_option
def token_revoke(token_id: str, store_location: str) -> None:
    """Refuse the token TOKEN_ID from now on (see ids with: admin token list)."""
    with _admin(store_location) as a, a.change("tokens.revoke", token_id):
        a.accounts.revoke_token(token_id)
    click.echo(f"revoked token {token_id}")


@admin.command()
@click.option("--since", default=0, show_default=True, help="Only entries after this number.")
@click.option("--limit", default=None, type=int, help="At most this many entries.")
@click.option("--verify", "check", is_flag=True, help="Check the hash chain instead of listing.")
@store_option
@json_option
def audit(since: int, limit: int | None, check: bool, store_location: str, as_json: bool) -> None:
    """Show the audit log: who did what, to what, when and from where.

    With --verify, recompute its hash chain and report any entry that was
    altered, inserted or removed (exit status 1).
    """
    with _admin(store_location) as a:
        if check:
            problems = a.audit.verify()
            for problem in problems:
                click.echo(problem)
            if problems:
                raise SystemExit(1)
            click.echo("the audit log is intact")
            return
        found = list(a.audit.entries(since, limit))
    if as_json:
        click.echo(to_json([e.__dict__ for e in found]))
        return
    rows = [[str(e.seq), format_time(e.time, seconds=True), e.actor, e.action, e.target,
             e.source, str(e.status)] for e in found]  # fmt: skip
    columns = [Column("seq", align="right"), Column("time"), Column("who"), Column("action"),
               Column("target"), Column("from"), Column("status", align="right")]  # fmt: skip
    for line in render_table(columns, rows, width=table_width()):
        click.echo(line)
