"""Keeping a version's documents and reference data in the store, and getting them back.

A version placed on the market (or under a legal hold) keeps its evidence for the whole
period (see :mod:`trackrecord.store.sql.evidence`). Documents are generated on demand
from the records; to keep what was shown to an authority, the generated files are
stored too:

- :func:`keep_documents`: the Annex IV JSON, HTML and PDF, the instructions for use,
  the provider's ``provider.yaml`` and every attachment it lists, stored by SHA-256 and
  named by a ``version.documents`` registry event. :func:`keep_if_retained` does so for a
  version that is retained now (``trackrecord report annex-iv`` and
  :func:`~trackrecord.compliance.annex_iv.write_report` call it); placing a version on
  the market keeps its documents as of then.
- :func:`keep_data`: the bytes of a dataset version of the evidence (such as the
  reference data an evaluation read), so the declared accuracy can be recomputed
  years later. The file or directory must be the one the digest was taken of: its
  bytes (a file), its manifest (a directory), or its table content (a Parquet, CSV or
  Arrow file holding a DataFrame that was logged in memory).
- :func:`download_kept`: every kept file back, each re-hashed on the way out.

These work where the store is (a SQL store: ``--dir``, or on the server's machine). What
they keep through an :class:`~trackrecord.Api` opened here is recorded in the store's
audit log (``retention.keep_documents``, ``retention.keep_data``), refused attempts too.

Example:
    >>> kept = keep_documents(api, "credit-default", 1, written, "provider.yaml", "cli:ana")
    ... # doctest: +SKIP
    >>> [f.path for f in kept.files][:2]  # doctest: +SKIP
    ['annex-iv.json', 'annex-iv.html']
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trackrecord.artifacts.base import file_sha256
from trackrecord.errors import ConfigurationError, InvalidValueError, NotFoundError
from trackrecord.store.sql.evidence import KeptFile, KeptSet, SqlEvidence

if TYPE_CHECKING:
    from trackrecord.api import Api
    from trackrecord.store.sql.store import SqlStore

__all__ = ["download_kept", "keep_data", "keep_documents", "keep_if_retained", "sql_store"]


def sql_store(api: Api) -> SqlStore:
    """The SQL store behind *api*; kept files live where the store is."""
    from trackrecord.store.sql import SqlStore

    if not isinstance(api.store, SqlStore):
        raise ConfigurationError(
            "files are kept where the store is: give --dir (or run this on the server's machine)"
        )
    return api.store


def _store_file(store: SqlStore, path: Path, name: str, role: str,
                title: str | None = None) -> KeptFile:  # fmt: skip
    with path.open("rb") as handle:
        digest, size = store.artifacts.put(handle)
    return KeptFile(name, digest, size, role, title)


def _source_files(store: SqlStore, manual_path: str | os.PathLike[str]) -> list[KeptFile]:
    """provider.yaml and its attachments, each checked against the digest the document names."""
    from trackrecord.compliance.annex_iv.manual import load_manual

    where = Path(manual_path)
    manual = load_manual(where)
    found = [_store_file(store, where, where.name, "manual")]
    for number, attachment in enumerate(manual.attachments, 1):
        kept = _store_file(store, where.parent / attachment.path,
                           f"attachments/{number}-{Path(attachment.path).name}", "attachment",
                           attachment.title)  # fmt: skip
        if kept.sha256 != attachment.sha256:
            raise ConfigurationError(
                f"the attachment {attachment.path} changed while the documents were kept; "
                f"generate them again"
            )
        found.append(kept)
    return found


def keep_documents(
    api: Api,
    name: str,
    version: int,
    written: Sequence[str | os.PathLike[str]],
    manual_path: str | os.PathLike[str] | None,
    actor: str,
    reason: str | None = None,
) -> KeptSet:
    """Store the generated files *written* (and the provider's file and its attachments)
    and record them with ``models:/NAME/VERSION``. The same files kept last time are not
    recorded again.

    Raises:
        ConfigurationError: not a SQL store, or an attachment changed meanwhile.
        NotFoundError: no such version.
    """
    with api.audit.change("retention.keep_documents", f"{name}/{version}"):
        store = sql_store(api)
        files = [_store_file(store, Path(p), Path(p).name, "document") for p in written]
        if manual_path is not None:
            files += _source_files(store, manual_path)
        details = {"document": "annex-iv", "uri": f"models:/{name}/{version}"}
        return SqlEvidence(store).keep(name, version, "documents", files, actor, reason, details)


def keep_if_retained(
    api: Api,
    name: str,
    version: int,
    written: Sequence[str | os.PathLike[str]],
    manual_path: str | os.PathLike[str] | None,
    actor: str,
) -> KeptSet | None:
    """:func:`keep_documents` when the version is on the market or under a legal hold now;
    None otherwise, and for a store that is not SQL (a remote one keeps nothing)."""
    from trackrecord.store.sql import SqlStore
    from trackrecord.store.sql.retention import SqlRetention

    if not isinstance(api.store, SqlStore) or not SqlRetention(api.store).retentions(name, version):
        return None
    return keep_documents(api, name, version, written, manual_path, actor)


def _table_digests(path: Path) -> list[str]:
    """The canonical digests of the table a Parquet, CSV/TSV or Arrow file holds, read by
    pandas and by pyarrow (either may be how the DataFrame was logged); none for others."""
    from trackrecord.data.content import describe_data
    from trackrecord.data.profile import TABLE_EXTENSIONS, TABLE_EXTENSIONS_IPC

    lower = path.name.lower()
    if not lower.endswith(TABLE_EXTENSIONS + TABLE_EXTENSIONS_IPC):
        return []
    found = []
    for read in _readers(lower):
        try:
            digest = describe_data(read(str(path))).digest
        except Exception:  # a reader that cannot read it gives no digest, never an error
            continue
        if digest is not None:
            found.append(digest)
    return found


def _readers(lower: str) -> list[Any]:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas comes with the evaluation extras
        return []
    if lower.endswith((".parquet", ".pq")):
        return [pd.read_parquet]
    if lower.endswith((".csv", ".tsv", ".csv.gz", ".tsv.gz")):
        options: dict[str, Any] = {"sep": "\t" if ".tsv" in lower else ","}
        if int(pd.__version__.split(".")[0]) < 3:  # pandas 3 reads floats back exactly
            options["float_precision"] = "round_trip"
        return [lambda p: pd.read_csv(p, **options)]
    return [pd.read_feather]


def _match(path: Path, wanted: list[tuple[str, str, str]]) -> tuple[tuple[str, str, str], str]:
    """The dataset version *path* holds, and how (``file``, ``directory`` or ``table``)."""
    from trackrecord.data.digest import hash_directory, hash_file

    if path.is_dir():
        candidates = [(hash_directory(path)[0], "directory")]
    elif path.is_file():
        candidates = [(hash_file(path)[0], "file")]
        candidates += [(d, "table") for d in _table_digests(path)]
    else:
        raise InvalidValueError(f"{path} is not a file or directory")
    for digest, form in candidates:
        for dataset in wanted:
            if dataset[2] == digest:
                return dataset, form
    listed = "; ".join(f"{n} ({p}) {d[:12]}" for p, n, d in wanted) or "none recorded"
    raise InvalidValueError(
        f"{path} is none of the dataset versions in this version's evidence ({listed}); give "
        f"the file or directory whose digest was recorded"
    )


def keep_data(
    api: Api,
    name: str,
    version: int,
    paths: Sequence[str | os.PathLike[str]],
    actor: str,
    reason: str | None = None,
) -> list[KeptSet]:
    """Store the bytes of dataset versions in the evidence of ``models:/NAME/VERSION`` (the
    reference data of its evaluations, or data upstream of it), one kept set per path.

    Raises:
        InvalidValueError: a path that holds none of the evidence's dataset versions (the
            message lists them). ConfigurationError: not a SQL store.
    """
    if not paths:
        return []  # nothing kept, nothing to record
    with api.audit.change("retention.keep_data", f"{name}/{version}"):
        store = sql_store(api)
        evidence = SqlEvidence(store)
        number = store.catalog.model_version(name, version).version
        wanted = evidence.datasets(name, number)
        matched = [(Path(given), _match(Path(given), wanted)) for given in paths]  # all first
        found = []
        for path, ((project, dataset, digest), form) in matched:
            details = {"dataset": {"project": project, "name": dataset, "digest": digest},
                       "form": form}  # fmt: skip
            files = _data_files(store, path)
            found.append(evidence.keep(name, number, "data", files, actor, reason, details))
        return found


def _data_files(store: SqlStore, path: Path) -> list[KeptFile]:
    """The file at *path*, or every file of the directory, stored under ``data/``."""
    if not path.is_dir():
        return [_store_file(store, path, f"data/{path.name}", "data")]
    from trackrecord.data.digest import hash_directory

    return [_store_file(store, path / e.path, f"data/{e.path}", "data")
            for e in hash_directory(path)[1]]  # fmt: skip


def download_kept(api: Api, name: str, version: int, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write every file kept with ``models:/NAME/VERSION`` under *out_dir*, one folder per
    kept set (``<seq>-documents/``, ``<seq>-data/``), each re-hashed as it is written.

    Raises:
        NotFoundError: a file's bytes are gone from the store, or no longer match.
    """
    store = sql_store(api)
    number = store.catalog.model_version(name, version).version
    written = []
    for kept in SqlEvidence(store).kept(name, number):
        folder = Path(out_dir) / f"{kept.seq}-{kept.kind}"
        for item in kept.files:
            target = folder / item.path
            target.parent.mkdir(parents=True, exist_ok=True)
            with store.open_artifact(item.sha256) as source, target.open("wb") as sink:
                while block := source.read(1 << 20):
                    sink.write(block)
            with target.open("rb") as check:
                if file_sha256(check)[0] != item.sha256:
                    raise NotFoundError(f"the kept {item.path} of {name} v{number} no longer "
                                        f"matches its SHA-256 {item.sha256[:12]}")  # fmt: skip
            written.append(target)
    return written
