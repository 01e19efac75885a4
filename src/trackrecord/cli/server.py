"""``trackrecord server``: share a store over HTTP."""

from __future__ import annotations

import functools
import ipaddress
import socket
from collections.abc import Callable
from typing import Any, Final, TypeVar, cast

import click

from trackrecord.cli.locations import artifact_store, open_server_store, store_option
from trackrecord.event_schema import EventLimits
from trackrecord.server.settings import ServerLimits, ServerSettings

__all__ = ["allowed_host_option", "is_loopback", "limit_options", "server"]

F = TypeVar("F", bound=Callable[..., Any])
_LIMITS: Final = (  # flag, field of ServerLimits or EventLimits, what it bounds
    ("--max-request-bytes", "request_bytes", "Bytes of an events or JSON body (counted as "
     "it streams in; artifact uploads are not limited)."),
    ("--max-events-per-request", "events_per_request", "Events in one append request."),
    ("--max-keys-per-event", "keys_per_event", "Keys of any one object of an event (params, "
     "tags...) and metric keys of a metrics event."),
    ("--max-value-bytes", "value_bytes", "UTF-8 bytes of any one text of an event, and of "
     "any one param value as JSON."),
    ("--max-json-depth", "json_depth", "Nesting of objects and arrays in an event's body."),
)  # fmt: skip


def is_loopback(host: str) -> bool:
    """Whether *host* is a loopback name or address (``localhost``, ``127.0.0.1``, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(info[4][0]).is_loopback
                       for info in socket.getaddrinfo(host, None))  # fmt: skip
        except (OSError, ValueError):
            return False


allowed_host_option = click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    help="Without auth, a Host name to answer besides localhost, 127.0.0.1 and [::1] "
    "(others are refused against DNS rebinding); repeat for more.",
)


def _row_security(settings: ServerSettings) -> bool:
    """False when the store is on PostgreSQL and its row-level security binds nobody."""
    from trackrecord.store.sql import SqlStore
    from trackrecord.store.sql.postgres import PostgresDatabase

    store = settings.store
    if isinstance(store, SqlStore) and isinstance(store.database, PostgresDatabase):
        return store.database.row_security
    return True


def limit_options(function: F) -> F:
    """The ``--max-*`` options; the command receives them as one ``limits`` (ServerLimits)."""
    server_fields, event_fields = vars(ServerLimits()), vars(EventLimits())

    @functools.wraps(function)
    def command(*args: Any, **options: Any) -> Any:
        given = {field: options.pop(field) for _, field, _ in _LIMITS}
        events = EventLimits(**{k: v for k, v in given.items() if k in event_fields})
        options["limits"] = ServerLimits(
            **{k: v for k, v in given.items() if k in server_fields and k != "events"},
            events=events,
        )
        return function(*args, **options)

    for flag, field, text in reversed(_LIMITS):
        default = {**server_fields, **event_fields}[field]
        option = click.option(flag, field, type=click.IntRange(min=1), default=default,
                              show_default=True, help=text)  # fmt: skip
        command = option(command)
    return cast(F, command)


def _start_checkpoints(store: object, key_file: str | None, interval: float) -> None:
    """Sign a checkpoint of the store's transparency log every *interval* seconds."""
    from trackrecord.errors import TrackRecordError
    from trackrecord.transparency.keys import load_or_create_key, store_checkpoint_key

    log = getattr(store, "log", None)
    if log is None:
        raise click.UsageError("checkpoints need a store with a database (--store)")
    try:
        key = (load_or_create_key(key_file) if key_file
               else store_checkpoint_key(log.store_id()))  # fmt: skip
        log.checkpoint(key)
    except TrackRecordError as exc:
        raise click.ClickException(f"checkpoint key: {exc}") from exc
    click.echo(f"checkpoints of {log.store_id()} signed with key {key.id} ({key.path}) every "
               f"{interval:g} s")  # fmt: skip
    log.issue_every(key, interval)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, help="Port to listen on.")
@store_option
@click.option(
    "--artifacts",
    default=None,
    help="A directory or s3://bucket/prefix (default: the store directory's artifacts/).",
)
@click.option(
    "--s3-endpoint",
    envvar="AWS_ENDPOINT_URL",
    default=None,
    help="The S3 server of a non-AWS store (SeaweedFS, MinIO...) [env AWS_ENDPOINT_URL].",
)
@click.option("--s3-access-key", envvar="AWS_ACCESS_KEY_ID", default=None,
              help="S3 access key [env AWS_ACCESS_KEY_ID].")  # fmt: skip
