"""``trackrecord ui``: look at the embedded store's runs in the browser.

A local, single-user server: no auth, so it listens on localhost only, answers
only to loopback Host names (and ``--allowed-host`` ones) against DNS rebinding,
and takes writes only from TrackRecord's clients, not from other web pages (see
:mod:`trackrecord.server.origin`). The store is found the way the SDK finds it
(``--dir``, ``TRACKRECORD_DIR``, or ``.trackrecord`` here or in a parent directory).
"""

from __future__ import annotations

import socket
import threading
import time
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING, Final

import click

from trackrecord.cli.options import CommandError, dir_option
from trackrecord.cli.server import allowed_host_option, is_loopback

if TYPE_CHECKING:
    import uvicorn

    from trackrecord.store.sql import SqlStore

__all__ = ["ui"]

DEFAULT_PORT: Final = 8080
_BUILD_HINT: Final = (
    "the web UI is not built ({index} is missing): build it with `make web` in a source "
    "checkout (needs Node.js 20 and npm); the API works meanwhile"
)


@click.command()
@click.option(
    "--port",
    type=int,
    default=None,
    help=f"Port to listen on [default: {DEFAULT_PORT}, or a free one if it is taken].",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (a loopback one: this server has no auth).",
)
@click.option("--no-browser", is_flag=True, help="Print the address; do not open a browser.")
@allowed_host_option
@dir_option
def ui(
    port: int | None,
    host: str,
    no_browser: bool,
    allowed_hosts: tuple[str, ...],
    directory: str | None,
) -> None:
    """Open the web UI on the runs of the embedded store (a local server, no auth).

    Example: trackrecord ui --port 8080 --no-browser

    To share a store with others, use `trackrecord server` with users and tokens.
    """
    try:
        import uvicorn  # noqa: F401  (a missing extra is reported before anything else)
    except ImportError:
        raise CommandError("the UI needs: pip install 'trackrecord[server]'") from None
    if not is_loopback(host):
        raise CommandError(
            f"refusing to listen on {host}: `trackrecord ui` has no auth, so it serves "
            f"localhost only; to share runs use `trackrecord server` with users and tokens"
        )
    root, store = _open_store(directory)
    _warn_if_not_built()
    port = _port(host, port)
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    server = _server(store, host, port, allowed_hosts)
    click.echo(f"TrackRecord UI on {url}  (store: {root}; press Ctrl+C to stop)")
    if not no_browser:
        threading.Thread(target=_open_when_up, args=(server, url), daemon=True).start()
    server.run()


def _open_store(directory: str | None) -> tuple[Path, SqlStore]:
    from trackrecord.errors import TrackRecordError
    from trackrecord.store.sql import SqlStore
    from trackrecord.store.sql.store import DATABASE_FILE
    from trackrecord.workspace import Workspace, locate

    try:
        root = locate(directory, create=False)
        if not (root / DATABASE_FILE).is_file():
            raise CommandError(
                f"{root} holds no TrackRecord store ({DATABASE_FILE} is missing); log a run "
                f"first, or pass --dir (or set TRACKRECORD_DIR) to point at one"
            )
        store = SqlStore.open(root)
        Workspace(root, store).recover()  # runs whose writer died show all they logged
    except TrackRecordError as exc:
        raise CommandError(str(exc)) from exc
    return root, store


def _warn_if_not_built() -> None:
    from trackrecord.server.routes.ui import UI_DIR

    index = UI_DIR / "index.html"
    if not index.is_file():
        click.echo("Note: " + _BUILD_HINT.format(index=index), err=True)


def _port(host: str, port: int | None) -> int:
    """*port*, or the default one if it is free, else any free port."""
    if port is not None:
        return port
    for candidate in (DEFAULT_PORT, 0):
        with socket.socket() as sock:
            try:
                sock.bind((host, candidate))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise CommandError(f"no free port on {host}; pass --port")  # pragma: no cover


def _server(
    store: SqlStore, host: str, port: int, allowed_hosts: tuple[str, ...]
) -> uvicorn.Server:
    """A server of *store* without auth: it answers only to loopback names and
    *allowed_hosts*, and takes writes only from TrackRecord's clients (see
    :mod:`trackrecord.server.origin`)."""
    import uvicorn

    from trackrecord.errors import TrackRecordError
    from trackrecord.server.app import create_app
    from trackrecord.server.settings import ServerSettings

    try:
        settings = ServerSettings.for_store(store, auth=False, allowed_hosts=allowed_hosts)
    except TrackRecordError as exc:
        raise CommandError(str(exc)) from exc
    config = uvicorn.Config(create_app(settings), host=host, port=port, log_level="warning",
                            access_log=False, proxy_headers=False)  # fmt: skip
    return uvicorn.Server(config)


def _open_when_up(server: uvicorn.Server, url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or server.should_exit:
            return
        time.sleep(0.05)
    webbrowser.open(url)
