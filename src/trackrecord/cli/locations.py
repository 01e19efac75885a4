"""Where a server's data lives: ``--store`` (a directory or ``postgresql://``) and
``--artifacts`` (a directory or ``s3://bucket/prefix``), shared by ``server`` and ``admin``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from trackrecord.artifacts.base import ArtifactStore
from trackrecord.artifacts.local import LocalArtifactStore

if TYPE_CHECKING:
    from trackrecord.store.sql import SqlStore
    from trackrecord.store.sql.connection import SqlDatabase

__all__ = ["artifact_store", "is_postgres", "open_database", "open_server_store", "store_option"]

F = TypeVar("F", bound=Callable[..., Any])


def store_option(function: F) -> F:
    """The ``--store`` option: a store directory (SQLite) or a PostgreSQL URL."""
    return click.option(
        "--store",
        "store_location",
        default=".trackrecord",
        show_default=True,
        envvar="TRACKRECORD_STORE",
        help="A store directory (SQLite) or postgresql://user@host/db [env TRACKRECORD_STORE].",
    )(function)


def is_postgres(location: str) -> bool:
    """Whether *location* names a PostgreSQL database."""
    return location.startswith(("postgresql://", "postgres://"))


def artifact_store(
    location: str | None,
    store_location: str,
    endpoint: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    presign: bool = True,
) -> ArtifactStore:
    """The artifact store at *location* (default: the store directory's ``artifacts/``)."""
    if location is not None and location.startswith("s3://"):
        from trackrecord.artifacts.s3 import S3ArtifactStore

        bucket, _, prefix = location[5:].partition("/")
        return S3ArtifactStore(bucket, prefix=prefix, endpoint_url=endpoint,
                               access_key=access_key, secret_key=secret_key,
                               presign=presign)  # fmt: skip
    if location is None:
        if is_postgres(store_location):
            raise click.UsageError(
                "a PostgreSQL store needs --artifacts: a directory or s3://bucket/prefix"
            )
        return LocalArtifactStore(Path(store_location) / "artifacts")
    return LocalArtifactStore(location)


def open_server_store(store_location: str, artifacts: ArtifactStore) -> SqlStore:
    """The SQL store at *store_location* with *artifacts*."""
    from trackrecord.store.sql import SqlStore

    if is_postgres(store_location):
        return SqlStore.connect(store_location, artifacts)
    store = SqlStore.open(store_location)
    store.artifacts = artifacts
    return store


def open_database(store_location: str) -> SqlDatabase:
    """Only the database of the store at *store_location* (made if it is a new directory)."""
    if is_postgres(store_location):
        from trackrecord.store.sql.postgres import PostgresDatabase

        return PostgresDatabase(store_location)
    from trackrecord.store.sql import SqlStore

    return SqlStore.open(store_location).database