@click.option("--s3-secret-key", envvar="AWS_SECRET_ACCESS_KEY", default=None,
              help="S3 secret key [env AWS_SECRET_ACCESS_KEY].")  # fmt: skip
@click.option(
    "--presign/--no-presign",
    default=True,
    show_default=True,
    help="Let clients move artifact bytes straight to and from S3 with presigned URLs "
    "(turn off when clients cannot reach the S3 endpoint).",
)
@click.option(
    "--auth/--no-auth",
    default=None,
    help="Require tokens (default: on once the store has a user; see trackrecord admin).",
)
@click.option(
    "--forwarded-allow-ips",
    envvar="FORWARDED_ALLOW_IPS",
    default="",
    help="Comma-separated addresses or networks of the proxies in front of the server, "
    "whose X-Forwarded-For is believed (* for any) [env FORWARDED_ALLOW_IPS; default: "
    "none, the client is the connection's peer].",
)
@click.option(
    "--checkpoint-key",
    type=click.Path(dir_okay=False),
    default=None,
    help="The Ed25519 key file (PEM) the server signs its transparency-log checkpoints with, "
    "made there if missing; keep it outside the database (a file or a mounted secret). "
    "Default: the store's key in ~/.config/trackrecord/checkpoint-keys.",
)
@click.option(
    "--checkpoint-interval",
    type=click.FloatRange(min=1),
    default=300.0,
    show_default=True,
    help="Seconds between checkpoints (issued only when the log has grown).",
)
@allowed_host_option
@limit_options
def server(
    host: str,
    port: int,
    store_location: str,
    artifacts: str | None,
    s3_endpoint: str | None,
    s3_access_key: str | None,
    s3_secret_key: str | None,
    presign: bool,
    auth: bool | None,
    forwarded_allow_ips: str,
    allowed_hosts: tuple[str, ...],
    limits: ServerLimits,
    checkpoint_key: str | None = None,
    checkpoint_interval: float = 300.0,
) -> None:
    """Serve a store over HTTP: training code logs to it with TRACKRECORD_URI=http://HOST:PORT.

    Example: trackrecord server --store postgresql://tr@db/tr --artifacts s3://bucket/runs

    Without auth (no user yet, or --no-auth) anyone who can reach the server may
    read and write everything, so it listens on localhost only. Make the first
    admin with: trackrecord admin bootstrap NAME --store ...
    """
    try:
        import uvicorn
    except ImportError:
        raise click.UsageError("the server needs: pip install 'trackrecord[server]'") from None
    from trackrecord.errors import TrackRecordError
    from trackrecord.server.access_log import log_to_stderr
    from trackrecord.server.app import create_app

    try:
        bytes_store = artifact_store(artifacts, store_location, s3_endpoint, s3_access_key,
                                     s3_secret_key, presign)  # fmt: skip
        proxies = [ip for ip in forwarded_allow_ips.split(",") if ip.strip()]
        store = open_server_store(store_location, bytes_store)
        settings = ServerSettings.for_store(store, auth, limits, forwarded_allow_ips=proxies,
                                            allowed_hosts=allowed_hosts)  # fmt: skip
    except TrackRecordError as exc:
        raise click.ClickException(str(exc)) from exc
    if settings.accounts is not None and not settings.accounts.has_users():
        raise click.UsageError(
            "--auth needs at least one user; make the first admin with: trackrecord admin "
            f"bootstrap NAME --store {store_location}"
        )
    if not settings.auth_enabled and not is_loopback(host):
        raise click.UsageError(
            f"refusing to listen on {host} without auth: anyone could read and change every "
            f"run. Make the first admin with 'trackrecord admin bootstrap NAME --store "
            f"{store_location}' (then clients send TRACKRECORD_TOKEN), or listen on 127.0.0.1"
        )
    mode = "auth on: requests need a token" if settings.auth_enabled else (
        "auth off (no users): listening on localhost only")  # fmt: skip
    click.echo(f"TrackRecord server on http://{host}:{port}  (store: {store_location}; {mode})")
    if not _row_security(settings):
        click.echo(
            "note: PostgreSQL does not apply row-level security to the role this server connects "
            "as (a superuser, or BYPASSRLS): projects are kept apart by the server's own checks "
            "alone. Connect as an ordinary role that owns the database to add the database's.",
            err=True,
        )
    _start_checkpoints(store, checkpoint_key, checkpoint_interval)
    log_to_stderr()  # one JSON line per request
    # the app, not uvicorn, decides whose X-Forwarded-For to believe (--forwarded-allow-ips)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False,
                proxy_headers=False)  # fmt: skip
