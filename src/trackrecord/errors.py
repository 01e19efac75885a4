"""The one exception tree of TrackRecord.

Every error raised on purpose by TrackRecord derives from
:class:`TrackRecordError`; its message says what was wrong, what is allowed,
and how to fix it::

    TrackRecordError
    ├── InvalidValueError (also ValueError)   a metric, param, tag or key that cannot be stored
    │   └── TooLargeError                     a request over a server's size limits
    ├── ConfigurationError (also ValueError)  a bad argument or setting (dir, resume=, parent=)
    ├── ArchiveError (also ValueError)        an archive that is damaged, altered or of an
    │                                         unknown format
    ├── NotFoundError (also LookupError)      a project, run, metric or artifact that is not there
    ├── RunLockedError                        another live process is writing the run
    ├── StoreError                            the store failed (disk full, database locked)
    │   └── ChainConflictError                events that contradict what is already stored
    └── MissingDependencyError (ImportError)  an optional package is needed; says the pip line

Inside a training loop the SDK never raises internal failures (store or disk
errors): it warns once with :class:`TrackRecordWarning` and keeps the data on
disk. Only mistakes at the call site (an invalid value) raise.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ERRORS",
    "ArchiveError",
    "AuthenticationError",
    "ChainConflictError",
    "ConfigurationError",
    "InvalidValueError",
    "MissingDependencyError",
    "NotFoundError",
    "PermissionDeniedError",
    "RetentionError",
    "RunLockedError",
    "StoreError",
    "TooLargeError",
    "TrackRecordError",
    "TrackRecordWarning",
    "status_of",
]


class TrackRecordError(Exception):
    """Base class of every error TrackRecord raises on purpose."""


class InvalidValueError(TrackRecordError, ValueError):
    """A metric, param, tag or key that cannot be stored; nothing was recorded."""


class TooLargeError(InvalidValueError):
    """A request over a server's size limits (body bytes, events); the message names the flag."""


class ConfigurationError(TrackRecordError, ValueError):
    """A bad argument or setting, such as an unknown run id passed as ``resume=``."""


class ArchiveError(TrackRecordError, ValueError):
    """An archive that is not a TrackRecord archive, is damaged, or was altered."""


class NotFoundError(TrackRecordError, LookupError):
    """A project, run, metric or artifact that does not exist."""


class RunLockedError(TrackRecordError):
    """Another live process holds the run open for writing."""


class StoreError(TrackRecordError):
    """The store could not do what was asked (disk full, database locked, corrupt data)."""


class ChainConflictError(StoreError):
    """Events whose sequence number or hash contradict the events already stored."""


class AuthenticationError(TrackRecordError):
    """A request to a server without a valid token (missing, unknown, expired or revoked)."""


class PermissionDeniedError(TrackRecordError):
    """A valid token whose user's role does not allow what was asked."""


class RetentionError(PermissionDeniedError):
    """Deleting what a retention period or a legal hold protects; the message says until when."""


class MissingDependencyError(TrackRecordError, ImportError):
    """An optional package is needed; the message gives the exact ``pip install`` line."""


class TrackRecordWarning(UserWarning):
    """An internal failure the SDK survived; the data is kept on disk for later."""


ERRORS: Final[tuple[tuple[type[TrackRecordError], str, int], ...]] = (
    (ChainConflictError, "CONFLICT", 409),  # before StoreError, its base
    (NotFoundError, "NOT_FOUND", 404),
    (AuthenticationError, "UNAUTHENTICATED", 401),
    (PermissionDeniedError, "FORBIDDEN", 403),
    (TooLargeError, "TOO_LARGE", 413),  # before InvalidValueError, its base
    (InvalidValueError, "INVALID", 400),
    (ConfigurationError, "INVALID_REQUEST", 400),
    (ArchiveError, "INVALID", 400),  # after InvalidValueError: "INVALID" reads back as that
    (RunLockedError, "LOCKED", 423),
    (StoreError, "STORE_ERROR", 503),
    (TrackRecordError, "ERROR", 500),
)
"""Each error class with its code and HTTP status, the most specific first: a server
answers an error with them, and the audit log records a refused change with the status
(on a server and on a store changed directly alike)."""


def status_of(error: TrackRecordError) -> tuple[str, int]:
    """The code and HTTP status of an error.

    Example:
        >>> status_of(NotFoundError("no run 01J"))
        ('NOT_FOUND', 404)
    """
    return next((code, status) for kind, code, status in ERRORS if isinstance(error, kind))


def missing(package: str, extra: str, purpose: str) -> MissingDependencyError:
    """Build the error for an optional *package* needed for *purpose*."""
    return MissingDependencyError(
        f"{purpose} needs the optional package {package!r}, which is not installed. "
        f"Install it with: pip install 'trackrecord[{extra}]'  (or: pip install {package})"
    )
