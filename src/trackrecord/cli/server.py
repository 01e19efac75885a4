"""``trackrecord server``: share a store over HTTP."""

from __future__ import annotations

from pathlib import Path

import click

from trackrecord.artifacts.base import ArtifactStore
from trackrecord.artifacts.local import LocalArtifactStore

__all__ = ["server"]


def _artifacts(location: str | None, store_dir: str) -> ArtifactStore:
    if location is None:
        return LocalArtifactStore(Path(store_dir) / "artifacts")
    if location.startswith("s3://"):
        from trackrecord.artifacts.s3 import S3ArtifactStore

        bucket, _, prefix = location[5:].partition("/")
        return S3ArtifactStore(bucket, prefix=prefix)  # endpoint and keys: the AWS variables
    return LocalArtifactStore(location)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, help="Port to listen on.")
@click.option(
    "--store",
    "store_location",
    default=".trackrecord",
    show_default=True,
    help="A store directory (SQLite) or postgresql://user@host/db.",
)
@click.option(
    "--artifacts",
    default=None,
    help="A directory or s3://bucket/prefix (default: the store directory's).",
)
def server(host: str, port: int, store_location: str, artifacts: str | None) -> None:
    """Serve a store over HTTP: training code logs to it with TRACKRECORD_URI=http://HOST:PORT.

    Example: trackrecord server --store postgresql://tr@db/tr --artifacts s3://bucket/runs
    """
    try:
        import uvicorn
    except ImportError:
        raise click.UsageError("the server needs: pip install 'trackrecord[server]'") from None
    from trackrecord.server.app import create_app
    from trackrecord.server.settings import ServerSettings
    from trackrecord.store.sql import SqlStore

    if store_location.startswith(("postgresql://", "postgres://")):
        store = SqlStore.connect(store_location, _artifacts(artifacts, ".trackrecord"))
    else:
        store = SqlStore.open(store_location)
        store.artifacts = _artifacts(artifacts, store_location)
    click.echo(f"TrackRecord server on http://{host}:{port}  (store: {store_location})")
    uvicorn.run(create_app(ServerSettings.for_store(store)), host=host, port=port, log_level="info")
