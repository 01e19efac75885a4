"""Model registrations waiting beside a run's spool until the store can take them.

``run.log_model(..., register=NAME)`` registers the model once the run's record
is in the store. Offline, or while the store does not answer, the request is
kept as ``spool/<run_id>/register-<key>.json`` and applied by whoever ships the
spool next: the run's own writer when the store answers again before the run
ends, a later process that recovers the spool, or ``trackrecord sync``.

A request is keyed by the run, the logged model and the registered name, and
applying one whose version exists already does nothing: applying twice, or after
an interruption, makes one version. A final refusal (no permission, a name
another project holds) removes the request and is reported, never raised.

Example:
    >>> queue_registration(spool_dir, "churn-model", run_id, "clf", "alice")  # doctest: +SKIP
    >>> apply_registrations(spool_dir, store)  # doctest: +SKIP
    [Registration(model='churn-model', ..., outcome='registered as version 1')]
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Final

from trackrecord.errors import (
    AuthenticationError,
    ChainConflictError,
    NotFoundError,
    StoreError,
    TrackRecordError,
)
from trackrecord.store.base import Store

__all__ = [
    "Registration",
    "apply_registrations",
    "has_registrations",
    "queue_registration",
    "register_now",
]

_PREFIX: Final = "register-"


@dataclasses.dataclass
class Registration:
    """A request to register the model *run_model* of run *run_id* as a version of *model*."""

    model: str
    run_id: str
    run_model: str
    actor: str
    outcome: str = "waiting"
    """``waiting``, ``registered as version N``, or ``refused: why``."""

    @property
    def refused(self) -> bool:
        """Whether the store refused it for good (it is not tried again)."""
        return self.outcome.startswith("refused")

    def refusal(self) -> str:
        """What a refused request says: which model, why, and how to register it later."""
        return (
            f"the model {self.run_model!r} of run {self.run_id} is not registered as "
            f"{self.model!r}, {self.outcome}; register it with: {self.command()}"
        )

    def command(self) -> str:
        """The CLI command that registers it by hand."""
        return f"trackrecord models register {self.run_id} {self.run_model} --name {self.model}"


def _key(model: str, run_id: str, run_model: str) -> str:
    return hashlib.sha256(f"{run_id}\0{run_model}\0{model}".encode()).hexdigest()[:16]


def queue_registration(
    directory: Path, model: str, run_id: str, run_model: str, actor: str
) -> Registration:
    """Keep a registration request in the spool *directory* (written atomically; once per key).

    Raises:
        OSError: the directory cannot be written.
    """
    request = Registration(model, run_id, run_model, actor)
    path = directory / f"{_PREFIX}{_key(model, run_id, run_model)}.json"
    partial = path.with_suffix(".partial")
    fields = {"model": model, "run_id": run_id, "run_model": run_model, "actor": actor}
    partial.write_text(json.dumps(fields))
    partial.replace(path)
    return request


def has_registrations(directory: Path) -> bool:
    """Whether registration requests wait in *directory*."""
    return any(directory.glob(f"{_PREFIX}*.json"))


def register_now(store: Store, request: Registration) -> Registration:
    """Register *request* in *store* unless its version exists; set and return its outcome.

    A refusal for good sets ``refused: ...``; a store that does not answer raises.

    Raises:
        StoreError: the store cannot be reached (the request still waits).
        AuthenticationError: the store does not accept the credentials now.
    """
    catalog = store.catalog
    try:
        for version in catalog.model_versions(request.model):
            if version.run_id == request.run_id and version.run_model == request.run_model:
                request.outcome = f"registered as version {version.version}"
                return request
    except NotFoundError:
        pass  # no such registered model yet (or not visible): creating it says which
    try:
        version = catalog.create_version(
            request.model, request.run_id, request.run_model, request.actor
        )
    except ChainConflictError as exc:  # the registry moved under us: a retry meets it again
        request.outcome = f"refused: {exc}"
    except (StoreError, AuthenticationError):
        raise
    except TrackRecordError as exc:  # no permission, a name another project holds, ...
        request.outcome = f"refused: {exc}"
    else:
        request.outcome = f"registered as version {version.version}"
    return request


def apply_registrations(directory: Path, store: Store) -> list[Registration]:
    """Apply the requests waiting in *directory* to *store*; remove each one settled.

    Call it once the run's events are in *store*. Returns every request it found,
    with its outcome; requests left ``waiting`` (the store stopped answering) stay.
    """
    done = []
    for path in sorted(directory.glob(f"{_PREFIX}*.json")):
        try:
            fields = json.loads(path.read_text())
            request = Registration(
                str(fields["model"]), str(fields["run_id"]),
                str(fields["run_model"]), str(fields["actor"]),
            )  # fmt: skip
        except (OSError, ValueError, KeyError, TypeError) as exc:
            outcome = f"refused: {path} is unreadable ({exc})"
            request = Registration("?", directory.name, path.name, "?", outcome)
            path.unlink(missing_ok=True)
            done.append(request)
            continue
        try:
            register_now(store, request)
        except (StoreError, AuthenticationError):
            done.append(request)
            break  # the store stopped answering: the rest waits too
        path.unlink(missing_ok=True)
        done.append(request)
    return done
